package wevtapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/eventxml"
	"wsec/internal/source"
)

// Defaults of StreamOptions.
const (
	// DefaultBatchSize is how many events one EvtNext asks for. Larger
	// batches save little and make RPC_S_INVALID_BOUND on large events
	// more likely.
	DefaultBatchSize = 100
	// DefaultWait is how long a stream waits on the subscription's signal
	// before asking again when there is nothing to read.
	DefaultWait = 500 * time.Millisecond
	// DefaultRetryMin and DefaultRetryMax bound the wait before
	// subscribing again after a failure (a channel that does not exist
	// yet, the event log service restarting): doubling from a second to
	// five minutes, so a missing AppLocker channel costs one call every
	// five minutes.
	DefaultRetryMin = time.Second
	DefaultRetryMax = 5 * time.Minute
	// DefaultRenderAttempts is how often an event Windows fails to render
	// is tried before it is skipped.
	DefaultRenderAttempts = 3
)

// A position packs a generation above the local record number: a cleared
// log numbers its records from 1 again, and the next generation keeps the
// positions increasing. 44 bits hold 1.7e13 records (55 years at 10,000
// events a second); 20 bits a million clears.
const (
	recordBits = 44
	recordMask = 1<<recordBits - 1
)

// cursor is where a stream stands: the generation and the last local
// record number read in it.
type cursor struct{ gen, rec uint64 }

func cursorOf(pos uint64) cursor { return cursor{gen: pos >> recordBits, rec: pos & recordMask} }
func (c cursor) pos() uint64     { return c.gen<<recordBits | c.rec }

// StreamOptions configures a Stream.
type StreamOptions struct {
	// Channel is the channel to read, e.g. "Security"; required. It is
	// also the stream's name.
	Channel string
	// Query is a structured XPath query evaluated by Windows; "" means "*".
	Query string
	// BatchSize is how many events one EvtNext asks for at most; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Wait is how long to wait for new events before asking again; 0
	// means DefaultWait.
	Wait time.Duration
	// RetryMin and RetryMax bound the backoff between subscription
	// attempts; 0 means the defaults.
	RetryMin, RetryMax time.Duration
	// RenderAttempts is how often an event is rendered before it is
	// skipped; 0 means DefaultRenderAttempts.
	RenderAttempts int
	// Log is the event log read; nil means System().
	Log EventLog
	// Logger receives resets, gaps, skipped events and subscription
	// failures (once per attempt, which the backoff bounds). nil means no
	// logging.
	Logger *slog.Logger
	// Metrics counts the same; nil means unregistered metrics of its own.
	Metrics *Metrics
}

// Stream is a source.Stream over a live channel. It never ends on its own:
// it waits for new events, and when the subscription fails it subscribes
// again after the last event delivered.
//
// Positions are local record numbers (the RecordId of the Windows bookmark
// of each event, not the EventRecordID inside it, which in ForwardedEvents
// is the source host's) with a generation in the high bits that goes up
// each time the log is found cleared, so positions keep increasing across
// clears.
type Stream struct {
	o StreamOptions

	mu     sync.Mutex
	latest cursor // the furthest this stream has read, across Reads
}

