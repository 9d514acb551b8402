package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/schema"
)

// benchBatches pre-builds n batches of size events: real Security events
// (739 records of a Windows 10 Security log: 4624, 4627, 4672, 4799, 4776,
// 4625, 4688, 4634, ...) with a realistic Sysmon share (about 8%), each copy
// with its own identity so nothing is deduplicated.
func benchBatches(b testing.TB, n, size int) ([][]*event.Event, int64) {
	sec, sys := securityEvents(b), sysmonEvents(b)
	mix := make([]*event.Event, 0, len(sec)+len(sys))
	mix = append(mix, sec...)
	mix = append(mix, sys...)
	all := synth(mix, n*size, 1)
	var bytes int64
	for _, e := range mix {
		bytes += int64(len(e.AppendJSON(nil)))
	}
	perEvent := bytes / int64(len(mix))
	out := make([][]*event.Event, n)
	for i := range out {
		out[i] = all[i*size : (i+1)*size]
	}
	return out, perEvent * int64(size)
}

// BenchmarkAppendEvents measures AppendEvents end to end: mapping,
// encoding, dedup (all events new), appending and the durable commit, one
// batch per op. "events/s" is the number to compare (doc.go has results).
//
// Each sender re-stamps one batch of its own with fresh record IDs before
// each call, as a server holds only the batches in flight: pre-building
// every batch would leave the garbage collector scanning hundreds of MB of
// events that no server keeps.
func BenchmarkAppendEvents(b *testing.B) {
	for _, size := range []int{1000, 10000} {
		for _, cfg := range []struct{ senders, writers int }{{1, 2}, {4, 1}, {4, 2}} {
			senders := cfg.senders
			b.Run(fmt.Sprintf("batch=%d/senders=%d/writers=%d", size, senders, cfg.writers), func(b *testing.B) {
				s, _, _ := openTestStore(b, Options{Writers: cfg.writers, CheckpointThresholdBytes: int64(envInt("WSEC_CKPT_MB", 0)) << 20, Logger: benchLogger()})
				w := mustWorkspace(b, s, "bench")
				batches, bytes := benchBatches(b, senders, size)
				b.SetBytes(bytes)
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := processCPU()
				var next atomic.Int64
				var wg sync.WaitGroup
				for p := range senders {
					wg.Add(1)
					go func() {
						defer wg.Done()
						batch := batches[p]
						for {
							i := int(next.Add(1) - 1)
							if i >= b.N {
								return
							}
							for k, e := range batch {
								e.System.EventRecordID = uint64(i*size + k + 1)
							}
							if _, err := w.AppendEvents(context.Background(), fmt.Sprintf("sender%d", p), uint64(i), batch, "OpsManager"); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				// every event is checkpointed once: the last checkpoint is
				// part of the cost, whatever the threshold
				w.mu.Lock()
				err := w.checkpoint(sqlConn{w.wconn})
				w.mu.Unlock()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(b.N*size), "cpu-µs/event")
			})
		}
	}
}

// BenchmarkQuery measures queries over 200k real Security events: a
// grouping on a hot (physical) column, the same on a cold column extracted
// from EventData, and a scan of EventData itself.
func BenchmarkQuery(b *testing.B) {
	s, _, _ := openTestStore(b, Options{})
	w := mustWorkspace(b, s, "bench")
	const total = 200_000
	batches, _ := benchBatches(b, total/10_000, 10_000)
	for i, batch := range batches {
		if _, err := w.AppendEvents(context.Background(), "q", uint64(i), batch, "OpsManager"); err != nil {
			b.Fatal(err)
		}
	}
	rows := count(b, w, "SecurityEvent")
	for _, q := range []struct{ name, sql string }{
		{"hot", "SELECT Account, count(*) FROM SecurityEvent WHERE EventID = 4624 GROUP BY Account"},
		{"ipaddress", "SELECT IpAddress, count(*) FROM SecurityEvent WHERE EventID = 4624 GROUP BY IpAddress"},
		{"targetuser-filter", "SELECT count(*) FROM SecurityEvent WHERE TargetUserName = 'SYSTEM'"},
		{"commandline", "SELECT count(*) FROM SecurityEvent WHERE contains(lower(CommandLine), 'svchost')"},
		{"cold", "SELECT ObjectType, count(*) FROM SecurityEvent GROUP BY ObjectType"},
		{"eventdata", "SELECT count(*) FROM SecurityEvent WHERE EventData LIKE '%S-1-5-18%'"},
		// as the KQL compiler writes it: the term filter, the term index and wsec_has
		{"eventdata-has", compileKQL(b, w, `SecurityEvent | where EventData has "S-1-5-18" | count`, w)},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mustQuery(b, w, q.sql)
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkEncode measures the Go side of AppendEvents alone: mapping with
// schema.Mapper, encoding the physical rows, hashing identities.
func BenchmarkEncode(b *testing.B) {
	s, _, _ := openTestStore(b, Options{})
	w := mustWorkspace(b, s, "bench")
	batches, bytes := benchBatches(b, 1, 1000)
	b.SetBytes(bytes)
	b.ReportAllocs()
	for b.Loop() {
		w.encodeEvents(batches[0], "OpsManager", testNow)
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMap measures schema.Mapper alone, for comparison.
func BenchmarkMap(b *testing.B) {
	m := schema.NewMapper(schema.New())
	batches, bytes := benchBatches(b, 1, 1000)
	b.SetBytes(bytes)
	b.ReportAllocs()
	var row schema.Row
	for b.Loop() {
		for _, e := range batches[0] {
			m.Map(e, "OpsManager", &row)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}

// processCPU is the CPU time (user + system) the process used so far,
// DuckDB's threads included: on a shared machine it measures cost where
// wall time measures contention.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHasMatcher measures wsec_has's Go side alone: deciding
// `EventData has term` from a row's stored parts, over the rows of real
// Security and Sysmon events ("rows/s"), for a term in about a third of
// them and for one in none.
func BenchmarkHasMatcher(b *testing.B) {
	s, _, _ := openTestStore(b, Options{})
	w := mustWorkspace(b, s, "bench")
	batches, _ := benchBatches(b, 2, 10_000)
	for i, batch := range batches {
		if _, err := w.AppendEvents(context.Background(), "h", uint64(i), batch, "OpsManager"); err != nil {
			b.Fatal(err)
		}
	}
	l := w.viewLayout("SecurityEvent")
	// straight from the physical table: Query bounds its results' bytes
	q, err := w.db.Query("SELECT " + quoteIdent(valsCol) + l.sharedArgs() + " FROM " + quoteIdent(l.phys))
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	type row struct {
		vals   string
		shared []sql.NullString
	}
	var rows []row
	for q.Next() {
		rw := row{shared: make([]sql.NullString, len(securityEventShared))}
		dest := []any{&rw.vals}
		for k := range rw.shared {
			dest = append(dest, &rw.shared[k])
		}
		if err := q.Scan(dest...); err != nil {
			b.Fatal(err)
		}
		rows = append(rows, rw)
	}
	if err := q.Err(); err != nil {
		b.Fatal(err)
	}
	for _, term := range []string{"S-1-5-18", "zzzz"} {
		b.Run(term, func(b *testing.B) {
			var m hasMatcher
			matched := 0
			for b.Loop() {
				matched = 0
				for _, rw := range rows {
					shared := func(k int) (string, bool) { return rw.shared[k].String, rw.shared[k].Valid }
					if !m.prepare(term, "has") {
						b.Fatalf("wsec_has refuses %q", term)
					}
					if res, _ := m.match(w.tpl, rw.vals, shared); res {
						matched++
					}
				}
			}
			b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(matched), "matched")
		})
	}
}
