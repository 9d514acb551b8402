// Command wsec-agent streams Windows Security and AppLocker events (and
// EVTX files, event XML, or a synthetic load) to one or more wsec
// workspaces, losing none and sending none twice across restarts, crashes
// and outages. The work is package agent's; this command parses flags,
// sets up logging and, on Windows, runs as a service.
//
//	wsec-agent run --config FILE        run in the foreground (every OS), or as the service
//	wsec-agent status --config FILE     per-destination state of the running agent
//	wsec-agent install --config FILE    install the Windows service (automatic start, restart on failure)
//	wsec-agent uninstall | start | stop the Windows service
//	wsec-agent version
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"wsec/internal/agent"
	"wsec/internal/cli"
)

// serviceName is the Windows service's name.
const serviceName = "wsec-agent"

func commands() map[string]cli.Command {
	return map[string]cli.Command{
		"run":       {Summary: "run the agent in the foreground (or as the Windows service)", Run: runAgent},
		"status":    {Summary: "print the running agent's per-destination state", Run: runStatus},
		"install":   {Summary: "install the Windows service", Run: runInstall},
		"uninstall": {Summary: "remove the Windows service", Run: runUninstall},
		"start":     {Summary: "start the Windows service", Run: runStart},
		"stop":      {Summary: "stop the Windows service", Run: runStop},
		"version":   {Summary: "print the version", Run: runVersion},
	}
}

func main() {
	if isService() {
		os.Exit(runService(os.Args[1:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Main(ctx, "wsec-agent", commands(), args, stdout, stderr)
}

// configFlag parses --config FILE (required) and loads it.
func configFlag(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*agent.Config, string, error) {
	fs := cli.FlagSet("wsec-agent", name, stderr)
	path := fs.String("config", "", "agent configuration file (JSON)")
	if extra != nil {
		extra(fs)
	}
	if err := cli.Parse(fs, args); err != nil {
		return nil, "", err
	}
	if fs.NArg() > 0 {
		return nil, "", cli.UsageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *path == "" {
		return nil, "", cli.UsageError("--config FILE is required")
	}
	c, err := agent.LoadConfig(*path)
	if err != nil {
		return nil, "", err
	}
	return c, *path, nil
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	fmt.Fprintln(stdout, "wsec-agent", agent.Version())
	return nil
}
