package evtx

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"wsec/internal/event"
)

// FuzzEVTXChunk decodes arbitrary bytes as a chunk: it must never panic or
// hang, and what it reports must be consistent. Seeds are in
// testdata/fuzz/FuzzEVTXChunk: the first 6 KiB (header, templates and the
// first records) of each fixture's chunk; whole 64 KiB seeds stall Go's
// fuzzing engine.
func FuzzEVTXChunk(f *testing.F) {
	f.Add([]byte("ElfChnk\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > ChunkSize {
			in = in[:ChunkSize]
		}
		data := make([]byte, ChunkSize)
		n := copy(data, in)
		d := newDecoder(&Options{Recover: len(in)%2 == 1})
		res := d.decodeChunk(0, FileHeaderSize, data, n, true)
		if res.stats.Records != len(res.events) {
			t.Fatalf("stats say %d records, %d delivered", res.stats.Records, len(res.events))
		}
		for _, p := range res.problems {
			if p.Err == nil {
				t.Fatalf("problem without cause: %+v", p)
			}
		}
		var buf []byte
		for _, e := range res.events {
			if len(e.Data) > maxFieldsPerEvent {
				t.Fatalf("%d fields past the limit", len(e.Data))
			}
			buf = e.AppendJSON(buf[:0])
		}
	})
}

// FuzzFile reads arbitrary bytes as a whole file (seeds: the file header
// and first 4 KiB of two fixtures, in testdata/fuzz/FuzzFile).
func FuzzFile(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "sql-15457-classic-unnamed-binary.evtx"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[:200])
	f.Fuzz(func(t *testing.T, in []byte) {
		file, err := NewReader(bytes.NewReader(in), int64(len(in)), Options{Workers: 2})
		if err != nil {
			return
		}
		n := 0
		st, err := file.Events(context.Background(), func(*event.Event) error { n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if st.Records != n {
			t.Fatalf("stats say %d records, %d delivered", st.Records, n)
		}
	})
}
