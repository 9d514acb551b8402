package clickhouse_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/source/synthetic"
	"wsec/internal/store"
	"wsec/internal/store/clickhouse"
	"wsec/internal/store/clickhouse/chtest"
	"wsec/internal/store/duckdb"
	"wsec/internal/store/storeopen"
	"wsec/internal/store/storetest"
)

// The store benchmarks load the same synthetic Security events
// (WSEC_BENCH_EVENTS, default 200,000, from 8 computers over the last
// ~20 hours) into the embedded store and the two-shard cluster once per
// process, then time storetest.SentinelQueries on each, end to end
// (compile, HTTP or cgo, result conversion).
//
//	go test -run XXX -bench 'Sentinel|Append' -benchtime 5x ./internal/store/clickhouse

const benchBatch = 10_000

func benchEvents() []*event.Event {
	n := 200_000
	if s := os.Getenv("WSEC_BENCH_EVENTS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			n = v
		}
	}
	const computers = 8
	start := time.Now().Add(-20 * time.Hour)
	evs := make([]*event.Event, n)
	for c := range computers {
		g := synthetic.New(synthetic.Options{Computer: fmt.Sprintf("SRV%02d.contoso.local", c), Seed: uint64(c), Start: start,
			Step: 20 * time.Hour / time.Duration(n/computers+1)})
		for i := c; i < n; i += computers {
			e := &event.Event{}
			g.Event(uint64(i/computers), e)
			evs[i] = e
		}
	}
	return evs
}

type loaded struct {
	b store.Backend
	w store.Workspace
}

var benchData struct {
	once   sync.Once
	stores map[string]loaded
	err    error
}

// loadBench loads the stores once; they live until the process ends (the
// embedded one in a directory TestMain removes).
func loadBench(b *testing.B) map[string]loaded {
	benchData.once.Do(func() {
		evs := benchEvents()
		benchData.stores = map[string]loaded{}
		for name, open := range map[string]storetest.Opener{"duckdb": benchDuckOpener, "clickhouse-2shards": Opener} {
			bk := open(b, storetest.Config{Now: time.Now})
			w, err := bk.Workspace(fmt.Sprintf("bench%d", time.Now().UnixNano()%1e9))
			if err != nil {
				benchData.err = err
				return
			}
			start := time.Now()
			for i := 0; i < len(evs); i += benchBatch {
				if _, err := w.AppendEvents(context.Background(), "bench", uint64(i), evs[i:min(i+benchBatch, len(evs))], "OpsManager"); err != nil {
					benchData.err = err
					return
				}
			}
			fmt.Printf("load %s: %d events in %s (%.0f events/s)\n", name, len(evs), time.Since(start).Round(time.Millisecond), float64(len(evs))/time.Since(start).Seconds())
			benchData.stores[name] = loaded{bk, w}
		}
	})
	if benchData.err != nil {
		b.Fatal(benchData.err)
	}
	return benchData.stores
}

func BenchmarkSentinelQueries(b *testing.B) {
	stores := loadBench(b)
	for _, q := range storetest.SentinelQueries {
		for _, name := range []string{"duckdb", "clickhouse-2shards"} {
			s := stores[name]
			b.Run(q.Name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if _, err := storetest.Query(s.b, s.w, q.KQL); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkIngest loads the benchmark events into a new workspace per
// iteration from benchSenders goroutines at once (agents sending to one
// node), benchBatch/2 events a batch, and reports events/s, and the
// processor time per event of this process (the node) and, for a cluster
// the test started, of its ClickHouse servers: on a shared machine the
// processor times are the steadier figures.
//
//	WSEC_BENCH_EVENTS=100000 go test -run XXX -bench Ingest -benchtime 1x -count 3 ./internal/store/clickhouse
func BenchmarkIngest(b *testing.B) {
	evs := benchEvents()
	for _, name := range []string{"duckdb", "clickhouse-2shards"} {
		b.Run(name, func(b *testing.B) {
			open := map[string]storetest.Opener{"duckdb": benchDuckOpener, "clickhouse-2shards": Opener}[name]
			bk := open(b, storetest.Config{Now: time.Now})
			var elapsed, nodeCPU, serverCPU time.Duration
			var ids []string
			for i := 0; b.Loop(); i++ {
				ids = append(ids, fmt.Sprintf("ingest%d_%d", time.Now().UnixNano()%1e9, i))
				w, err := bk.Workspace(ids[i])
				if err != nil {
					b.Fatal(err)
				}
				start, cpu0 := time.Now(), processCPU()
				srv0, _ := clusterCPU(b, name)
				var wg sync.WaitGroup
				errs := make(chan error, benchSenders)
				for g := range benchSenders {
					wg.Go(func() {
						const batch = benchBatch / 2
						for j := g * batch; j < len(evs); j += batch * benchSenders {
							if _, err := w.AppendEvents(context.Background(), fmt.Sprintf("agent-%d", g), uint64(j), evs[j:min(j+batch, len(evs))], "OpsManager"); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				nodeCPU += processCPU() - cpu0
				srv1, ok := clusterCPU(b, name)
				serverCPU += srv1 - srv0
				if !ok {
					serverCPU = -1
				}
			}
			n := float64(len(evs) * b.N)
			b.ReportMetric(n/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(diskBytes(b, bk, ids))/n, "disk-bytes/event")
			b.ReportMetric(float64(nodeCPU.Microseconds())/n, "node-cpu-µs/event")
			if serverCPU >= 0 && name != "duckdb" {
				b.ReportMetric(float64(serverCPU.Microseconds())/n, "server-cpu-µs/event")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// diskBytes is the space the workspaces ids take: for the cluster their
// parts as ingestion left them (before background merges), for the
// embedded store its directory after Close (checkpointed).
func diskBytes(b *testing.B, bk store.Backend, ids []string) int64 {
	if ch, ok := bk.(*clickhouse.Store); ok {
		var n int64
		for _, id := range ids {
			d, err := ch.DiskBytes(context.Background(), id)
			if err != nil {
				b.Fatal(err)
			}
			n += d
		}
		return n
	}
	if err := bk.Close(); err != nil {
		b.Fatal(err)
	}
	var n int64
	err := filepath.WalkDir(benchDir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			info, err := d.Info()
			if err == nil {
				n += info.Size()
			}
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// benchSenders is how many agents BenchmarkIngest sends from at once.
const benchSenders = 4

// processCPU is this process's processor time, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clusterCPU is the test cluster's servers' processor time, if the test
// started them.
func clusterCPU(b *testing.B, name string) (time.Duration, bool) {
	if name == "duckdb" {
		return 0, true
	}
	return chtest.Start(b).CPU()
}

var benchDir string

// benchDuckOpener opens an embedded store that outlives the benchmark
// that loaded it.
func benchDuckOpener(tb testing.TB, cfg storetest.Config) store.Backend {
	var err error
	if benchDir, err = os.MkdirTemp("", "wsec-bench-duckdb-"); err != nil {
		tb.Fatal(err)
	}
	st, err := duckdb.Open(benchDir, duckdb.Options{Now: cfg.Now})
	if err != nil {
		tb.Fatal(err)
	}
	return storeopen.DuckDB(st)
}
