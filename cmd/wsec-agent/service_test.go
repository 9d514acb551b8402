package main

import (
	"context"
	"errors"
	"slices"
	"testing"
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
	if code != 1 {
		t.Errorf("exit code %d when the agent failed, want 1 (so recovery actions restart it)", code)
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
