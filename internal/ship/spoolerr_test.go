package ship

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"wsec/internal/spool"
)

// flakyQueue is a spool whose reads, and writes of the cursor to failAckAt,
// fail a given number of times with an error that is neither damage nor a
// closed spool (an I/O error, say): the shipper must retry both, not give
// up or skip. The last cursor write is the one a lost retry would leave
// undone: no later acknowledgement covers it.
type flakyQueue struct {
	*spool.Queue
	readFails, readFromFails, ackFails atomic.Int32
	failAckAt                          uint64
}

var errFlaky = errors.New("transient spool error (test)")

func (q *flakyQueue) ReadWait(ctx context.Context, from uint64, maxRecords, maxBytes int) ([]spool.Record, error) {
	if q.readFails.Add(-1) >= 0 {
		return nil, errFlaky
	}
	return q.Queue.ReadWait(ctx, from, maxRecords, maxBytes)
}

func (q *flakyQueue) ReadFrom(from uint64, maxRecords, maxBytes int) ([]spool.Record, error) {
	if q.readFromFails.Add(-1) >= 0 {
		return nil, errFlaky
	}
	return q.Queue.ReadFrom(from, maxRecords, maxBytes)
}

func (q *flakyQueue) AckState(seq uint64, state []byte) error {
	if seq == q.failAckAt && q.ackFails.Add(-1) >= 0 {
		return errFlaky
	}
	return q.Queue.AckState(seq, state)
}

func TestTransientSpoolErrorsAreRetried(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	q := &flakyQueue{Queue: openSpool(t, t.TempDir(), spool.Options{})}
	q.readFails.Store(3)
	q.ackFails.Store(3)
	q.failAckAt = q.Stats().LastSeq + 500 // one record per event
	s, err := New(q, testShipOptions(ws))
	if err != nil {
		t.Fatal(err)
	}
	f := newFanout(t, s)
	running(t, f)
	src := newTestSource(500)
	src.feed(t, context.Background(), f, 500, 250)
	ws.waitEvents(t, 500)
	ws.checkExactlyOnce(t, src.keys(0, 500))
	waitDrained(t, f)
	if st := q.Stats(); st.Acked != st.LastSeq || q.readFails.Load() >= 0 || q.ackFails.Load() >= 0 {
		t.Fatalf("spool %+v (reads left to fail %d, cursor writes %d): want every record acknowledged after the failures",
			st, q.readFails.Load(), q.ackFails.Load())
	}
}

// TestInFlightReadErrorsAreRetried: after a restart, the batches that were
// in flight are read again by range; a transient error there is retried,
// not taken for the end of the range (which would skip its records).
func TestInFlightReadErrorsAreRetried(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	var down atomic.Bool
	down.Store(true)
	ws.before = func(int, *http.Request) int {
		if down.Load() {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	dir := t.TempDir()
	q := openSpool(t, dir, spool.Options{})
	f := newFanout(t, newShipper(t, q, testShipOptions(ws)))
	stop := running(t, f)
	src := newTestSource(300)
	src.feed(t, context.Background(), f, 300, 100)
	waitFor(t, f, "a batch in flight", func() bool { return f.Status()[0].Retries > 0 })
	stop()
	f.Close()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	down.Store(false)
	fq := &flakyQueue{Queue: openSpool(t, dir, spool.Options{})}
	s, err := New(fq, testShipOptions(ws)) // scans the spool with ReadFrom
	if err != nil {
		t.Fatal(err)
	}
	fq.readFromFails.Store(3)
	f = newFanout(t, s)
	running(t, f)
	ws.waitEvents(t, 300)
	waitDrained(t, f)
	ws.checkExactlyOnce(t, src.keys(0, 300))
	if fq.readFromFails.Load() >= 0 {
		t.Fatalf("the restarted shipper gave up reading its in-flight range: %d of 3 read failures never met", fq.readFromFails.Load())
	}
}
