package wevtapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/eventxml"
	"wsec/internal/source"
)

// Defaults of StreamOptions.
const (
	// DefaultRetryMin and DefaultRetryMax bound the wait before
	// subscribing again after a failure (a channel that does not exist
	// yet, the log was cleared, the service restarted): doubling from a
	// second to five minutes, so a missing AppLocker channel costs one
	// call every five minutes.
	DefaultRetryMin = time.Second
	DefaultRetryMax = 5 * time.Minute
)

// subscription is what Stream uses of a Subscription; tests give it a fake
// that replays rendered XML, so everything above the Windows calls runs on
// every OS.
type subscription interface {
	Next(ctx context.Context, dst [][]byte) ([][]byte, error)
	Close() error
}

// StreamOptions configures a Stream.
type StreamOptions struct {
	// Channel is the channel to read, e.g. "Security"; required. It is
	// also the stream's name, so a stored position renders as a Windows
	// bookmark (bookmark.XML).
	Channel string
	// Query, BatchSize and Wait are passed to Subscribe (see Options).
	Query     string
	BatchSize int
	Wait      time.Duration
	// RetryMin and RetryMax bound the backoff between subscription
	// attempts; 0 means the defaults.
	RetryMin, RetryMax time.Duration
	// Logger receives subscription failures (once per attempt, which the
	// backoff bounds). nil means no logging.
	Logger *slog.Logger

	subscribe func(Options) (subscription, error) // nil: Subscribe
}

// Stream is a source.Stream over a live channel: positions are
// EventRecordIDs, and Read resumes after a position through a Windows
// bookmark. It never ends on its own: it waits for new events, and when
// the subscription fails it subscribes again after the last event
// delivered. Off Windows, Read returns ErrUnsupported.
type Stream struct {
	o StreamOptions

	// Counters over the stream's life.
	Unparsed   atomic.Uint64 // rendered events the XML reader refused (skipped)
	Duplicates atomic.Uint64 // events at or below the position (after a resubscribe), skipped
	Failures   atomic.Uint64 // failed subscriptions and reads
}

// NewStream returns a stream of o.Channel.
func NewStream(o StreamOptions) *Stream {
	if o.RetryMin <= 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	o.RetryMax = max(o.RetryMax, o.RetryMin)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.subscribe == nil {
		o.subscribe = func(so Options) (subscription, error) {
			s, err := Subscribe(so)
			if err != nil {
				return nil, err
			}
			return s, nil
		}
	}
	return &Stream{o: o}
}

// Name implements source.Stream: the channel name.
func (s *Stream) Name() string { return s.o.Channel }

// emitError marks the caller's own error so it is returned unchanged.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }

// Read implements source.Stream.
func (s *Stream) Read(ctx context.Context, after uint64, emit func(source.Batch) error) error {
	wait := s.o.RetryMin
	for {
		so := Options{Channel: s.o.Channel, Query: s.o.Query, BatchSize: s.o.BatchSize, Wait: s.o.Wait}
		if after > 0 {
			so.After = &bookmark.Position{Channel: s.o.Channel, RecordID: after}
		}
		sub, err := s.o.subscribe(so)
		if errors.Is(err, ErrUnsupported) {
			return err
		}
		if err == nil {
			var last uint64
			last, err = s.pump(ctx, sub, after, emit)
			sub.Close()
			if last > after {
				after, wait = last, s.o.RetryMin // progress: start the backoff over
			}
			var ee *emitError
			if errors.As(err, &ee) {
				return ee.err
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.Failures.Add(1)
		s.o.Logger.Warn("read event log channel; subscribing again", "channel", s.o.Channel,
			"record_id", after, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, s.o.RetryMax)
	}
}

// pump reads the subscription until it fails or ctx is done, emitting the
// events above after. It returns the last position delivered.
func (s *Stream) pump(ctx context.Context, sub subscription, after uint64, emit func(source.Batch) error) (uint64, error) {
	var raw [][]byte
	var b source.Batch
	for {
		var err error
		raw, err = sub.Next(ctx, raw[:0])
		b.Events, b.Pos = b.Events[:0], b.Pos[:0]
		for _, x := range raw {
			e, perr := eventxml.ParseEvent(x)
			id := uint64(0)
			if perr == nil {
				id = e.System.EventRecordID
			} else {
				s.Unparsed.Add(1)
				id = recordIDOf(x) // still move past it when its ID can be found
			}
			if id <= after {
				if perr == nil {
					s.Duplicates.Add(1)
				}
				continue
			}
			after = id
			b.Through = id
			if perr == nil {
				b.Events = append(b.Events, e)
				b.Pos = append(b.Pos, id)
			}
		}
		if b.Through > 0 { // events, or only records skipped past (Through > Last)
			if eerr := emit(b); eerr != nil {
				return after, &emitError{eerr}
			}
			b.Through = 0
		}
		if err != nil {
			return after, err
		}
		if err := ctx.Err(); err != nil {
			return after, err
		}
	}
}

// recordIDOf finds the EventRecordID of an event the XML reader refused,
// so the stream's position can still move past it.
func recordIDOf(x []byte) uint64 {
	const open, close = "<EventRecordID>", "</EventRecordID>"
	i := bytes.Index(x, []byte(open))
	if i < 0 {
		return 0
	}
	rest := x[i+len(open):]
	j := bytes.Index(rest, []byte(close))
	if j < 0 {
		return 0
	}
	id, err := strconv.ParseUint(string(bytes.TrimSpace(rest[:j])), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

var _ source.Stream = (*Stream)(nil)
