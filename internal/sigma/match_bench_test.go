//go:build unix

package sigma

import (
	"context"
	"syscall"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/logfile"
)

// BenchmarkMatchCorpus matches the events of the whole EVTX corpus (decoded
// once, before timing) against all SigmaHQ Windows rules that compile: the
// cost of matching alone, per event. It skips, saying so, without the
// shared corpus (../shared/corpus or $WSEC_CORPUS).
func BenchmarkMatchCorpus(b *testing.B) {
	rules, _, err := Load([]string{corpustest.Dir(b, "sigma-windows/rules")})
	if err != nil {
		b.Fatal(err)
	}
	rs := Compile(rules, Options{})
	files, err := logfile.Expand([]string{corpustest.Dir(b, "evtx")})
	if err != nil {
		b.Fatal(err)
	}
	var evs []*event.Event
	for _, f := range files {
		logfile.Read(context.Background(), f, logfile.Options{Workers: 1}, func(e []*event.Event) []*event.Event { return e },
			func(e []*event.Event) error { evs = append(evs, e...); return nil })
	}
	d := rs.NewDoc()
	hits := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		for _, e := range evs {
			d.Reset(e)
			rs.Match(d, func(Hit) { hits++ })
		}
	}
	cpu = cpuTime() - cpu
	n := float64(len(evs) * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/event")
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		for _, e := range evs {
			d.Reset(e)
			rs.Match(d, func(Hit) {})
		}
	}))/float64(len(evs)), "allocs/event")
}

// BenchmarkLoadCompile reads and compiles all SigmaHQ Windows rules: what
// every `wsec hunt` pays before its first event. cpu-ms/op counts all
// cores (both work in parallel).
func BenchmarkLoadCompile(b *testing.B) {
	dir := corpustest.Dir(b, "sigma-windows/rules")
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		rules, _, err := Load([]string{dir})
		if err != nil {
			b.Fatal(err)
		}
		Compile(rules, Options{})
	}
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time: on a machine shared
// with other work it varies less than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
