package duckdb

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

// BenchmarkDedupDay measures what dedup costs in memory for events of one
// UTC day, and the first batch after a restart (issue 14): it appends
// WSEC_DEDUP_BENCH_EVENTS (default 2,000,000) real Security events spread
// evenly over one day in batches of 10,000, reports the Go heap and the
// process RSS they added per million events, then closes and reopens the
// store and times the first batch landing on that day. Run it alone:
//
//	go test -run XXX -bench DedupDay -benchtime 1x ./internal/store/duckdb
func BenchmarkDedupDay(b *testing.B) {
	n := 2_000_000
	if v, err := strconv.Atoi(os.Getenv("WSEC_DEDUP_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	const size = 10_000
	base := securityEvents(b)
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	step := 24 * time.Hour / time.Duration(n+size)
	evs := make([]event.Event, size)
	batch := make([]*event.Event, size)
	fill := func(first int) []*event.Event {
		for j := range batch {
			i := first + j
			evs[j] = *base[i%len(base)]
			evs[j].System.EventRecordID = uint64(1_000_000_000 + i)
			evs[j].System.TimeCreated = day.Add(time.Duration(i) * step)
			batch[j] = &evs[j]
		}
		return batch
	}
	ctx := context.Background()
	for b.Loop() {
		dir := b.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		w := mustWorkspace(b, s, "bench")
		heap0, rss0 := memNow()
		start := time.Now()
		for i := 0; i < n; i += size {
			if _, err := w.AppendEvents(ctx, "bench", uint64(i/size+1), fill(i), "OpsManager"); err != nil {
				b.Fatal(err)
			}
		}
		rate := float64(n) / time.Since(start).Seconds()
		heap1, rss1 := memNow()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		s, err = Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		w = mustWorkspace(b, s, "bench")
		_, rssOpen := memNow()
		t0 := time.Now()
		res, err := w.AppendEvents(ctx, "bench", 1_000_000, fill(n), "OpsManager")
		first := time.Since(t0)
		if err != nil || res.Stored != size {
			b.Fatalf("first batch after restart: %+v %v", res, err)
		}
		t0 = time.Now()
		res, err = w.AppendEvents(ctx, "other", 1, fill(n/2), "OpsManager") // old events again: all duplicates
		again := time.Since(t0)
		if err != nil || res.Duplicates != size {
			b.Fatalf("duplicates after restart: %+v %v", res, err)
		}
		_, rssFirst := memNow()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		per := 1e6 / float64(n)
		b.ReportMetric(float64(heap1-heap0)/(1<<20)*per, "heapMB/Mevents")
		b.ReportMetric(float64(rss1-rss0)/(1<<20)*per, "rssMB/Mevents")
		b.ReportMetric(rate, "events/s")
		b.ReportMetric(float64(first.Milliseconds()), "firstBatchAfterRestart-ms")
		b.ReportMetric(float64(again.Milliseconds()), "duplicateBatchAfterRestart-ms")
		b.ReportMetric(float64(rssFirst-rssOpen)/(1<<20), "rssJumpFirstBatch-MB")
	}
}

// memNow returns the Go heap in use after a collection and the process'
// resident set size, in bytes.
func memNow() (heap, rss int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return int64(ms.HeapInuse), 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			rss = kb << 10
		}
	}
	return int64(ms.HeapInuse), rss
}

// BenchmarkDedupResend measures batches of 10,000 stored events sent
// again after a restart (a sender that lost its acknowledgements, an EVTX
// file imported twice): the first loads the hour's filter from the tables,
// the second finds it resident and confirms its hits there. The store
// holds WSEC_DEDUP_BENCH_EVENTS (default 1,000,000) events of one day.
//
//	go test -run XXX -bench DedupResend -benchtime 3x ./internal/store/duckdb
func BenchmarkDedupResend(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("WSEC_DEDUP_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	const size = 10_000
	base := securityEvents(b)
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	step := 24 * time.Hour / time.Duration(n)
	batch := func(first int) []*event.Event {
		out := make([]*event.Event, size)
		for j := range out {
			i := first + j
			e := *base[i%len(base)]
			e.System.EventRecordID = uint64(1_000_000_000 + i)
			e.System.TimeCreated = day.Add(time.Duration(i) * step)
			out[j] = &e
		}
		return out
	}
	ctx := context.Background()
	dir := b.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	w := mustWorkspace(b, s, "bench")
	for i := 0; i < n; i += size {
		if _, err := w.AppendEvents(ctx, "bench", uint64(i/size+1), batch(i), "OpsManager"); err != nil {
			b.Fatal(err)
		}
	}
	resend := func(first int) time.Duration {
		t0 := time.Now()
		res, err := w.AppendEvents(ctx, "resend", uint64(time.Now().UnixNano()), batch(first), "OpsManager")
		if err != nil || res.Duplicates != size {
			b.Fatalf("resend of stored events: %+v %v", res, err)
		}
		return time.Since(t0)
	}
	var load, resident time.Duration
	for b.Loop() {
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if s, err = Open(dir, Options{}); err != nil {
			b.Fatal(err)
		}
		w = mustWorkspace(b, s, "bench")
		load += resend(n / 2)
		resident += resend(n/2 + size)
	}
	s.Close()
	b.ReportMetric(float64(load.Milliseconds())/float64(b.N), "firstResend-ms")
	b.ReportMetric(float64(resident.Milliseconds())/float64(b.N), "residentResend-ms")
}
