package ship

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"wsec/internal/spool"
)

// Several batches are in flight at once, and the workspace answers a
// later one before an earlier one: the spool's cursor and the durable
// positions must not pass the unanswered batch. The agent then stops with
// that batch still unanswered; the restarted shipper sends every batch of
// the window again, under the same sequence numbers with the same records,
// and the workspace ends up with every event exactly once.
func TestLaterAckDoesNotMoveCursor(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	dir := t.TempDir()
	q := openSpool(t, dir, spool.Options{})
	o := testShipOptions(ws)
	o.MaxInFlight = 4
	f := newFanout(t, newShipper(t, q, o))
	src := newTestSource(2000)
	src.feed(t, context.Background(), f, 2000, 500) // four full batches of 500
	before := q.Stats()
	first := strconv.FormatUint(before.LastSeq-before.DepthRecords+1, 10)

	release := make(chan struct{})
	var restarted atomic.Bool
	ws.before = func(_ int, r *http.Request) int {
		if !restarted.Load() && r.Header.Get("X-Wsec-Seq") == first {
			<-release // answered only after the agent stopped
			return http.StatusServiceUnavailable
		}
		return 0
	}
	stop := running(t, f)
	waitFor(t, f, "the three later batches to be acknowledged", func() bool { return f.Status()[0].SentBatches >= 3 })
	stop()
	restarted.Store(true)
	close(release)
	if _, batches, _, _ := ws.stats(); batches != 3 {
		t.Fatalf("workspace stored %d batches, want the 3 after the first", batches)
	}
	if got := q.Stats().Acked; got != before.Acked {
		t.Fatalf("spool cursor moved from %d to %d over an unacknowledged batch", before.Acked, got)
	}
	for _, p := range f.Durable() {
		if p.RecordID != 0 {
			t.Fatalf("durable positions %v while the first batch is unacknowledged", f.Durable())
		}
	}
	f.Close()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = openSpool(t, dir, spool.Options{})
	f = newFanout(t, newShipper(t, q, o))
	running(t, f)
	waitDrained(t, f)
	ws.checkExactlyOnce(t, src.keys(0, 2000))
	if _, batches, dups, _ := ws.stats(); batches != 4 || dups != 3 {
		t.Fatalf("%d batches stored and %d dropped as repeats; want 4 and the 3 sent before the stop", batches, dups)
	}
	if st := q.Stats(); st.Acked != st.LastSeq {
		t.Fatalf("spool cursor %d, want %d (everything acknowledged)", st.Acked, st.LastSeq)
	}
}
