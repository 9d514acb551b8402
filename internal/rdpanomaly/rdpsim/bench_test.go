//go:build unix

package rdpsim

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"wsec/internal/rdpanomaly"
)

// BenchmarkDetect10kUsers measures building the baseline and scoring the
// scored half of a 10,000-user, 60-day tenant: logons/s over all logons
// indexed and scored, and the heap the detector holds (bytes per 10,000
// users). cpu-logons/s divides by the process's CPU time, which a
// machine shared with other work does not inflate as it does wall time.
func BenchmarkDetect10kUsers(b *testing.B) {
	ds, err := Generate(Options{Users: 10000})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var heap uint64
	cpu0 := cpuTime()
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
	b.ReportMetric(float64(len(ds.Logons))*float64(b.N)/(cpuTime()-cpu0).Seconds(), "cpu-logons/s")
	b.ReportMetric(float64(heap), "heap-bytes/10k-users")
	b.ReportMetric(float64(len(ds.Logons)), "logons")
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
