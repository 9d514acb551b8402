package analytics

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"wsec/internal/analytics/pack"
	"wsec/internal/event"
	"wsec/internal/source/synthetic"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

// BenchmarkScheduler100Rules: 100 scheduled rules every 5 minutes (the
// pack's rules, cloned under distinct IDs with queryFrequency =
// queryPeriod = 5m) over a workspace of $WSEC_BENCH_EVENTS synthetic
// events (default 1,000,000) spread over 24 hours. An iteration is one
// scheduler cycle: the 5-minute window ending at the data's end, for every
// rule, evaluated as the scheduler does (RunNow, one rule after another).
//
// $WSEC_BENCH_STORE names a directory that keeps the workspace between
// runs (built on the first, reused after: building 10M events takes
// minutes). $WSEC_BENCH_INGEST=N appends N synthetic events per second
// to the same workspace while the cycle runs, in batches of 5,000 through
// the store's append path (the ingest API's, without HTTP), timestamped
// after the evaluated window as live data is.
//
// The scheduler's CPU share is measured by difference, in the same run:
// first ingestion alone for 10 s gives its CPU per event; the cycle's
// process CPU less that times the events ingested during the cycle is the
// scheduler's (ingestion slows while the rules run, so the cost per event,
// not per second, is subtracted). Reported: the scheduler's CPU per cycle and the share of
// the machine's cores one cycle every 5 minutes takes, the slowest rule's
// time, the ingestion rate achieved, and the process CPU while ingesting
// alone.
func BenchmarkScheduler100Rules(b *testing.B) {
	n := envInt(b, "WSEC_BENCH_EVENTS", 1_000_000)
	rate := envInt(b, "WSEC_BENCH_INGEST", 0)
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	end := t0.Add(24 * time.Hour)
	dir := os.Getenv("WSEC_BENCH_STORE")
	if dir == "" {
		dir = b.TempDir()
	}
	built := filepath.Join(dir, fmt.Sprintf("built-%d", n))
	env := newEnv(b, dir, end.Add(5*time.Minute))
	if _, err := os.Stat(built); err != nil {
		start := time.Now()
		env.synthetic(b, t0, 24*time.Hour/time.Duration(n), n, nil)
		if err := os.WriteFile(built, nil, 0o600); err != nil {
			b.Fatal(err)
		}
		b.Logf("built a workspace of %d events in %s", n, time.Since(start).Round(time.Second))
	}
	stored := env.count(b, "SecurityEvent")
	ctx := context.Background()
	eng, err := New(Options{Dir: b.TempDir(), Workspace: env.svc, Now: env.clk.Now, IngestionDelay: 5 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	rules, err := pack.Rules()
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for i := range 100 {
		r := *rules[i%len(rules)]
		r.ID, r.Name = fmt.Sprintf("%s-%d", r.ID, i), fmt.Sprintf("%s #%d", r.Name, i)
		r.QueryFrequency, r.QueryPeriod, r.Raw = 5*time.Minute, 5*time.Minute, nil
		if _, err := eng.Add(ctx, testWS, &r, false); err != nil {
			b.Fatal(err)
		}
		names = append(names, r.Name)
	}

	ing := startIngest(b, env, rate, end.Add(10*time.Minute))
	defer ing.stop()
	var ingestCPU, perEvent float64 // process CPU-seconds per second and per event while only ingesting
	if rate > 0 {
		c0, w0, e0 := cpuTime(), time.Now(), ing.count.Load()
		time.Sleep(10 * time.Second)
		cpu, evs := (cpuTime() - c0).Seconds(), ing.count.Load()-e0
		ingestCPU, perEvent = cpu/time.Since(w0).Seconds(), cpu/float64(max(evs, 1))
		b.Logf("ingesting alone: %.0f events/s, %.2f CPU-s/s", float64(evs)/time.Since(w0).Seconds(), ingestCPU)
	}

	var slowest time.Duration
	var slowName string
	b.ResetTimer()
	cpu0, wall0, ev0 := cpuTime(), time.Now(), ing.count.Load()
	for range b.N {
		for _, name := range names {
			start := time.Now()
			if _, err := eng.RunNow(ctx, testWS, name); err != nil {
				b.Fatal(err)
			}
			if d := time.Since(start); d > slowest {
				slowest, slowName = d, name
			}
		}
	}
	wall := time.Since(wall0)
	total := cpuTime() - cpu0
	ingested := ing.count.Load() - ev0
	b.StopTimer()
	ing.stop()
	if ing.err != nil {
		b.Fatal(ing.err)
	}
	sched := (total.Seconds() - perEvent*float64(ingested)) / float64(b.N)
	cores := float64(runtime.NumCPU())
	b.ReportMetric(sched, "sched-cpu-s/cycle")
	b.ReportMetric(100*sched/(300*cores), "%machine-per-5min")
	b.ReportMetric(float64(slowest.Milliseconds()), "slowest-rule-ms")
	b.ReportMetric(wall.Seconds()/float64(b.N), "cycle-s")
	if rate > 0 {
		b.ReportMetric(float64(ingested)/wall.Seconds(), "ingested-ev/s")
		b.ReportMetric(ingestCPU, "ingest-only-cpu-s/s")
	}
	b.Logf("%d events stored at the start; slowest rule %s; %d cores", stored, slowName, int(cores))
}

// ingester appends synthetic events at a fixed rate until stopped.
type ingester struct {
	count  atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func startIngest(b *testing.B, env *env, rate int, from time.Time) *ingester {
	ctx, cancel := context.WithCancel(context.Background())
	ing := &ingester{cancel: cancel}
	if rate <= 0 {
		return ing
	}
	w, err := env.store.Workspace(testWS)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 5000
	sender := fmt.Sprintf("live-%d", time.Now().UnixNano())
	g := synthetic.New(synthetic.Options{Start: from, Step: time.Second / time.Duration(rate), Seed: 7})
	ing.wg.Add(1)
	go func() {
		defer ing.wg.Done()
		start := time.Now()
		for seq := uint64(1); ; seq++ {
			// Paced to the rate; when the store falls behind, batches go
			// back to back (the rate achieved is reported).
			due := start.Add(time.Duration(seq-1) * batch * time.Second / time.Duration(rate))
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(due)):
			}
			evs := make([]*event.Event, batch)
			for i := range evs {
				evs[i] = new(event.Event)
				g.Event((seq-1)*batch+uint64(i), evs[i])
			}
			if _, err := w.AppendEvents(ctx, sender, seq, evs, "bench"); err != nil {
				if ctx.Err() == nil {
					ing.err = err
				}
				return
			}
			ing.count.Add(batch)
		}
	}()
	return ing
}

func (i *ingester) stop() {
	i.once.Do(func() {
		i.cancel()
		i.wg.Wait()
	})
}
