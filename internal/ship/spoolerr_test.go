package ship

import (
	"context"
	"errors"
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
	readFails, ackFails atomic.Int32
	failAckAt           uint64
}

var errFlaky = errors.New("transient spool error (test)")

func (q *flakyQueue) ReadWait(ctx context.Context, from uint64, maxRecords, maxBytes int) ([]spool.Record, error) {
	if q.readFails.Add(-1) >= 0 {
		return nil, errFlaky
	}
	return q.Queue.ReadWait(ctx, from, maxRecords, maxBytes)
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
