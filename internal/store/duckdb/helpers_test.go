package duckdb

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"wsec/internal/store"
)

// testClock is an injectable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var testNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// openTestStore opens a store in a temporary directory with an injected
// clock; it is closed at the end of the test.
func openTestStore(t testing.TB, opts Options) (*Store, *testClock, string) {
	t.Helper()
	dir := t.TempDir()
	clk := &testClock{t: testNow}
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s, clk, dir
}

func mustWorkspace(t testing.TB, s *Store, id string) *Workspace {
	t.Helper()
	w, err := s.Workspace(id)
	if err != nil {
		t.Fatalf("open workspace %s: %v", id, err)
	}
	return w
}

func mustQuery(t testing.TB, w *Workspace, q string, args ...any) *store.Result {
	t.Helper()
	r, err := w.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return r
}

// count returns SELECT count(*) FROM table.
func count(t testing.TB, w *Workspace, table string) int64 {
	t.Helper()
	r := mustQuery(t, w, "SELECT count(*) FROM "+quoteIdent(table))
	return r.Rows[0][0].(int64)
}

// checkRow compares a result row with want, cell by cell: times with
// Equal, JSON by its text, anything else with ==.
func checkRow(t *testing.T, cols []store.Column, row, want []any) {
	t.Helper()
	if len(row) < len(want) {
		t.Fatalf("row has %d cells, want at least %d", len(row), len(want))
	}
	for i, wv := range want {
		switch got := row[i].(type) {
		case json.RawMessage:
			if string(got) != string(wv.(json.RawMessage)) {
				t.Errorf("%s = %s, want %s", cols[i].Name, got, wv)
			}
		case time.Time:
			if !got.Equal(wv.(time.Time)) {
				t.Errorf("%s = %v, want %v", cols[i].Name, got, wv)
			}
		default:
			if got != wv {
				t.Errorf("%s = %#v, want %#v", cols[i].Name, got, wv)
			}
		}
	}
}
