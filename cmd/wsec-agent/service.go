package main

import (
	"context"
	"errors"
	"time"

	"wsec/internal/source"
)

// The Windows service is a thin wrapper: the Service Control Manager's
// requests become a context cancellation, and its status reports follow
// the agent's life. This file holds that logic without Windows types, so
// it is tested on every OS; service_windows.go adapts svc.ChangeRequest
// and svc.Status to it.

// svcState is a service state as reported to the SCM.
type svcState int

const (
	stateStartPending svcState = iota
	stateRunning
	stateStopPending
	stateStopped
)

// svcCmd is a control request from the SCM.
type svcCmd int

const (
	cmdInterrogate svcCmd = iota
	cmdStop
	cmdShutdown
	cmdOther
)

// stopWait is how long the SCM is told a stop may take (the agent saves
// bookmarks and stops its shippers within agent.ShutdownTimeout).
const stopWait = 20 * time.Second

// The service-specific exit codes the SCM records (sc query wsec-agent:
// SERVICE_EXIT_CODE). Both make it run the recovery actions (restart),
// and a restart reads the configuration again.
const (
	exitFailed = 1 // the agent failed (a spool, the data directory)
	exitConfig = 2 // the configuration must change (source.ErrConfig)
)

// serveSCM runs run (the agent) and answers the SCM until the agent
// stopped. report is called with each state change (and for Interrogate,
// with the current state). It returns the service's exit code: 0 after a
// requested stop or a clean end, exitConfig when the agent stopped on a
// configuration error (at start, or a query Windows refused while
// running), exitFailed when it failed otherwise.
func serveSCM(requests <-chan svcCmd, report func(svcState), run func(ctx context.Context, ready func()) error) uint32 {
	report(stateStartPending)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func() { close(ready) })
	}()
	state := stateStartPending
	set := func(s svcState) {
		state = s
		report(s)
	}
	for {
		select {
		case <-ready:
			ready = nil
			set(stateRunning)
		case err := <-done:
			set(stateStopped)
			switch {
			case err == nil || ctx.Err() != nil:
				return 0
			case errors.Is(err, source.ErrConfig):
				return exitConfig
			}
			return exitFailed
		case c := <-requests:
			switch c {
			case cmdInterrogate:
				report(state)
			case cmdStop, cmdShutdown:
				if state != stateStopPending {
					set(stateStopPending)
					cancel()
				}
			}
		}
	}
}
