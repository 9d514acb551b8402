package synthetic

import (
	"context"
	"time"

	"wsec/internal/event"
	"wsec/internal/source"
)

// Defaults of StreamOptions.
const (
	// DefaultStreamName is the stream name positions are stored under.
	DefaultStreamName = "synthetic"
	// DefaultBatchSize: events per batch when unpaced. Large enough that
	// per-batch costs (a spool append and its fsync) vanish at 100,000
	// events/s, small enough to keep a batch's events in cache.
	DefaultBatchSize = 2048
	// DefaultTick is the pacing granularity of a rate-limited stream: it
	// wakes at most 1/DefaultTick times a second and events are at most
	// this late. Each batch costs the agent a spool append (an fsync), so
	// at 1,000 events/s four batches a second instead of twenty cut the
	// agent's CPU time by a third; the shipper waits up to a second for a
	// batch anyway.
	DefaultTick = 250 * time.Millisecond
	// maxBurst bounds catching up after the consumer held the stream back:
	// at most this much of the rate's worth of events is emitted at once
	// beyond the schedule; the rest of the lost time is forgotten.
	maxBurst = time.Second
)

// StreamOptions configures a Stream. Zero values mean the defaults.
type StreamOptions struct {
	// Name is the stream's name; "" means DefaultStreamName.
	Name string
	// Generator configures the events (computer, seed, start time...).
	Generator Options
	// Rate is the pace in events per second; 0 means as fast as the
	// consumer takes them. A paced stream spaces TimeCreated by 1/Rate
	// unless Generator.Step says otherwise, and when Generator.Start is
	// given it emits each event when the clock reaches its TimeCreated
	// (never before; after, when the consumer held it back, catching up as
	// a real log's backlog would): then the time from TimeCreated to a
	// row's commit is the event-to-queryable latency, at any rate.
	Rate float64
	// Count ends the stream after Count events (positions 1..Count); 0
	// means endless.
	Count uint64
	// BatchSize bounds the events of one batch; 0 means DefaultBatchSize.
	BatchSize int
	// Tick is the pacing granularity; 0 means DefaultTick.
	Tick time.Duration
	// Now and Sleep are the clock, injected by tests; nil means the real
	// one. Sleep returns ctx.Err() when ctx is done first.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Stream is a source.Stream of generated events: the event at position p
// is Generator.Event(p-1), so reading again from any position yields the
// same events, which is what lets end-to-end tests check "none lost, none
// twice" exactly.
type Stream struct {
	o StreamOptions
	g *Generator
}

// NewStream returns a stream.
func NewStream(o StreamOptions) *Stream {
	if o.Name == "" {
		o.Name = DefaultStreamName
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Rate < 0 {
		o.Rate = 0
	}
	if o.Rate > 0 && o.Generator.Step == 0 {
		o.Generator.Step = max(time.Duration(float64(time.Second)/o.Rate), 1)
	}
	return &Stream{o: o, g: New(o.Generator)}
}

// Generator returns the stream's generator (tests compute expected events
// from it).
func (s *Stream) Generator() *Generator { return s.g }

// Name implements source.Stream.
func (s *Stream) Name() string { return s.o.Name }

// Read implements source.Stream.
func (s *Stream) Read(ctx context.Context, after uint64, emit func(source.Batch) error) error {
	evs := make([]*event.Event, s.o.BatchSize)
	for i := range evs {
		evs[i] = new(event.Event)
	}
	pos := make([]uint64, s.o.BatchSize)
	p := pacer{rate: s.o.Rate, start: s.o.Now()}
	if start := s.o.Generator.Start; !start.IsZero() {
		// Event n is due at its TimeCreated: the schedule is the events'.
		p = pacer{rate: 1 / s.g.o.Step.Seconds(), start: start, anchored: true, sent: after}
	}
	next := after // index of the next event
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.o.Count > 0 && next >= s.o.Count {
			return nil
		}
		k := uint64(s.o.BatchSize)
		if s.o.Count > 0 {
			k = min(k, s.o.Count-next)
		}
		if s.o.Rate > 0 {
			due, wait := p.due(s.o.Now())
			if due == 0 {
				if err := s.o.Sleep(ctx, max(wait, s.o.Tick)); err != nil {
					return err
				}
				continue
			}
			k = min(k, due)
		}
		for i := range k {
			s.g.Event(next+i, evs[i])
			pos[i] = next + i + 1
		}
		if err := emit(source.Batch{Events: evs[:k], Pos: pos[:k], Through: next + k}); err != nil {
			return err
		}
		next += k
		p.sent += k
	}
}

// pacer spreads events evenly at rate per second from start: event k
// (from 0) is due at start + k/rate.
type pacer struct {
	rate  float64
	start time.Time
	sent  uint64 // events emitted since start
	// anchored: the schedule never moves; a stalled consumer is owed
	// every event due.
	anchored bool
}

// due returns how many events are due at now and, when none is, how long
// until the next one. After a stall longer than maxBurst an unanchored
// schedule is moved so that at most maxBurst's worth is emitted at once.
func (p *pacer) due(now time.Time) (n uint64, wait time.Duration) {
	elapsed := now.Sub(p.start)
	if elapsed < 0 && !p.anchored {
		p.start, elapsed = now, 0
	}
	if elapsed < 0 {
		return 0, -elapsed
	}
	want := uint64(p.rate*elapsed.Seconds()) + 1 // event 0 is due at start
	if burst := uint64(p.rate * maxBurst.Seconds()); !p.anchored && want > p.sent+burst {
		// Forget the time the consumer held us back beyond the burst.
		p.start = now.Add(-time.Duration(float64(p.sent+burst) / p.rate * float64(time.Second)))
		want = p.sent + burst
	}
	if want > p.sent {
		return want - p.sent, 0
	}
	next := time.Duration(float64(p.sent) / p.rate * float64(time.Second))
	return 0, next - elapsed
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
