//go:build unix

package sigma

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// BenchmarkReadRules reads the SigmaHQ Windows rule files into nodes on one
// core, with fastYAML (falling back as Parse does) and with yaml.v3 alone:
// the reference sits in the same run.
func BenchmarkReadRules(b *testing.B) {
	dir := corpustest.Dir(b, "sigma-windows/rules")
	var files [][]byte
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".yml") {
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			files = append(files, data)
		}
		return nil
	})
	read := map[string]func([]byte) error{
		"fastYAML": func(data []byte) error {
			if _, ok := fastYAML(data); !ok {
				_, err := v3Roots(data)
				return err
			}
			return nil
		},
		"yaml.v3": func(data []byte) error {
			_, err := v3Roots(data)
			return err
		},
	}
	for _, name := range []string{"fastYAML", "yaml.v3"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				for _, data := range files {
					if err := read[name](data); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
