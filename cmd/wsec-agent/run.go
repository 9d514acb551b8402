package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"

	"wsec/internal/agent"
	"wsec/internal/cli"
)

// runAgent is `wsec-agent run --config FILE`.
func runAgent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var level, cpuProfile string
	c, cfgPath, err := configFlag("run", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&level, "log-level", "", "override the config's logLevel (debug, info, warn, error)")
		fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile (go tool pprof) of the whole run to this file")
	})
	if err != nil {
		return err
	}
	if cpuProfile != "" {
		stop, err := startCPUProfile(cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if level != "" {
		if _, err := agent.ParseLogLevel(level); err != nil {
			return cli.UsageError("--log-level " + err.Error())
		}
		c.LogLevel = level
	}
	log, closeLog, err := openLog(c, stderr, nil)
	if err != nil {
		return err
	}
	defer closeLog()
	logTo := c.LogFile
	if logTo == "" {
		logTo = agent.LogPath(c.DataDir)
	} else if logTo == "-" {
		logTo = "stderr"
	}
	fmt.Fprintf(stdout, "wsec-agent %s: running with %s (data %s, log %s); stop with Ctrl-C\n", agent.Version(), cfgPath, c.DataDir, logTo)
	pctx, stopProgress := context.WithCancel(context.Background())
	done := make(chan struct{})
	started := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-started:
			reportProgress(pctx, stdout, c.DataDir)
		case <-pctx.Done():
		}
	}()
	err = agent.Run(ctx, agent.Options{Config: c, Logger: log, Ready: func() { close(started) }})
	stopProgress()
	<-done
	return err
}

// startCPUProfile profiles the process into path until the returned
// function is called: how the agent's own CPU per event is measured
// (scripts/bench-scale.sh E2E_PROFILE).
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// openLog builds the agent's logger: JSON lines to the configured file
// (bounded by rotation), or to stderr with logFile "-"; extra, when set,
// also receives every record (the Windows event log).
func openLog(c *agent.Config, stderr io.Writer, extra slog.Handler) (*slog.Logger, func(), error) {
	lvl, err := agent.ParseLogLevel(c.LogLevel)
	if err != nil {
		return nil, nil, fmt.Errorf("logLevel %w", err)
	}
	var w io.Writer = stderr
	closeFn := func() {}
	if c.LogFile != "-" {
		path := c.LogFile
		if path == "" {
			if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
				return nil, nil, fmt.Errorf("create data directory: %w", err)
			}
			path = agent.LogPath(c.DataDir)
		}
		f, err := openRotating(path, maxLogBytes)
		if err != nil {
			return nil, nil, err
		}
		w, closeFn = f, func() { f.Close() }
	}
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})
	if extra != nil {
		h = teeHandler{h, extra}
	}
	return slog.New(h), closeFn, nil
}

// teeHandler sends every record to two handlers.
type teeHandler [2]slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return t[0].Enabled(ctx, l) || t[1].Enabled(ctx, l)
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			if e := h.Handle(ctx, r.Clone()); e != nil && err == nil {
				err = e
			}
		}
	}
	return err
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{t[0].WithAttrs(as), t[1].WithAttrs(as)}
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{t[0].WithGroup(name), t[1].WithGroup(name)}
}
