package main

import (
	"context"
	"time"
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

// serveSCM runs run (the agent) and answers the SCM until the agent
// stopped. report is called with each state change (and for Interrogate,
// with the current state). It returns the service's exit code: 0 after a
// requested stop or a clean end, 1 when the agent failed (the SCM's
// recovery actions then restart it).
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
			if err != nil && ctx.Err() == nil {
				return 1
			}
			return 0
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
