package evtx

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/evtx/evtxbuild"
)

// The benchmarks read one large file assembled by evtxbuild from every
// intact chunk of the corpus' EVTX logs (real events of ~600 providers,
// Security-heavy), repeated up to WSEC_BENCH_MB megabytes (default 256).
// Record ids repeat across chunks, which readers do not care about.

var benchFile struct {
	once sync.Once
	path string
	err  error
}

func bigFile(b *testing.B) string {
	b.Helper()
	root := corpustest.Dir(b, "evtx")
	benchFile.once.Do(func() {
		mb := 256
		if s := os.Getenv("WSEC_BENCH_MB"); s != "" {
			mb, _ = strconv.Atoi(s)
		}
		srcs, err := evtxbuild.Sources(root)
		if err != nil {
			benchFile.err = err
			return
		}
		dir, err := os.MkdirTemp("", "evtxbench")
		if err != nil {
			benchFile.err = err
			return
		}
		benchFile.path = filepath.Join(dir, "big.evtx")
		_, benchFile.err = evtxbuild.BuildFile(benchFile.path, srcs, evtxbuild.Options{TargetBytes: int64(mb) << 20})
	})
	if benchFile.err != nil {
		b.Fatal(benchFile.err)
	}
	return benchFile.path
}

func benchRead(b *testing.B, workers int, work func(evs []*event.Event) int) {
	path := bigFile(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(st.Size())
	events := 0
	for b.Loop() {
		f, err := Open(path, Options{Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		_, err = Process(context.Background(), f, workers,
			func(_ int, evs []*event.Event, _ []Problem) int { return work(evs) },
			func(n int) error { events += n; return nil })
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecode measures decoding to event.Event only.
func BenchmarkDecode(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(w), func(b *testing.B) {
			benchRead(b, w, func(evs []*event.Event) int { return len(evs) })
		})
	}
}

// BenchmarkDecodeJSON adds what `wsec events --format jsonl` does per
// event in the workers: encode it as a JSON line.
func BenchmarkDecodeJSON(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(w), func(b *testing.B) {
			benchRead(b, w, func(evs []*event.Event) int {
				var buf []byte
				for _, e := range evs {
					buf = e.AppendJSON(buf)
					buf = append(buf, '\n')
				}
				return len(evs)
			})
		})
	}
}

// BenchmarkChunk decodes one Security chunk over and over (for profiles).
func BenchmarkChunk(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "security-4648-4624.evtx"))
	if err != nil {
		b.Fatal(err)
	}
	data := raw[FileHeaderSize : FileHeaderSize+ChunkSize]
	d := newDecoder(&Options{})
	b.ReportAllocs()
	b.SetBytes(ChunkSize)
	events := 0
	for b.Loop() {
		events += len(d.decodeChunk(0, FileHeaderSize, data, ChunkSize, true).events)
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
