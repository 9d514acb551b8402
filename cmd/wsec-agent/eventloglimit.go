package main

import (
	"sync"
	"time"
)

// eventLogEvery is how often one message may reach the Application event
// log. The agent's own log file keeps every line.
const eventLogEvery = 5 * time.Minute

// eventLogLimit keeps the Application event log readable when a failure
// repeats (an unreachable workspace is retried every few seconds): each
// message is let through at most once per interval, and the next one let
// through says how many were held back meanwhile. Messages are the
// agent's constant texts, so the map stays small.
type eventLogLimit struct {
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	msgs map[string]*heldMessage
}

type heldMessage struct {
	last time.Time
	held int
}

func newEventLogLimit(every time.Duration, now func() time.Time) *eventLogLimit {
	return &eventLogLimit{every: every, now: now, msgs: map[string]*heldMessage{}}
}

// allow reports whether msg may be written now and, when it may, how many
// of it were held back since it was last written.
func (l *eventLogLimit) allow(msg string) (ok bool, held int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	m := l.msgs[msg]
	if m == nil {
		l.msgs[msg] = &heldMessage{last: t}
		return true, 0
	}
	if t.Sub(m.last) < l.every {
		m.held++
		return false, 0
	}
	held, m.held, m.last = m.held, 0, t
	return true, held
}
