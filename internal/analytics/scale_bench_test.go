package analytics

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"wsec/internal/analytics/pack"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScheduler100Rules: 100 scheduled rules every 5 minutes (the
// pack's rules, cloned under distinct IDs with queryFrequency =
// queryPeriod = 5m) over a workspace of $WSEC_BENCH_EVENTS synthetic
// events (default 1,000,000) spread over 24 hours. An iteration is one
// scheduler cycle: the 5-minute window ending at the data's end, for every
// rule. It reports the cycle's CPU time, the share of the machine's cores
// one cycle every 5 minutes takes, and the slowest rule's time.
func BenchmarkScheduler100Rules(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("WSEC_BENCH_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("WSEC_BENCH_EVENTS=%q: %v", s, err)
		}
	}
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	end := t0.Add(24 * time.Hour)
	env := newEnv(b, b.TempDir(), end.Add(5*time.Minute))
	env.synthetic(b, t0, 24*time.Hour/time.Duration(n), n, nil)
	ctx := context.Background()
	eng := env.engine(b, nil)
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
	var slowest time.Duration
	var slowName string
	b.ResetTimer()
	cpu0 := cpuTime()
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
	cpu := (cpuTime() - cpu0) / time.Duration(b.N)
	b.StopTimer()
	cores := float64(runtime.NumCPU())
	b.ReportMetric(cpu.Seconds(), "cpu-s/cycle")
	b.ReportMetric(100*cpu.Seconds()/(300*cores), "%machine-per-5min")
	b.ReportMetric(float64(slowest.Milliseconds()), "slowest-rule-ms")
	b.Logf("%d events; slowest rule %s", n, slowName)
}
