package ship

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/event"
	"wsec/internal/source/synthetic"
	"wsec/internal/spool"
)

const (
	wsA = "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a"
	wsB = "6f1d2e3c-4b5a-4978-8123-9a0b1c2d3e4f"
)

// testSource is a deterministic Security log (internal/source/synthetic):
// event n has a fixed channel and record ID, so a test can re-read it from
// any position, as the agent re-reads the event log from its bookmark.
type testSource struct {
	g    *synthetic.Generator
	next uint64
	end  uint64
}

func newTestSource(n uint64) *testSource {
	return &testSource{g: synthetic.New(synthetic.Options{Seed: 42}), end: n}
}

func (s *testSource) item(n uint64) Item {
	e := new(event.Event)
	s.g.Event(n, e)
	return Item{Pos: bookmark.Position{Channel: e.System.Channel, RecordID: e.System.EventRecordID}, Event: e}
}

func (s *testSource) keys(from, to uint64) []event.Key {
	var ks []event.Key
	for n := from; n < to; n++ {
		it := s.item(n)
		ks = append(ks, it.Event.Key())
	}
	return ks
}

// seek moves to the first event not covered by the durable positions.
func (s *testSource) seek(durable []bookmark.Position) {
	d := map[string]uint64{}
	for _, p := range durable {
		d[p.Channel] = p.RecordID
	}
	for n := uint64(0); n < s.end; n++ {
		ch := synthetic.Channel(n)
		if s.g.RecordID(n) > d[ch] {
			s.next = n
			return
		}
	}
	s.next = s.end
}

// feed offers events [next, to) in chunks, rewinding on ErrRewind, and
// returns how many rewinds it did.
func (s *testSource) feed(t testing.TB, ctx context.Context, f *Fanout, to uint64, chunk int) int {
	t.Helper()
	rewinds := 0
	for s.next < to {
		n := min(uint64(chunk), to-s.next)
		items := make([]Item, n)
		for i := range items {
			items[i] = s.item(s.next + uint64(i))
		}
		err := f.Offer(ctx, items)
		if errors.Is(err, ErrRewind) {
			rewinds++
			s.seek(f.Durable())
			continue
		}
		if err != nil {
			t.Fatalf("Offer at %d: %v", s.next, err)
		}
		s.next += n
	}
	return rewinds
}

func testShipOptions(ws *fakeWorkspace) Options {
	return Options{
		URL: ws.URL(), WorkspaceID: ws.id, Key: testKey, SenderID: testSender,
		FlushInterval: 10 * time.Millisecond, RetryBase: time.Millisecond, RetryMax: 20 * time.Millisecond,
		RequestTimeout: 5 * time.Second, MaxBatchRecords: 500,
	}
}

func openSpool(t testing.TB, dir string, o spool.Options) *spool.Queue {
	t.Helper()
	q, err := spool.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// newFanout builds a Fanout that is closed at the end of the test (after
// running's stop, before the spools close).
func newFanout(t testing.TB, dests ...*Shipper) *Fanout {
	t.Helper()
	f, err := NewFanout(dests...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

func newShipper(t testing.TB, q *spool.Queue, o Options) *Shipper {
	t.Helper()
	s, err := New(q, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// running runs f until the returned stop is called.
func running(t testing.TB, f *Fanout) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := f.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond on every acknowledgement of f (or every 10 ms).
func waitFor(t testing.TB, f *Fanout, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; status %+v", what, f.Status())
		}
		select {
		case <-f.waitChan():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitDrained waits until the first destination of f has every spooled
// record acknowledged.
func waitDrained(t testing.TB, f *Fanout) {
	t.Helper()
	waitFor(t, f, "the spool to drain", func() bool { return f.Status()[0].QueuedRecords == 0 })
}

// shipTo builds a Fanout with one Shipper to ws over a fresh spool and the
// test options.
func shipTo(t testing.TB, ws *fakeWorkspace) (*spool.Queue, *Fanout) {
	t.Helper()
	q := openSpool(t, t.TempDir(), spool.Options{})
	return q, newFanout(t, newShipper(t, q, testShipOptions(ws)))
}

// lastIDs returns the last record ID per channel among events [0, n).
func (s *testSource) lastIDs(n uint64) map[string]uint64 {
	m := map[string]uint64{}
	for i := uint64(0); i < n; i++ {
		m[synthetic.Channel(i)] = s.g.RecordID(i)
	}
	return m
}

func durableMap(ps []bookmark.Position) map[string]uint64 {
	m := map[string]uint64{}
	for _, p := range ps {
		m[p.Channel] = p.RecordID
	}
	return m
}
