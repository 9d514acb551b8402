package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Verifier authenticates a SharedKey-signed request and returns the
// signing workspace; *auth.Verifier is one. A refusal should be an
// *auth.Error. The endpoint packages take one in their Options.
type Verifier interface {
	Verify(r *http.Request, contentLength int64, resource string) (workspace string, err error)
}

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

// ReadBody reads r's body, at most max bytes. Past max it stops reading
// and returns an *http.MaxBytesError (and the connection is closed after
// the answer, as with http.MaxBytesReader); other read errors are returned
// as they are, for the caller to describe to the client.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, max)))
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, max)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
