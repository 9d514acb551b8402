package ship

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"wsec/internal/spool"
)

// One workspace down does not hold back the other, and holds back the
// bookmark until it has everything.
func TestMultiHomingOneDown(t *testing.T) {
	a, b := newFakeWorkspace(t, wsA), newFakeWorkspace(t, wsB)
	b.stop()
	qa, qb := openSpool(t, t.TempDir(), spool.Options{}), openSpool(t, t.TempDir(), spool.Options{})
	oa, ob := testShipOptions(a), testShipOptions(b)
	oa.Name, ob.Name = "a", "b"
	f := newFanout(t, newShipper(t, qa, oa), newShipper(t, qb, ob))
	running(t, f)
	src := newTestSource(3000)
	src.feed(t, context.Background(), f, 3000, 200)
	a.waitEvents(t, 3000)
	a.checkExactlyOnce(t, src.keys(0, 3000))
	// a's last acknowledgement and b's first failed attempt may still be
	// on their way.
	waitFor(t, f, "a acknowledged and b failing", func() bool {
		st := f.Status()
		return st[0].QueuedRecords == 0 && !st[1].Healthy()
	})
	if st := f.Status(); st[1].QueuedRecords != 3000 || !st[0].Healthy() {
		t.Fatalf("status %+v", st)
	}
	// b has acknowledged nothing: the bookmark stays at the start.
	for _, p := range f.Durable() {
		if p.RecordID != 0 {
			t.Fatalf("Durable %v moved past what b holds", f.Durable())
		}
	}
	b.restart()
	b.waitEvents(t, 3000)
	b.checkExactlyOnce(t, src.keys(0, 3000))
	want := src.lastIDs(3000)
	waitFor(t, f, "the bookmark to reach the end", func() bool { return maps.Equal(durableMap(f.Durable()), want) })
}

// A destination whose spool fills up is detached; the other goes on. When
// it drains, Offer asks for a rewind, and after re-reading from Durable()
// both workspaces hold every event exactly once.
func TestMultiHomingDetachAndRewind(t *testing.T) {
	a, b := newFakeWorkspace(t, wsA), newFakeWorkspace(t, wsB)
	b.stop()
	qa := openSpool(t, t.TempDir(), spool.Options{})
	qb := openSpool(t, t.TempDir(), spool.Options{MaxBytes: 256 << 10}) // ~200 events
	oa, ob := testShipOptions(a), testShipOptions(b)
	oa.Name, ob.Name = "a", "b"
	f := newFanout(t, newShipper(t, qa, oa), newShipper(t, qb, ob))
	running(t, f)
	ctx := context.Background()
	const n = 3000
	src := newTestSource(n)
	if rw := src.feed(t, ctx, f, n, 100); rw != 0 {
		t.Fatalf("%d rewinds while b was down", rw)
	}
	a.waitEvents(t, n) // a is not held back
	st := f.Status()
	if !st[1].Detached || st[0].Detached {
		t.Fatalf("status %+v: want b detached, a not", st)
	}
	if got := st[1].QueuedRecords; got == 0 || got >= n {
		t.Fatalf("b queued %d records", got)
	}
	before := durableMap(f.Durable())

	b.restart()
	rewinds := 0
	deadline := time.Now().Add(60 * time.Second)
	for {
		b.mu.Lock()
		got := len(b.events)
		b.mu.Unlock()
		if got == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b has %d of %d events; status %+v", got, n, f.Status())
		}
		// An idle source polls with an empty Offer.
		if err := f.Offer(ctx, nil); errors.Is(err, ErrRewind) {
			rewinds++
			src.seek(f.Durable())
			rewinds += src.feed(t, ctx, f, n, 100)
		} else if err != nil {
			t.Fatal(err)
		}
		select {
		case <-f.waitChan():
		case <-time.After(10 * time.Millisecond):
		}
	}
	if rewinds == 0 {
		t.Fatal("b caught up without a rewind")
	}
	a.checkExactlyOnce(t, src.keys(0, n))
	b.checkExactlyOnce(t, src.keys(0, n))
	want := src.lastIDs(n)
	waitFor(t, f, "the bookmark to reach the end", func() bool { return maps.Equal(durableMap(f.Durable()), want) })
	for ch, v := range before {
		if v >= want[ch] {
			t.Fatalf("while b was detached the bookmark of %s was already %d", ch, v)
		}
	}
	if st := f.Status(); st[1].Detached || !st[1].Healthy() {
		t.Fatalf("status after catching up: %+v", st)
	}
	t.Logf("b caught up after %d rewinds", rewinds)
}

// With its only destination detached, Offer waits for room instead of
// spinning through the source, and then asks for a rewind.
func TestOfferWaitsWhileEveryDestinationIsDetached(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.stop()
	q := openSpool(t, t.TempDir(), spool.Options{MaxBytes: 256 << 10})
	f := newFanout(t, newShipper(t, q, testShipOptions(ws)))
	running(t, f)
	ctx := context.Background()
	src := newTestSource(2000)
	// Fill the spool until the destination detaches.
	for !f.Status()[0].Detached {
		if src.next >= 2000 {
			t.Fatal("the spool never filled")
		}
		if err := f.Offer(ctx, []Item{src.item(src.next)}); err != nil {
			t.Fatal(err)
		}
		src.next++
	}
	// Now Offer blocks: it returns only when ctx ends...
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err := f.Offer(short, []Item{src.item(src.next)})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Offer with every destination detached: %v, want to wait until ctx ends", err)
	}
	// ...or when the destination has drained: then it asks for a rewind.
	done := make(chan error, 1)
	go func() { done <- f.Offer(ctx, []Item{src.item(src.next)}) }()
	ws.restart()
	start := time.Now()
	if err := <-done; !errors.Is(err, ErrRewind) {
		t.Fatalf("Offer after the workspace came back: %v, want ErrRewind", err)
	}
	t.Logf("rewind after %v", time.Since(start))
	src.seek(f.Durable())
	rw := src.feed(t, ctx, f, 2000, 100)
	t.Logf("fed after %v, %d rewinds", time.Since(start), rw)
	ws.waitEvents(t, 2000)
	ws.checkExactlyOnce(t, src.keys(0, 2000))
}
