package sql_test

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"wsec/internal/kql"
	kqlsql "wsec/internal/kql/sql"
	"wsec/internal/schema"
	"wsec/internal/store/clickhouse"
	"wsec/internal/store/clickhouse/chtest"
	"wsec/internal/testtool"
)

// benchColumns are the SecurityEvent columns the benchmark's rows fill
// (BenchmarkSentinelKQLvsSQL's generator); the others stay null.
const benchColumns = "Computer, EventID, Channel, EventSourceName, Task, Level, Account, AccountType, TargetUserName, TargetDomainName, " +
	"SubjectUserName, SubjectDomainName, IpAddress, LogonType, LogonTypeName, Process, NewProcessName, ParentProcessName, CommandLine, " +
	"SubStatus, TargetLogonId, SubjectLogonId, Activity, Type, SourceSystem"

// BenchmarkSentinelEngines runs the ten queries of
// BenchmarkSentinelKQLvsSQL in one run on three engines over the same
// WSEC_BENCH_ROWS rows: DuckDB (the compiled DuckDB SQL over the
// benchmark's table, as that benchmark does) and the ClickHouse store on a
// one-shard and on a two-shard cluster on this machine (the compiled
// ClickHouse SQL through Workspace.Query, over the store's FINAL views;
// the rows copied from the DuckDB table as CSV through the Distributed
// table, then merged, as a table a day after ingestion). Every query must
// return the same number of rows on the three before it is timed; each
// iteration runs it on all three, so machine load hits them alike.
// Reported per query: the median over b.N iterations (-benchtime 3x:
// medians of 3) of duckdb-ms/op, ch1-ms/op and ch2-ms/op; logged (-v):
// load times, a table of the medians, disk bytes per row of each engine.
func BenchmarkSentinelEngines(b *testing.B) {
	testtool.Need(b, testtool.ClickHouseServer, testtool.Curl, testtool.Bash)
	db, rows := kqlsql.OpenBenchDB(b)
	ctx := context.Background()
	dir := b.TempDir()
	csv := filepath.Join(dir, "rows.csv")
	start := time.Now()
	if _, err := db.Exec(`COPY (SELECT epoch_us(TimeGenerated) AS TimeGenerated, 0 AS _TimeReceived, hash(rowid) AS _Key0, rowid AS _Key1, ` + benchColumns +
		` FROM SecurityEvent) TO '` + csv + `' (FORMAT CSV, HEADER false, NULLSTR '\N')`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d rows exported as CSV in %v", rows, time.Since(start).Round(time.Millisecond))
	duckDisk := duckDBBytes(b, db)

	engines := make([]*clickhouse.Store, 2)
	disk := make([]int64, 2)
	for i, shards := range []int{1, 2} {
		cl, err := chtest.New(shards)
		if cl != nil {
			b.Cleanup(cl.Close)
		}
		if err != nil {
			b.Fatal(err)
		}
		engines[i], disk[i] = loadClickHouse(b, cl.URL, csv, rows)
	}
	names, kqls := kqlsql.BenchQueries()
	cat := kql.NewCatalog(schema.New())
	compile := func(src string, d kqlsql.Dialect) string {
		q, err := kql.Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		s, _, err := kqlsql.Compile(q, cat, d, kqlsql.Options{Now: kqlsql.BenchNow})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	type timing struct{ duck, ch1, ch2 float64 }
	times := map[string]timing{}
	for qi, name := range names {
		b.Run(name, func(b *testing.B) {
			duckSQL, chSQL := compile(kqls[qi], kqlsql.DuckDB{}), compile(kqls[qi], kqlsql.ClickHouse{})
			run := func(e int) (int, time.Duration) {
				t0 := time.Now()
				if e == 0 {
					n, err := countRows(db, duckSQL)
					if err != nil {
						b.Fatalf("duckdb: %v\n%s", err, duckSQL)
					}
					return n, time.Since(t0)
				}
				w, err := engines[e-1].Workspace("bench")
				if err != nil {
					b.Fatal(err)
				}
				res, err := w.Query(ctx, chSQL)
				if err != nil {
					b.Fatalf("clickhouse, %d shard(s): %v\n%s", e, err, chSQL)
				}
				if res.Truncated {
					b.Fatalf("clickhouse, %d shard(s): result truncated at %d rows", e, len(res.Rows))
				}
				return len(res.Rows), time.Since(t0)
			}
			var want int
			for e := range 3 {
				n, _ := run(e)
				if e == 0 {
					want = n
				} else if n != want {
					b.Fatalf("clickhouse with %d shard(s) returned %d rows, duckdb %d", e, n, want)
				}
			}
			var took [3][]time.Duration
			b.ResetTimer()
			for range b.N {
				for e := range 3 {
					_, d := run(e)
					took[e] = append(took[e], d)
				}
			}
			b.StopTimer()
			median := func(ds []time.Duration) float64 {
				slices.Sort(ds)
				return ds[len(ds)/2].Seconds() * 1e3
			}
			times[name] = timing{median(took[0]), median(took[1]), median(took[2])}
			b.ReportMetric(times[name].duck, "duckdb-ms/op")
			b.ReportMetric(times[name].ch1, "ch1-ms/op")
			b.ReportMetric(times[name].ch2, "ch2-ms/op")
		})
	}
	if len(times) == len(names) {
		sorted := append([]string(nil), names...)
		sort.Strings(sorted)
		lines := []string{fmt.Sprintf("%-28s %10s %10s %10s", "query ("+fmt.Sprint(rows)+" rows)", "duckdb ms", "ch 1 shard", "ch 2 shards")}
		for _, n := range sorted {
			t := times[n]
			lines = append(lines, fmt.Sprintf("%-28s %10.1f %10.1f %10.1f", n, t.duck, t.ch1, t.ch2))
		}
		lines = append(lines, fmt.Sprintf("%-28s %10.1f %10.1f %10.1f", "disk bytes/row", float64(duckDisk)/float64(rows),
			float64(disk[0])/float64(rows), float64(disk[1])/float64(rows)))
		b.Logf("\n%s", strings.Join(lines, "\n"))
	}
}

func countRows(db *dbsql.DB, q string) (int, error) {
	rows, err := db.Query(q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// duckDBBytes is the size of the benchmark's DuckDB file (the table and
// nothing else).
func duckDBBytes(b *testing.B, db *dbsql.DB) int64 {
	var path string
	if err := db.QueryRow("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").Scan(&path); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

// loadClickHouse opens the store on the cluster at storeURL, copies the
// CSV rows into workspace "bench" through the Distributed table, merges
// each shard's parts and returns the store and the bytes on disk of the
// rows on every shard.
func loadClickHouse(b *testing.B, storeURL, csv string, rows int) (*clickhouse.Store, int64) {
	ctx := context.Background()
	o, err := clickhouse.ParseURL(storeURL)
	if err != nil {
		b.Fatal(err)
	}
	o.MaxResultRows = 100_000_000
	o.Timeout = time.Hour
	s, err := clickhouse.Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Workspace("bench"); err != nil {
		b.Fatal(err)
	}
	db := o.Database + "_bench"
	start := time.Now()
	f, err := os.Open(csv)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	q := url.Values{"query": {"INSERT INTO " + db + ".SecurityEvent_all (TimeGenerated, _TimeReceived, _Key0, _Key1, " + benchColumns + ") FORMAT CSV"},
		// The table has 200-odd nullable columns, each with its write
		// buffers: more memory than the profile's 2 GB for one insert.
		"insert_distributed_sync": {"1"}, "max_insert_block_size": {"262144"}, "max_memory_usage": {"8000000000"}}
	if err := post(o.Shards[0], q, f); err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	for _, sh := range o.Shards {
		if err := post(sh, url.Values{"query": {"OPTIMIZE TABLE " + db + ".SecurityEvent_local FINAL"}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	disk, err := s.DiskBytes(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	w, err := s.Workspace("bench")
	if err != nil {
		b.Fatal(err)
	}
	res, err := w.Query(ctx, "SELECT toInt64(count()) FROM SecurityEvent")
	if err != nil {
		b.Fatal(err)
	}
	if have := res.Rows[0][0]; have != int64(rows) {
		b.Fatalf("%v rows in ClickHouse (%d shard(s)), %d exported", have, len(o.Shards), rows)
	}
	b.Logf("ClickHouse, %d shard(s): %d rows loaded in %v (%.0f rows/s), merged in %v", len(o.Shards), rows, load.Round(time.Millisecond),
		float64(rows)/load.Seconds(), (time.Since(start) - load).Round(time.Millisecond))
	return s, disk
}

// post sends a statement (and body) to a server's HTTP interface.
func post(base string, q url.Values, body *os.File) error {
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequest(http.MethodPost, base+"?"+q.Encode(), body)
	} else {
		req, err = http.NewRequest(http.MethodPost, base, strings.NewReader(q.Get("query")))
	}
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("clickhouse %s: HTTP %d: %s", base, resp.StatusCode, msg)
	}
	return err
}
