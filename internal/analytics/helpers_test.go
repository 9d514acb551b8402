package analytics

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/logfile"
	"wsec/internal/source/synthetic"
	"wsec/internal/store/duckdb"
	"wsec/internal/workspace"
)

const testWS = "ws1"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a workspace on a real store in a temporary directory.
type env struct {
	dir   string
	store *duckdb.Store
	svc   *workspace.Service
	clk   *clock
}

func newEnv(t testing.TB, dir string, now time.Time) *env {
	t.Helper()
	st, err := duckdb.Open(filepath.Join(dir, "store"), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: now}
	svc := workspace.New(func(id string) (workspace.Store, error) { return st.Workspace(id) }, workspace.Options{Now: clk.Now})
	return &env{dir: dir, store: st, svc: svc, clk: clk}
}

// engine returns a new engine over the env, as a restarted server would
// make one.
func (e *env) engine(t testing.TB, step func(string) error) *Engine {
	t.Helper()
	eng, err := New(Options{Dir: filepath.Join(e.dir, "analytics"), Workspace: e.svc, Now: e.clk.Now,
		IngestionDelay: 5 * time.Minute, testStep: step})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// appendEvents stores events as one batch of sender.
func (e *env) appendEvents(t testing.TB, sender string, seq uint64, evs []*event.Event) {
	t.Helper()
	w, err := e.store.Workspace(testWS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AppendEvents(context.Background(), sender, seq, evs, "test"); err != nil {
		t.Fatal(err)
	}
}

// synthetic stores n events of the synthetic source from start, one every
// step.
func (e *env) synthetic(t testing.TB, start time.Time, step time.Duration, n int, keep func(*event.Event) bool) {
	t.Helper()
	g := synthetic.New(synthetic.Options{Start: start, Step: step})
	var batch []*event.Event
	seq := uint64(0)
	for i := 0; i < n; i++ {
		ev := new(event.Event)
		g.Event(uint64(i), ev)
		if keep != nil && !keep(ev) {
			continue
		}
		batch = append(batch, ev)
		if len(batch) == 5000 || i == n-1 {
			seq++
			e.appendEvents(t, "synthetic", seq, batch)
			batch = nil
		}
	}
	if len(batch) > 0 {
		e.appendEvents(t, "synthetic", seq+1, batch)
	}
}

// importFiles stores every event of the files and returns them.
func (e *env) importFiles(t testing.TB, paths ...string) []*event.Event {
	t.Helper()
	var all []*event.Event
	for i, p := range paths {
		evs := readFile(t, p)
		for j := 0; j < len(evs); j += 5000 {
			e.appendEvents(t, filepath.Base(p), uint64(i*1000+j/5000+1), evs[j:min(j+5000, len(evs))])
		}
		all = append(all, evs...)
	}
	return all
}

// query runs KQL over the workspace with no time bound.
func (e *env) query(t testing.TB, q string) [][]any {
	t.Helper()
	tb, err := e.svc.Query(context.Background(), testWS, q, time.Time{}, time.Time{})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return tb.Rows
}

func (e *env) count(t testing.TB, q string) int64 {
	t.Helper()
	rows := e.query(t, q+" | count")
	return rows[0][0].(int64)
}

// readFile returns the events of an EVTX or event-XML file; damaged
// records are skipped as import skips them.
func readFile(t testing.TB, path string) []*event.Event {
	t.Helper()
	var evs []*event.Event
	_, err := logfile.Read(context.Background(), path, logfile.Options{Workers: 1},
		func(b []*event.Event) []*event.Event { return b },
		func(b []*event.Event) error { evs = append(evs, b...); return nil })
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return evs
}
