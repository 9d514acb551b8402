package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"wsec/internal/source"
)

func TestServeSCMStop(t *testing.T) {
	reqs := make(chan svcCmd)
	var states []svcState
	reported := make(chan svcState, 16)
	report := func(s svcState) { states = append(states, s); reported <- s }
	code := make(chan uint32, 1)
	go func() {
		code <- serveSCM(reqs, report, func(ctx context.Context, ready func()) error {
			ready()
			<-ctx.Done() // the agent stops when asked
			return nil
		})
	}()
	for s := range reported {
		if s == stateRunning {
			break
		}
	}
	reqs <- cmdInterrogate
	reqs <- cmdStop
	if c := <-code; c != 0 {
		t.Errorf("exit code %d after a requested stop, want 0", c)
	}
	want := []svcState{stateStartPending, stateRunning, stateRunning, stateStopPending, stateStopped}
	if !slices.Equal(states, want) {
		t.Errorf("states %v, want %v", states, want)
	}
}

func TestServeSCMAgentFails(t *testing.T) {
	var states []svcState
	code := serveSCM(make(chan svcCmd), func(s svcState) { states = append(states, s) },
		func(ctx context.Context, ready func()) error { return errors.New("spool corrupt") })
	if code != exitFailed {
		t.Errorf("exit code %d when the agent failed, want %d (so recovery actions restart it)", code, exitFailed)
	}
	if !slices.Equal(states, []svcState{stateStartPending, stateStopped}) {
		t.Errorf("states %v", states)
	}
}

// TestServeSCMConfigError: a configuration error, whether found at start
// or when Windows refuses a query while the agent runs, reaches the SCM as
// the service stopping with exit code exitConfig.
func TestServeSCMConfigError(t *testing.T) {
	var states []svcState
	code := serveSCM(make(chan svcCmd), func(s svcState) { states = append(states, s) }, func(ctx context.Context, ready func()) error {
		return fmt.Errorf("stream Security: %w: query \"*[foo()]\" is invalid", source.ErrConfig)
	})
	if code != exitConfig {
		t.Errorf("exit code %d after a configuration error, want %d", code, exitConfig)
	}
	if !slices.Equal(states, []svcState{stateStartPending, stateStopped}) {
		t.Errorf("states %v", states)
	}
}

func TestServeSCMShutdownDuringStart(t *testing.T) {
	reqs := make(chan svcCmd, 1)
	reqs <- cmdShutdown
	var states []svcState
	code := serveSCM(reqs, func(s svcState) { states = append(states, s) }, func(ctx context.Context, ready func()) error {
		<-ctx.Done() // still starting (waiting for rules) when the machine shuts down
		return ctx.Err()
	})
	if code != 0 || !slices.Equal(states, []svcState{stateStartPending, stateStopPending, stateStopped}) {
		t.Errorf("code %d, states %v", code, states)
	}
}
