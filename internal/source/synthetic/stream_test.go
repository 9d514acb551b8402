package synthetic

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/source"
)

// fakeClock advances only when the stream sleeps.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

// collect reads the stream from after and returns copies of what it got.
func collect(t *testing.T, s *Stream, after uint64, stop func(n int) bool) ([]event.Event, []source.Batch) {
	t.Helper()
	var evs []event.Event
	var batches []source.Batch
	errStop := errors.New("stop")
	err := s.Read(context.Background(), after, func(b source.Batch) error {
		if len(b.Events) != len(b.Pos) || b.Through != b.Last() {
			t.Fatalf("batch with %d events, %d positions, last %d, through %d", len(b.Events), len(b.Pos), b.Last(), b.Through)
		}
		for _, e := range b.Events {
			c := *e
			c.Data = append([]event.Field(nil), e.Data...)
			evs = append(evs, c)
		}
		batches = append(batches, source.Batch{Pos: append([]uint64(nil), b.Pos...), Through: b.Through})
		if stop != nil && stop(len(evs)) {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	return evs, batches
}

func TestStreamPositionsAndReplay(t *testing.T) {
	s := NewStream(StreamOptions{Generator: Options{Seed: 3}, Count: 5000, BatchSize: 700})
	all, batches := collect(t, s, 0, nil)
	if len(all) != 5000 {
		t.Fatalf("read %d events, want Count=5000", len(all))
	}
	var want uint64 = 1
	for _, b := range batches {
		for _, p := range b.Pos {
			if p != want {
				t.Fatalf("position %d, want %d (positions must be 1, 2, 3, ...)", p, want)
			}
			want++
		}
	}
	g := New(Options{Seed: 3})
	var e event.Event
	for _, n := range []int{0, 49, 699, 700, 4999} {
		g.Event(uint64(n), &e)
		if !reflect.DeepEqual(all[n], e) {
			t.Fatalf("event at position %d is not Generator.Event(%d)", n+1, n)
		}
	}
	// Reading again after position 3210 yields exactly the rest, the same events.
	rest, _ := collect(t, s, 3210, nil)
	if len(rest) != 5000-3210 {
		t.Fatalf("read %d events after 3210, want %d", len(rest), 5000-3210)
	}
	for i := range rest {
		if !reflect.DeepEqual(rest[i], all[3210+i]) {
			t.Fatalf("replayed event %d differs", 3210+i+1)
		}
	}
	// After the end: nothing, and Read returns nil.
	if tail, _ := collect(t, s, 5000, nil); len(tail) != 0 {
		t.Errorf("read %d events after the last position", len(tail))
	}
}

func TestStreamPacing(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := NewStream(StreamOptions{Rate: 1000, Count: 3000, Now: clk.Now, Sleep: clk.Sleep})
	start := clk.now
	evs, batches := collect(t, s, 0, nil)
	if len(evs) != 3000 {
		t.Fatalf("read %d events", len(evs))
	}
	// 3000 events at 1000/s take 3 s of (fake) time, one batch per tick.
	if d := clk.now.Sub(start); d < 2950*time.Millisecond || d > 3050*time.Millisecond {
		t.Errorf("3000 events at 1000/s took %v of clock time, want ~3s", d)
	}
	if want := int(3 * time.Second / DefaultTick); len(batches) < want-2 || len(batches) > want+2 {
		t.Errorf("%d batches, want ~%d (one per %v tick)", len(batches), want, DefaultTick)
	}
	for _, d := range clk.sleeps {
		if d < DefaultTick {
			t.Fatalf("slept %v, less than the tick %v", d, DefaultTick)
		}
	}
}

func TestStreamBurstAfterStallIsBounded(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := NewStream(StreamOptions{Rate: 100, Count: 1000, BatchSize: 100000, Now: clk.Now, Sleep: clk.Sleep})
	first := true
	var sizes []int
	s.Read(context.Background(), 0, func(b source.Batch) error {
		sizes = append(sizes, len(b.Events))
		if first {
			first = false
			clk.now = clk.now.Add(time.Minute) // the consumer held the stream for a minute
		}
		return nil
	})
	// After the stall at most one second's worth (100 events) comes at once,
	// not the 6,000 a naive schedule would owe.
	if len(sizes) < 2 || sizes[1] > 100 {
		t.Errorf("batch sizes %v: the batch after a 1-minute stall should hold at most 100 events", sizes[:min(len(sizes), 4)])
	}
}

// TestStreamEmitsAtTimeCreated: a paced stream with a start emits each
// event once the clock reaches its TimeCreated and at most a tick later,
// at any rate (it advanced TimeCreated 1 ms per event whatever the rate,
// so latency measured from TimeCreated was right at 1,000/s only); after
// the consumer held it back it catches up on every event due, none
// skipped, and is on time again.
func TestStreamEmitsAtTimeCreated(t *testing.T) {
	for _, rate := range []float64{50, 1000, 50_000} {
		clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		count := uint64(4 * rate)
		s := NewStream(StreamOptions{Rate: rate, Count: count, Now: clk.Now, Sleep: clk.Sleep,
			Generator: Options{Start: clk.now.Add(time.Second)}})
		var got uint64
		late := time.Duration(0)
		stalled := false
		s.Read(context.Background(), 0, func(b source.Batch) error {
			for i, e := range b.Events {
				if b.Pos[i] != got+1 {
					t.Fatalf("rate %v: position %d after %d", rate, b.Pos[i], got)
				}
				got++
				d := clk.now.Sub(e.System.TimeCreated)
				if d < 0 {
					t.Fatalf("rate %v: event %d emitted %v before its TimeCreated", rate, got, -d)
				}
				late = max(late, d)
			}
			if !stalled && got > count/4 {
				stalled = true
				clk.now = clk.now.Add(1500 * time.Millisecond) // the consumer held it back
				if late > DefaultTick {
					t.Errorf("rate %v: an event emitted %v after its TimeCreated before the stall", rate, late)
				}
				late = 0
			}
			return nil
		})
		if got != count {
			t.Fatalf("rate %v: %d events, want %d", rate, got, count)
		}
		if late < 1400*time.Millisecond {
			t.Errorf("rate %v: at most %v late after a 1.5 s stall: events were skipped, not caught up", rate, late)
		}
	}
}

func TestStreamStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := NewStream(StreamOptions{Rate: 10})
	n := 0
	err := s.Read(ctx, 0, func(b source.Batch) error {
		n += len(b.Events)
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n == 0 {
		t.Errorf("Read after cancel: err = %v after %d events, want context.Canceled", err, n)
	}
}

func BenchmarkStream(b *testing.B) {
	s := NewStream(StreamOptions{Count: uint64(b.N)})
	b.ReportAllocs()
	b.ResetTimer()
	s.Read(context.Background(), 0, func(source.Batch) error { return nil })
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
