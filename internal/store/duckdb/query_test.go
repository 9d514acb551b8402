package duckdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"wsec/internal/store"
)

func TestQueryRefusesWrites(t *testing.T) {
	s, _, dir := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	appendOK(t, w, "a", 1, securityEvents(t)[:10])
	secret := filepath.Join(dir, "secret.csv")
	if err := os.WriteFile(secret, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"DELETE FROM wsec_SecurityEvent",
		"DROP TABLE wsec_SecurityEvent",
		"INSERT INTO wsec_batches VALUES ('x', 1, now(), 0, 0)",
		"UPDATE wsec_SecurityEvent SET Computer = 'x'",
		"CREATE TABLE t AS SELECT 1",
		"SELECT 1; DROP TABLE wsec_SecurityEvent",
		// duckdb-go's PrepareContext runs every statement but the last
		"DELETE FROM wsec_SecurityEvent; SELECT 1",
		"SELECT 1) AS x; DELETE FROM wsec_SecurityEvent; SELECT * FROM (SELECT 1",
		"ATTACH '" + filepath.Join(dir, "other.duckdb") + "' AS o",
		"COPY wsec_SecurityEvent TO '" + filepath.Join(dir, "out.csv") + "'",
		"SET enable_external_access = true",
		"PRAGMA enable_profiling",
		"CHECKPOINT",
		"INSTALL httpfs",
		"EXPORT DATABASE '" + dir + "/exp'",
	} {
		if _, err := w.Query(context.Background(), q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
	// reading files or other databases is refused even inside a SELECT
	for _, q := range []string{
		"SELECT * FROM read_csv('" + secret + "')",
		"SELECT * FROM '" + secret + "'",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM glob('" + dir + "/*')",
	} {
		if _, err := w.Query(context.Background(), q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
	if n := count(t, w, "SecurityEvent"); n != 10 {
		t.Errorf("SecurityEvent has %d rows", n)
	}
	if _, err := w.Query(context.Background(), "DELETE FROM wsec_SecurityEvent"); !errors.Is(err, store.ErrNotReadOnly) {
		t.Errorf("DELETE: %v, want ErrNotReadOnly", err)
	}
}

// TestThreads: a workspace's database runs on Options.Threads threads,
// DefaultThreads unless set, and a query cannot change that.
func TestThreads(t *testing.T) {
	for _, c := range []struct{ set, want int }{{0, DefaultThreads}, {3, 3}} {
		s, _, _ := openTestStore(t, Options{Threads: c.set})
		w := mustWorkspace(t, s, "ws")
		if _, err := w.Query(context.Background(), "SET threads = 8"); err == nil {
			t.Errorf("Threads %d: SET threads accepted", c.set)
		}
		r := mustQuery(t, w, "SELECT current_setting('threads')")
		if got := fmt.Sprint(r.Rows[0][0]); got != strconv.Itoa(c.want) {
			t.Errorf("Threads %d: DuckDB runs %s threads, want %d", c.set, got, c.want)
		}
	}
}

// TestWorkspaceIsolation: one workspace's queries cannot see another's
// data: each is its own database file and nothing reaches other files.
func TestWorkspaceIsolation(t *testing.T) {
	s, _, dir := openTestStore(t, Options{})
	a, b := mustWorkspace(t, s, "tenant-a"), mustWorkspace(t, s, "tenant-b")
	appendOK(t, a, "x", 1, securityEvents(t))
	if n := count(t, b, "SecurityEvent"); n != 0 {
		t.Fatalf("tenant-b sees %d rows", n)
	}
	other := filepath.Join(dir, "tenant-a.duckdb")
	for _, q := range []string{
		"SELECT count(*) FROM '" + other + "'",
		"SELECT * FROM read_parquet('" + other + "')",
		"SELECT count(*) FROM \"tenant-a\".SecurityEvent",
	} {
		if _, err := b.Query(context.Background(), q); err == nil {
			t.Errorf("tenant-b ran %s", q)
		}
	}
	if r := mustQuery(t, b, "SELECT DISTINCT TenantId FROM SecurityEvent UNION ALL SELECT 'x'"); len(r.Rows) != 1 {
		t.Errorf("tenant-b rows: %v", r.Rows)
	}
	for _, id := range []string{"../x", "a/b", "", "a b", "x.duckdb?access_mode=read_only"} {
		if _, err := s.Workspace(id); !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("workspace %q: %v", id, err)
		}
	}
}

func TestQueryResultTypesAndLimits(t *testing.T) {
	s, _, _ := openTestStore(t, Options{MaxResultRows: 100})
	w := mustWorkspace(t, s, "ws")
	appendOK(t, w, "a", 1, securityEvents(t))
	r := mustQuery(t, w, `SELECT 1::INTEGER AS i, 2::BIGINT AS l, sum(3::INTEGER) AS h, 1.5::DOUBLE AS r, 2.25::DECIMAL(10,2) AS dec,
		true AS b, TIMESTAMP '2024-01-02 03:04:05.123456' AS t, INTERVAL 90 MINUTE AS ts,
		'{"n":12345678901234567890}'::JSON AS j, [1,2] AS lst, {'k': 'v'} AS st, 'x' AS s, CAST(NULL AS VARCHAR) AS n,
		'0f8fad5b-d9cb-469f-a165-70867728950e'::UUID AS g`)
	want := []store.Column{{Name: "i", Type: "int"}, {Name: "l", Type: "long"}, {Name: "h", Type: "long"}, {Name: "r", Type: "real"}, {Name: "dec", Type: "real"}, {Name: "b", Type: "bool"},
		{Name: "t", Type: "datetime"}, {Name: "ts", Type: "timespan"}, {Name: "j", Type: "dynamic"}, {Name: "lst", Type: "dynamic"}, {Name: "st", Type: "dynamic"}, {Name: "s", Type: "string"},
		{Name: "n", Type: "string"}, {Name: "g", Type: "guid"}}
	for i, c := range want {
		if r.Columns[i] != c {
			t.Errorf("column %d: %v, want %v", i, r.Columns[i], c)
		}
	}
	row := r.Rows[0]
	checks := []any{int32(1), int64(2), int64(3), 1.5, 2.25, true, time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC),
		90 * time.Minute, json.RawMessage(`{"n":12345678901234567890}`), json.RawMessage(`[1,2]`), json.RawMessage(`{"k":"v"}`),
		"x", nil, "0f8fad5b-d9cb-469f-a165-70867728950e"}
	checkRow(t, r.Columns, row, checks)
	// the row limit truncates and says so; ORDER BY survives the wrapping
	r = mustQuery(t, w, "SELECT EventRecordID FROM SecurityEvent ORDER BY EventRecordID DESC")
	if len(r.Rows) != 100 || !r.Truncated {
		t.Fatalf("%d rows, truncated %v", len(r.Rows), r.Truncated)
	}
	for i := 1; i < len(r.Rows); i++ {
		if r.Rows[i][0].(int64) >= r.Rows[i-1][0].(int64) {
			t.Fatalf("order lost at row %d", i)
		}
	}
	r = mustQuery(t, w, "SELECT EventID, count(*) AS n FROM SecurityEvent GROUP BY ALL ORDER BY n DESC;  ")
	if r.Truncated || len(r.Rows) == 0 || r.Rows[0][0] != int32(4624) {
		t.Errorf("top event: %v (truncated %v)", r.Rows, r.Truncated)
	}
	// parameters
	r = mustQuery(t, w, "SELECT count(*) FROM SecurityEvent WHERE EventID = ? AND TargetUserName = ?", 4624, "SYSTEM")
	if r.Rows[0][0].(int64) == 0 {
		t.Error("parameters: no rows")
	}
	// the byte limit
	s2, _, _ := openTestStore(t, Options{MaxResultBytes: 10_000})
	w2 := mustWorkspace(t, s2, "ws")
	appendOK(t, w2, "a", 1, securityEvents(t))
	r = mustQuery(t, w2, "SELECT EventData FROM SecurityEvent")
	if !r.Truncated || len(r.Rows) == 0 || len(r.Rows) > 20 {
		t.Errorf("byte limit: %d rows, truncated %v", len(r.Rows), r.Truncated)
	}
}

func TestQueryCancel(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := w.Query(ctx, "SELECT sum(hash(i)) FROM range(10000000000) t(i)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	// No wall-clock bound: uncancelled, the scan would outlast the test
	// binary's own timeout.
	t.Logf("cancelled after %v", time.Since(start))
	// the connection is usable afterwards
	if n := count(t, w, "SecurityEvent"); n != 0 {
		t.Error(n)
	}
}

// TestQueryWhileAppending: queries run while batches commit, always see a
// consistent prefix of the committed batches (a batch is all or nothing),
// and the count never goes backwards.
func TestQueryWhileAppending(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	base := securityEvents(t)
	const batches, size = 12, 400
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := 0; i < batches; i++ {
			if _, err := w.AppendEvents(context.Background(), "a", uint64(i), synth(base, size, uint64(i*size)), "x"); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var last int64
	queries := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		var qwg sync.WaitGroup
		counts := make([]int64, 3)
		for q := range counts {
			qwg.Add(1)
			go func() {
				defer qwg.Done()
				r, err := w.Query(context.Background(), "SELECT count(*), count(DISTINCT EventRecordID) FROM SecurityEvent")
				if err != nil {
					t.Error(err)
					return
				}
				counts[q] = r.Rows[0][0].(int64)
				if counts[q]%size != 0 || r.Rows[0][1].(int64) != counts[q] {
					t.Errorf("query saw %v: not whole batches", r.Rows[0])
				}
			}()
		}
		qwg.Wait()
		queries += 3
		for _, c := range counts {
			if c < last {
				t.Errorf("count went back from %d to %d", last, c)
			}
		}
		last = max(last, counts[0], counts[1], counts[2])
	}
	wg.Wait()
	if n := count(t, w, "SecurityEvent"); n != batches*size {
		t.Fatalf("%d rows", n)
	}
	t.Logf("%d queries ran during %d appends", queries, batches)
}
