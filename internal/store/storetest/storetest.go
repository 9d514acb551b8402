// Package storetest is the behaviour suite every store backend runs (in the
// manner of NATS' testAllStoreAllPermutations): the promises of
// store.Backend (exactly-once appends, dedup by identity, custom tables,
// retention) and the answers of KQL queries, rules included, over the same
// real events. A backend's test calls Run with a function opening a fresh
// backend; the suite passes on DuckDB and on a ClickHouse cluster alike, so
// the two stores give the same answers.
//
// The events are the real attack logs under cmd/wsec/samples (EVTX files
// of public detection datasets); the expected answers are computed from
// those events in Go, never copied from a store's output.
package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/evtx"
	"wsec/internal/kql"
	kqlsql "wsec/internal/kql/sql"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// Config is what a test asks of the backend it opens.
type Config struct {
	// Now is the backend's clock (receive times, retention).
	Now func() time.Time
	// RetentionDays is the retention of every table.
	RetentionDays int
}

// Opener opens a fresh backend for one test; the suite closes it. Workspace
// IDs are unique per test, so a backend may keep data between tests.
type Opener func(tb testing.TB, cfg Config) store.Backend

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	evs := SampleEvents(t)
	t.Run("ExactlyOnce", func(t *testing.T) { testExactlyOnce(t, open, evs) })
	t.Run("DedupInBatchAndRejects", func(t *testing.T) { testDedupInBatch(t, open, evs) })
	t.Run("CustomTables", func(t *testing.T) { testCustomTables(t, open) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open, evs) })
	t.Run("KQL", func(t *testing.T) { testKQL(t, open, evs) })
}

// samplesDir is the sample logs' directory relative to the repository root.
const samplesDir = "cmd/wsec/samples"

// SampleEvents reads every EVTX file of cmd/wsec/samples.
func SampleEvents(t testing.TB) []*event.Event {
	t.Helper()
	dir, err := repoPath(samplesDir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.evtx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample EVTX files in %s: %v", dir, err)
	}
	sort.Strings(files)
	var evs []*event.Event
	for _, p := range files {
		f, err := evtx.Open(p, evtx.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Events(context.Background(), func(e *event.Event) error { evs = append(evs, e); return nil })
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	return evs
}

// repoPath finds rel under the repository root (the directory of go.mod
// above the working directory).
func repoPath(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, rel), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory: cannot find %s", rel)
		}
		dir = parent
	}
}

// fixedClock is a clock tests move by hand.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

// workspaceID is a workspace name unique to the test (and the run, for a
// backend that keeps data between runs).
func workspaceID(t *testing.T) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return fmt.Sprintf("%s_%d", strings.Trim(name, "_"), time.Now().UnixNano()%1e9)
}

func openWorkspace(t *testing.T, open Opener, cfg Config) (store.Backend, store.Workspace) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	b := open(t, cfg)
	t.Cleanup(func() { b.Close() })
	w, err := b.Workspace(workspaceID(t))
	if err != nil {
		t.Fatal(err)
	}
	return b, w
}

// query compiles KQL for the backend's dialect and runs it, returning the
// rows normalised to store.Result's types.
func query(t *testing.T, b store.Backend, w store.Workspace, q string) [][]any {
	t.Helper()
	rows, err := Query(b, w, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return rows
}

// Query compiles KQL q for b's dialect, runs it in w and returns the rows
// normalised to store.Result's types.
func Query(b store.Backend, w store.Workspace, q string) ([][]any, error) {
	ctx := context.Background()
	tables, err := w.Tables(ctx)
	if err != nil {
		return nil, err
	}
	pq, err := kql.Parse(q)
	if err != nil {
		return nil, err
	}
	var opts kqlsql.Options
	if l, ok := w.(kqlsql.Layout); ok {
		opts.Layout = l // as the workspace service compiles
	}
	sqlText, cols, err := kqlsql.Compile(pq, kql.NewCatalog(schema.New(), tables...), b.Dialect(), opts)
	if err != nil {
		return nil, err
	}
	res, err := w.Query(ctx, sqlText)
	if err != nil {
		return nil, fmt.Errorf("%w\nSQL: %s", err, sqlText)
	}
	for i, c := range cols {
		store.Normalize(res.Rows, i, c.Type)
	}
	return res.Rows, nil
}

// count runs a KQL query ending in count and returns the count.
func count(t *testing.T, b store.Backend, w store.Workspace, q string) int64 {
	t.Helper()
	rows := query(t, b, w, q+" | count")
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("%s | count: %v", q, rows)
	}
	n, ok := rows[0][0].(int64)
	if !ok {
		t.Fatalf("%s | count: %T %v", q, rows[0][0], rows[0][0])
	}
	return n
}