// NewStream returns a stream of o.Channel.
func NewStream(o StreamOptions) *Stream {
	if o.Query == "" {
		o.Query = "*"
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	if o.RetryMin <= 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	o.RetryMax = max(o.RetryMax, o.RetryMin)
	if o.RenderAttempts <= 0 {
		o.RenderAttempts = DefaultRenderAttempts
	}
	if o.Log == nil {
		o.Log = System()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Logger = o.Logger.With("channel", o.Channel)
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	return &Stream{o: o}
}

// Name implements source.Stream: the channel name.
func (s *Stream) Name() string { return s.o.Channel }

// emitError marks the caller's own error so it is returned unchanged.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }

// Held implements source.Resumer: pos is the highest position a
// destination holds for this stream. Read uses it to tell whether the log
// was cleared since: resuming at a lagging destination's position alone
// cannot, once a new generation has reused its record number.
func (s *Stream) Held(pos uint64) {
	s.saw(cursorOf(pos))
}

// Read implements source.Stream. Besides ctx's and emit's errors it ends
// only with ErrUnsupported or, when Windows refuses the query
// (ERROR_EVT_INVALID_QUERY), an error wrapping source.ErrConfig.
func (s *Stream) Read(ctx context.Context, after uint64, emit func(source.Batch) error) error {
	cur := cursorOf(after)
	wait := s.o.RetryMin
	for {
		sub, from, err := s.open(cur)
		if errors.Is(err, ErrUnsupported) {
			return err
		}
		if errors.Is(err, ErrInvalidQuery) {
			// Windows will refuse the query at every attempt.
			return fmt.Errorf("%w: %w; correct the source's query in the agent configuration", source.ErrConfig, err)
		}
		if err == nil {
			var last cursor
			last, err = s.pump(ctx, sub, from, emit)
			sub.Close()
			if last != cur {
				cur, wait = last, s.o.RetryMin // progress: start the backoff over
			}
			var ee *emitError
			if errors.As(err, &ee) {
				return ee.err
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.o.Metrics.failures.WithLabelValues(s.o.Channel).Inc()
		s.o.Logger.Warn("read event log channel; subscribing again", "position", cur.pos(), "retry_in", wait, "err", err)
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

// open subscribes for the events after from and returns the cursor they
// continue from. ref, the furthest position this stream has seen or a
// destination holds (>= from), says where the log stands: if ref's record
// is gone, the log was cleared (its oldest record is at or below ref's:
// a new generation) or wrapped (above: the records in between are lost,
// counted and logged). If ref is in a later generation than from, from's
// generation is gone and the current one is read from its oldest record.
func (s *Stream) open(from cursor) (Subscription, cursor, error) {
	s.mu.Lock()
	ref := max(s.latest.pos(), from.pos())
	s.mu.Unlock()
	r := cursorOf(ref)
	if r.rec > 0 {
		sub, err := s.subscribeAfter(r.rec)
		switch {
		case err == nil && r == from:
			return sub, from, nil
		case err == nil:
			sub.Close() // ref's record is there: no clear since
		case !bookmarkGone(err):
			return nil, from, err
		default:
			oldest, oerr := s.o.Log.OldestRecord(s.o.Channel)
			if oerr != nil {
				return nil, from, fmt.Errorf("record %d of %s is gone (%v) and the oldest record is unknown: %w", r.rec, s.o.Channel, err, oerr)
			}
			if oldest <= r.rec { // 0: empty, which only a clear leaves
				s.reset(r, oldest, "the bookmarked record is gone")
				from = cursor{gen: r.gen + 1}
				s.saw(from)
				return s.subscribeOldest(from)
			}
			if oldest > r.rec+1 {
				lost := oldest - r.rec - 1
				s.o.Metrics.lost.WithLabelValues(s.o.Channel).Add(float64(lost))
				s.o.Logger.Warn("event log records were overwritten before the agent read them (the log wrapped); they are lost: enlarge the log or keep the agent running",
					"lost_records", lost, "first_lost", r.rec+1, "last_lost", oldest-1)
			}
			from = cursor{gen: r.gen, rec: oldest - 1} // counted once, even if this subscription fails
			s.saw(from)
			return s.subscribeOldest(from)
		}
	}
	if from.gen < r.gen {
		from = cursor{gen: r.gen}
	}
	if from.rec == 0 {
		return s.subscribeOldest(from)
	}
	// A destination lags behind ref in the same generation.
	sub, err := s.subscribeAfter(from.rec)
	if bookmarkGone(err) {
		return s.subscribeOldest(from) // overwritten, but some destination holds them
	}
	return sub, from, err
}

func (s *Stream) subscribeAfter(rec uint64) (Subscription, error) {
	sub, err := s.o.Log.Subscribe(s.o.Channel, s.o.Query, bookmark.XML(bookmark.Position{Channel: s.o.Channel, RecordID: rec}))
	if err != nil && !bookmarkGone(err) {
		err = s.explain(err)
	}
	return sub, err
}

func (s *Stream) subscribeOldest(from cursor) (Subscription, cursor, error) {
	sub, err := s.o.Log.Subscribe(s.o.Channel, s.o.Query, "")
	if err != nil {
		return nil, from, s.explain(err)
	}
	return sub, from, nil
}

func (s *Stream) explain(err error) error {
	switch {
	case errors.Is(err, ErrChannelNotFound):
		return fmt.Errorf("channel %q does not exist (yet): %w", s.o.Channel, err)
	case errors.Is(err, ErrInvalidQuery):
		return fmt.Errorf("query %q of channel %q is invalid: %w", s.o.Query, s.o.Channel, err)
	}
	return fmt.Errorf("subscribe to channel %q with query %q: %w (check the agent runs as LocalSystem or a member of Event Log Readers)", s.o.Channel, s.o.Query, err)
}

// reset counts and logs a cleared log found after cur.
func (s *Stream) reset(cur cursor, first uint64, how string) {
	s.o.Metrics.resets.WithLabelValues(s.o.Channel).Inc()
	s.o.Logger.Warn("the event log was cleared (its record numbers restarted); reading it from its oldest record; events written after the last one read and before the clear are lost",
		"how", how, "last_record", cur.rec, "first_record_now", first, "generation", cur.gen+1)
}

// pump reads the subscription until it fails or ctx is done, emitting
// every event after cur. It returns where it stopped.
func (s *Stream) pump(ctx context.Context, sub Subscription, cur cursor, emit func(source.Batch) error) (cursor, error) {
	size := s.o.BatchSize
	handles := make([]Handle, s.o.BatchSize)
	var b source.Batch
	for {
		if err := ctx.Err(); err != nil {
			return cur, err
		}
		n, err := sub.Next(handles[:size])
		switch {
		case err == nil:
		case errors.Is(err, ErrInvalidBound) && size > 1:
			size = max(1, size/2)
			s.o.Metrics.shrinks.WithLabelValues(s.o.Channel).Inc()
			s.o.Logger.Debug("events too large for one EvtNext; halving the batch", "batch", size)
			continue
		case idle(err):
			if err := sub.Wait(ctx, s.o.Wait); err != nil {
				return cur, err
			}
			continue
		default:
			return cur, fmt.Errorf("read next events of %s: %w", s.o.Channel, err)
		}
		b.Events, b.Pos, b.Through = b.Events[:0], b.Pos[:0], 0
		var herr error
		for i, h := range handles[:n] {
			if herr == nil {
				cur, herr = s.take(sub, h, cur, &b)
			}
			sub.CloseEvent(h)
			handles[i] = 0
		}
		s.saw(cur)
		if b.Through > 0 {
			if err := emit(b); err != nil {
				return cur, &emitError{err}
			}
		}
		if herr != nil {
			return cur, herr
		}
		size = min(2*size, s.o.BatchSize) // back to full batches after large events
	}
}

// saw records how far the stream has seen the log, whether or not the
// caller took it: a later Read from before a clear must know of the clear.
func (s *Stream) saw(cur cursor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest = cursorOf(max(s.latest.pos(), cur.pos()))
}

// take adds event h to b, or only moves b.Through past it when it cannot
// be rendered or read, and returns the cursor at h. It fails only when the
// event's record number cannot be learnt (without it the stream cannot
// move past the event).
func (s *Stream) take(sub Subscription, h Handle, cur cursor, b *source.Batch) (cursor, error) {
	x, err := sub.Bookmark(h)
	if err != nil {
		return cur, fmt.Errorf("bookmark an event of %s: %w", s.o.Channel, err)
	}
	rec, err := recordOf(x, s.o.Channel)
	if err != nil {
		return cur, err
	}
	if rec <= cur.rec {
		// Record numbers went down within one subscription: the log was
		// cleared while it ran.
		s.reset(cur, rec, "record numbers went down")
		cur.gen++
	}
	cur.rec = rec
	if rec > recordMask {
		return cur, fmt.Errorf("record %d of %s exceeds the %d-bit record numbers a position holds", rec, s.o.Channel, recordBits)
	}
	b.Through = cur.pos()
	var xml []byte
	for attempt := 1; ; attempt++ {
		if xml, err = sub.Render(h); err == nil {
			break
		}
		if attempt == s.o.RenderAttempts {
			s.o.Metrics.skipped.WithLabelValues(s.o.Channel, "render").Inc()
			s.o.Logger.Warn("skipped an event Windows could not render", "record", rec, "attempts", attempt, "err", err)
			return cur, nil
		}
	}
	e, err := eventxml.ParseEvent(xml)
	if err != nil {
		s.o.Metrics.skipped.WithLabelValues(s.o.Channel, "parse").Inc()
		s.o.Logger.Warn("skipped an event whose XML could not be read", "record", rec, "err", err)
		return cur, nil
	}
	b.Events = append(b.Events, e)
	b.Pos = append(b.Pos, cur.pos())
	return cur, nil
}

// recordOf returns the local record number a rendered bookmark gives for
// channel.
func recordOf(x, channel string) (uint64, error) {
	ps, err := bookmark.ParseXML(x)
	if err != nil {
		return 0, fmt.Errorf("bookmark of an event of %s: %w", channel, err)
	}
	for _, p := range ps {
		if strings.EqualFold(p.Channel, channel) || len(ps) == 1 {
			return p.RecordID, nil
		}
	}
	return 0, fmt.Errorf("bookmark of an event of %s names no record of it: %q", channel, x)
}

var _ source.Stream = (*Stream)(nil)
