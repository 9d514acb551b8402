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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"wsec/internal/agent"
)

// serviceName is the Windows service's name.
const serviceName = "wsec-agent"

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"run":       {"run the agent in the foreground (or as the Windows service)", runAgent},
		"status":    {"print the running agent's per-destination state", runStatus},
		"install":   {"install the Windows service", runInstall},
		"uninstall": {"remove the Windows service", runUninstall},
		"start":     {"start the Windows service", runStart},
		"stop":      {"stop the Windows service", runStop},
		"version":   {"print the version", runVersion},
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if isService() {
		os.Exit(runService(os.Args[1:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr, cmds)
		return 2
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "wsec-agent: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "wsec-agent %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "wsec-agent %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: wsec-agent <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

// configFlag parses --config FILE (required) and loads it.
func configFlag(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*agent.Config, string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "agent configuration file (JSON)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if fs.NArg() > 0 {
		return nil, "", usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *path == "" {
		return nil, "", usageError{"--config FILE is required"}
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
