package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

// childConfigEnv makes the test binary run an agent instead of tests: the
// kill -9 and steady-state tests start it as a separate process.
const childConfigEnv = "WSEC_AGENT_TEST_CHILD_CONFIG"

// childProfileEnv names a file the child writes its CPU profile to.
const childProfileEnv = "WSEC_AGENT_TEST_CHILD_CPUPROFILE"

func TestMain(m *testing.M) {
	if path := os.Getenv(childConfigEnv); path != "" {
		os.Exit(runChild(path))
	}
	goleak.VerifyTestMain(m)
}

// runChild runs the agent of the config at path until SIGTERM (or SIGKILL).
func runChild(path string) int {
	c, err := LoadConfig(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if p := os.Getenv(childProfileEnv); p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if err := Run(ctx, Options{Config: c, Logger: log}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
