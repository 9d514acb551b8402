package evtx

import (
	"context"
	"io"
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
	dir  string
	path string
	err  error
}

// TestMain removes the benchmark file built on demand.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchFile.dir != "" {
		os.RemoveAll(benchFile.dir)
	}
	os.Exit(code)
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
		benchFile.dir = dir
		benchFile.path = filepath.Join(dir, "big.evtx")
		_, benchFile.err = evtxbuild.BuildFile(benchFile.path, srcs, evtxbuild.Options{TargetBytes: int64(mb) << 20})
	})
	if benchFile.err != nil {
		b.Fatal(benchFile.err)
	}
	return benchFile.path
}

func benchRead[T any](b *testing.B, workers int, work func(evs []*event.Event) T, emit func(T) int) {
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
			func(_ int, evs []*event.Event, _ []Problem) T { return work(evs) },
			func(v T) error { events += emit(v); return nil })
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
			benchRead(b, w, func(evs []*event.Event) int { return len(evs) }, func(n int) int { return n })
		})
	}
}

// BenchmarkDecodeJSON adds what `wsec events --format jsonl` does: each
// worker encodes its chunk's events as JSON lines into a pooled buffer,
// and emit writes it out (to io.Discard) in file order.
func BenchmarkDecodeJSON(b *testing.B) {
	type lines struct {
		buf *[]byte
		n   int
	}
	pool := sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}
	for _, w := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(w), func(b *testing.B) {
			benchRead(b, w, func(evs []*event.Event) lines {
				buf := pool.Get().(*[]byte)
				out := (*buf)[:0]
				for _, e := range evs {
					out = e.AppendJSON(out)
					out = append(out, '\n')
				}
				*buf = out
				return lines{buf, len(evs)}
			}, func(l lines) int {
				io.Discard.Write(*l.buf)
				pool.Put(l.buf)
				return l.n
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
