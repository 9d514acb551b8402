package hunt

import (
	"context"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/logfile"
	"wsec/internal/sigma"
)

// BenchmarkHuntCorpus runs all SigmaHQ Windows rules that compile over the
// whole EVTX corpus (about 550 files), reporting events/s and MB/s.
func BenchmarkHuntCorpus(b *testing.B) {
	rulesDir := corpustest.Dir(b, "sigma-windows/rules")
	evtxDir := corpustest.Dir(b, "evtx")
	rules, _, err := sigma.Load([]string{rulesDir})
	if err != nil {
		b.Fatal(err)
	}
	rs := sigma.Compile(rules, sigma.Options{})
	files, err := logfile.Expand([]string{evtxDir})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var events, bytes int64
	for b.Loop() {
		sum, err := Run(context.Background(), rs, files, Options{}, func(Finding) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		events += sum.Events
		bytes += sum.Bytes
	}
	b.SetBytes(bytes / int64(b.N))
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
