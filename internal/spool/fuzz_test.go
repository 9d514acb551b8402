package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzSpoolRecover writes the input as a spool file and opens the spool.
// The first byte chooses which file it becomes:
//
//	0: the only segment (the newest: damage is a torn tail)
//	1: an older segment, followed by a valid newest segment
//	2: the cursor file, beside a valid segment
//
// Open must never panic. If it reports a *CorruptionError, Repair must
// succeed and Open must then succeed; the opened spool must read to its end
// and take a new record.
func FuzzSpoolRecover(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		dir := t.TempDir()
		mode, data := in[0]%3, in[1:]
		o := Options{SegmentBytes: MinSegmentBytes, MaxBytes: 1 << 20, InitialSeq: 1, skipFsync: true}
		switch mode {
		case 0:
			writeFile(t, dir, segmentName(1), data)
			writeFile(t, dir, cursorFileName, cursor{acked: 0}.marshal())
		case 1:
			writeFile(t, dir, segmentName(1), data)
			writeFile(t, dir, segmentName(1000), validSegment(1000, 3))
			writeFile(t, dir, cursorFileName, cursor{acked: 0}.marshal())
		case 2:
			writeFile(t, dir, segmentName(1), validSegment(1, 3))
			writeFile(t, dir, cursorFileName, data)
		}
		q, err := Open(dir, o)
		if err != nil {
			var ce *CorruptionError
			if !errors.As(err, &ce) {
				t.Fatalf("Open: %v (not a CorruptionError)", err)
			}
			if _, err := Repair(dir, o); err != nil {
				t.Fatalf("Repair after %v: %v", ce, err)
			}
			if q, err = Open(dir, o); err != nil {
				t.Fatalf("Open after Repair: %v", err)
			}
		}
		defer q.Close()
		var from uint64
		for n := 0; ; n++ {
			recs, err := q.ReadFrom(from, 100, 1<<20)
			if err != nil {
				t.Fatalf("ReadFrom: %v", err)
			}
			if len(recs) == 0 {
				break
			}
			for _, r := range recs {
				if r.Seq < from {
					t.Fatalf("record %d read after asking from %d", r.Seq, from)
				}
				from = r.Seq + 1
			}
			if n > 1<<16 {
				t.Fatal("reading does not end")
			}
		}
		last, err := q.Append([]byte("new"))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		if last < from {
			t.Fatalf("new record got seq %d, not after the last read %d", last, from-1)
		}
		if err := q.Ack(last); err != nil {
			t.Fatalf("Ack: %v", err)
		}
	})
}

func writeFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// validSegment is a segment file holding n records starting at first.
func validSegment(first uint64, n int) []byte {
	b := appendSegmentHeader(nil, first)
	for i := 0; i < n; i++ {
		b = appendRecord(b, first+uint64(i), fmt.Appendf(nil, "record %d", first+uint64(i)))
	}
	return b
}

// fuzzSeeds are the in-code seeds; testdata/fuzz/FuzzSpoolRecover holds
// more (written by TestWriteFuzzSeeds) and any crashers found.
func fuzzSeeds(tb testing.TB) [][]byte {
	seg := validSegment(1, 5)
	torn := seg[:len(seg)-3]
	badCRC := append([]byte(nil), seg...)
	badCRC[segmentHeaderSize+recordHeaderSize+2] ^= 1
	return [][]byte{
		append([]byte{0}, seg...),
		append([]byte{0}, torn...),
		append([]byte{0}, badCRC...),
		append([]byte{1}, seg...),
		append([]byte{1}, torn...),
		append([]byte{1}, badCRC...),
		append([]byte{1}, seg[:segmentHeaderSize-1]...),
		append([]byte{2}, cursor{acked: 2, state: []byte("state")}.marshal()...),
		append([]byte{2}, cursor{acked: 2}.marshal()[:10]...),
		{0},
		{1},
		{2},
	}
}

// TestWriteFuzzSeeds writes the seeds to testdata/fuzz in the go test fuzz
// format when WSEC_WRITE_FUZZ_SEEDS is set.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("WSEC_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set WSEC_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz/FuzzSpoolRecover/seed-*")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzSpoolRecover")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
