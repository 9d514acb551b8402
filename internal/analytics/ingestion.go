package analytics

import (
	"context"
	"sync"
	"time"

	"wsec/internal/event"
	"wsec/internal/ingest"
)

// Ingestion knows up to which receive time a workspace's store holds
// every row: near-real-time rules read the rows received after their
// watermark and up to Ingestion.Safe, so each row is read once.
//
// The store stamps a batch's rows with one _TimeReceived taken before it
// commits them, and batches commit concurrently, so "the latest
// _TimeReceived stored" is not safe: an earlier-stamped batch may still
// be committing. Ingestion wraps the appender (Track) and notes when each
// append began: its rows are stamped at or after that instant, so every
// row received before the earliest append still in flight (or before now,
// when none is) is committed. This holds when the store and Ingestion
// read the same clock, as in wsec serve.
type Ingestion struct {
	now      func() time.Time
	mu       sync.Mutex
	next     uint64
	inflight map[string]map[uint64]time.Time // workspace → append → when it began
	appended chan struct{}                   // a signal after each append (capacity 1)
}

// NewIngestion returns a tracker on the clock now (nil: time.Now), which
// must be the store's.
func NewIngestion(now func() time.Time) *Ingestion {
	if now == nil {
		now = time.Now
	}
	return &Ingestion{now: now, inflight: map[string]map[uint64]time.Time{}, appended: make(chan struct{}, 1)}
}

// Safe is the latest receive time at or before which every row of ws is
// stored (microseconds, the store's precision).
func (g *Ingestion) Safe(ws string) time.Time {
	g.mu.Lock()
	t := g.now()
	for _, b := range g.inflight[ws] {
		if b.Before(t) {
			t = b
		}
	}
	g.mu.Unlock()
	return t.UTC().Truncate(time.Microsecond).Add(-time.Microsecond)
}

// Appended is signalled after appends complete (several appends may share
// one signal).
func (g *Ingestion) Appended() <-chan struct{} { return g.appended }

func (g *Ingestion) begin(ws string) func() {
	g.mu.Lock()
	id := g.next
	g.next++
	if g.inflight[ws] == nil {
		g.inflight[ws] = map[uint64]time.Time{}
	}
	g.inflight[ws][id] = g.now()
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		delete(g.inflight[ws], id)
		g.mu.Unlock()
		select {
		case g.appended <- struct{}{}:
		default:
		}
	}
}

// Track returns a as an appender whose appends g tracks.
func (g *Ingestion) Track(a ingest.Appender) ingest.Appender { return tracked{a, g} }

type tracked struct {
	ingest.Appender
	g *Ingestion
}

func (t tracked) AppendEvents(ctx context.Context, ws, sender string, seq uint64, evs []*event.Event, sourceSystem string) (ingest.Result, error) {
	defer t.g.begin(ws)()
	return t.Appender.AppendEvents(ctx, ws, sender, seq, evs, sourceSystem)
}

func (t tracked) AppendCustom(ctx context.Context, ws, table string, recs []map[string]any, timeField string) (int, error) {
	defer t.g.begin(ws)()
	return t.Appender.AppendCustom(ctx, ws, table, recs, timeField)
}

func (t tracked) AppendHeartbeat(ctx context.Context, ws string, hb *ingest.Heartbeat) error {
	defer t.g.begin(ws)()
	return t.Appender.AppendHeartbeat(ctx, ws, hb)
}
