package sigma

import (
	"context"
	"testing"

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
	for b.Loop() {
		for _, e := range evs {
			d.Reset(e)
			rs.Match(d, func(Hit) { hits++ })
		}
	}
	n := float64(len(evs) * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		for _, e := range evs {
			d.Reset(e)
			rs.Match(d, func(Hit) {})
		}
	}))/float64(len(evs)), "allocs/event")
}

// BenchmarkLoadCompile reads and compiles all SigmaHQ Windows rules: what
// every `wsec hunt` pays before its first event.
func BenchmarkLoadCompile(b *testing.B) {
	dir := corpustest.Dir(b, "sigma-windows/rules")
	b.ReportAllocs()
	for b.Loop() {
		rules, _, err := Load([]string{dir})
		if err != nil {
			b.Fatal(err)
		}
		Compile(rules, Options{})
	}
}
