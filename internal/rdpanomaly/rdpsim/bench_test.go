package rdpsim

import (
	"runtime"
	"testing"

	"wsec/internal/rdpanomaly"
)

// BenchmarkDetect10kUsers measures building the baseline and scoring the
// scored half of a 10,000-user, 60-day tenant: logons/s over all logons
// indexed and scored, and the heap the detector holds (bytes per 10,000
// users).
func BenchmarkDetect10kUsers(b *testing.B) {
	ds, err := Generate(Options{Users: 10000})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var heap uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		det := rdpanomaly.New(ds.Logons, rdpanomaly.Config{})
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		det.Detect(ds.Logons, ds.ScoredFrom, ds.End)
	}
	b.ReportMetric(float64(len(ds.Logons))*float64(b.N)/b.Elapsed().Seconds(), "logons/s")
	b.ReportMetric(float64(heap), "heap-bytes/10k-users")
	b.ReportMetric(float64(len(ds.Logons)), "logons")
}
