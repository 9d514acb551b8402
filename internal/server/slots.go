package server

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrBusy is Slots.Acquire's answer when no slot freed within the wait.
var ErrBusy = errors.New("every slot is taken")

// Slots bounds the requests doing costly work (decoding, appending,
// querying) at once. A request waits a bounded time for a slot and is then
// turned away, so a burst queues briefly instead of piling up memory.
type Slots struct {
	ch       chan struct{}
	wait     time.Duration
	inFlight prometheus.Gauge
}

// NewSlots returns n slots (at least 1) that Acquire waits up to wait for.
// inFlight, when not nil, follows the slots held.
func NewSlots(n int, wait time.Duration, inFlight prometheus.Gauge) *Slots {
	return &Slots{ch: make(chan struct{}, max(n, 1)), wait: wait, inFlight: inFlight}
}

// Cap is the number of slots.
func (s *Slots) Cap() int { return cap(s.ch) }

// Acquire takes a slot, waiting up to the wait given to NewSlots. It
// returns ErrBusy when none frees in time and ctx's error when ctx ends
// first; otherwise release gives the slot back and must be called once.
func (s *Slots) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.ch <- struct{}{}:
	default:
		t := time.NewTimer(s.wait)
		defer t.Stop()
		select {
		case s.ch <- struct{}{}:
		case <-t.C:
			return nil, ErrBusy
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.inFlight != nil {
		s.inFlight.Inc()
	}
	return func() {
		if s.inFlight != nil {
			s.inFlight.Dec()
		}
		<-s.ch
	}, nil
}
