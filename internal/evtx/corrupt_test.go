package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"wsec/internal/event"
	"wsec/internal/evtx/evtxbuild"
)

// fixtureChunks builds one file from the four single-chunk fixtures and
// returns its bytes and the record count of each chunk (read from each
// fixture on its own).
func fixtureChunks(t *testing.T) ([]byte, []int) {
	t.Helper()
	srcs := []string{
		filepath.Join("testdata", "security-4648-4624.evtx"),
		filepath.Join("testdata", "sql-15457-classic-unnamed-binary.evtx"),
		filepath.Join("testdata", "capi2-chunk0-nested-userdata.evtx"),
		filepath.Join("testdata", "rdp-1149-forwarded-userdata.evtx"),
	}
	var per []int
	for _, s := range srcs {
		evs, probs, _ := readAll(t, s)
		if len(probs) != 0 {
			t.Fatalf("fixture %s reports problems: %v", s, probs)
		}
		per = append(per, len(evs))
	}
	out := filepath.Join(t.TempDir(), "four.evtx")
	if _, err := evtxbuild.BuildFile(out, srcs, evtxbuild.Options{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b, per
}

// recordSpans lists [start, end) file offsets of the records of chunk i,
// walking the size fields.
func recordSpans(b []byte, i int) [][2]int {
	base := FileHeaderSize + i*ChunkSize
	free := int(binary.LittleEndian.Uint32(b[base+48:]))
	var out [][2]int
	for off := chunkHeaderSize; off < free; {
		size := int(binary.LittleEndian.Uint32(b[base+off+4:]))
		out = append(out, [2]int{base + off, base + off + size})
		off += size
	}
	return out
}

func readBytes(t *testing.T, b []byte, opts Options) ([]*event.Event, map[ProblemKind]int, Stats, error) {
	t.Helper()
	kinds := map[ProblemKind]int{}
	opts.OnProblem = func(p Problem) { kinds[p.Kind]++ }
	f, err := NewReader(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		return nil, kinds, Stats{}, err
	}
	var evs []*event.Event
	st, err := f.Events(context.Background(), func(e *event.Event) error { evs = append(evs, e); return nil })
	return evs, kinds, st, err
}

// TestCorruption damages a four-chunk file in specific ways and asserts
// exactly which records survive and what is reported.
func TestCorruption(t *testing.T) {
	base, per := fixtureChunks(t)
	total := per[0] + per[1] + per[2] + per[3]
	if per[2] < 3 || per[3] < 8 {
		t.Fatalf("fixtures too small for the cases: %v", per)
	}
	chunk := func(i int) int { return FileHeaderSize + i*ChunkSize }
	rec2 := recordSpans(base, 2)
	rec3 := recordSpans(base, 3)
	cases := []struct {
		name    string
		damage  func(b []byte) []byte
		recover bool
		want    int
		probs   map[ProblemKind]int
		stats   func(Stats) bool
	}{
		{name: "intact", damage: func(b []byte) []byte { return b }, want: total, probs: map[ProblemKind]int{}},
		{name: "file header checksum flipped", damage: func(b []byte) []byte { b[124] ^= 0xff; return b },
			want: total, probs: map[ProblemKind]int{ProblemFileHeader: 1}},
		{name: "chunk 1 header checksum flipped", damage: func(b []byte) []byte { b[chunk(1)+124] ^= 1; return b },
			want: total, probs: map[ProblemKind]int{ProblemChunkChecksum: 1},
			stats: func(s Stats) bool { return s.SuspectChunks == 1 && s.Recovered == per[1] }},
		{name: "chunk 2 records checksum flipped", damage: func(b []byte) []byte { b[chunk(2)+52] ^= 0x80; return b },
			want: total, probs: map[ProblemKind]int{ProblemChunkChecksum: 1},
			stats: func(s Stats) bool { return s.Recovered == per[2] }},
		{name: "chunk 2 zero-filled", damage: func(b []byte) []byte { clear(b[chunk(2):chunk(3)]); return b },
			want: total - per[2], probs: map[ProblemKind]int{ProblemChunkSkipped: 1},
			stats: func(s Stats) bool { return s.BadChunks == 1 }},
		{name: "chunk 0 bad signature", damage: func(b []byte) []byte { b[chunk(0)+3] = 'X'; return b },
			want: total - per[0], probs: map[ProblemKind]int{ProblemChunkSkipped: 1}},
		{name: "truncated after 6 records of chunk 3", damage: func(b []byte) []byte { return b[:rec3[5][1]+100] },
			want: per[0] + per[1] + per[2] + 6, probs: map[ProblemKind]int{ProblemChunkChecksum: 1, ProblemRecordSkipped: 1}},
		{name: "truncated inside chunk 3 header", damage: func(b []byte) []byte { return b[:chunk(3)+300] },
			want: per[0] + per[1] + per[2], probs: map[ProblemKind]int{}},
		{name: "record 2 of chunk 2 with a bad size", damage: func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[rec2[1][0]+4:], 0xfff0)
			return b
		}, want: total - (per[2] - 1), probs: map[ProblemKind]int{ProblemChunkChecksum: 1, ProblemRecordSkipped: 1}},
		{name: "record 2 of chunk 2 with a bad size, recover", recover: true, damage: func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[rec2[1][0]+4:], 0xfff0)
			return b
		}, want: total - 1, probs: map[ProblemKind]int{ProblemChunkChecksum: 1, ProblemRecordSkipped: 1}},
		{name: "record 2 of chunk 2 with a bad signature, recover", recover: true, damage: func(b []byte) []byte {
			b[rec2[1][0]] = 0
			return b
		}, want: total - 1, probs: map[ProblemKind]int{ProblemChunkChecksum: 1, ProblemRecordSkipped: 1}},
		{name: "record 3 of chunk 3 with a torn trailer", damage: func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[rec3[2][1]-4:], 0)
			return b
		}, want: total, probs: map[ProblemKind]int{ProblemChunkChecksum: 1, ProblemRecordSuspect: 1},
			stats: func(s Stats) bool { return s.Suspect == 1 }},
		{name: "record 4 of chunk 3 with broken binary XML", damage: func(b []byte) []byte {
			b[rec3[3][0]+recordHeaderSize] = 0xee // first token of the record
			return b
		}, want: total - 1, probs: map[ProblemKind]int{ProblemChunkChecksum: 1, ProblemRecordSkipped: 1},
			stats: func(s Stats) bool { return s.Skipped == 1 }},
		{name: "free space offset past the chunk", damage: func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[chunk(3)+48:], 0x20000)
			return b
			// Records are read to the first non-record bytes after them.
		}, want: total, probs: map[ProblemKind]int{ProblemChunkChecksum: 1, ProblemRecordSkipped: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.damage(bytes.Clone(base))
			for _, workers := range []int{1, 3} {
				evs, kinds, st, err := readBytes(t, b, Options{Workers: workers, Recover: c.recover})
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) != c.want || st.Records != c.want {
					t.Errorf("workers %d: %d records survive (stats %d), want %d", workers, len(evs), st.Records, c.want)
				}
				if len(kinds) != len(c.probs) {
					t.Errorf("workers %d: problems %v, want %v", workers, kinds, c.probs)
				}
				for k, n := range c.probs {
					if kinds[k] != n {
						t.Errorf("workers %d: %d %q problems, want %d (all: %v)", workers, kinds[k], k, n, kinds)
					}
				}
				if c.stats != nil && !c.stats(st) {
					t.Errorf("workers %d: stats %+v", workers, st)
				}
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	base, _ := fixtureChunks(t)
	f := func(name string, b []byte) {
		t.Helper()
		if _, err := NewReader(bytes.NewReader(b), int64(len(b)), Options{}); !errors.Is(err, ErrNotEVTX) {
			t.Errorf("%s: err %v, want ErrNotEVTX", name, err)
		}
	}
	f("empty", nil)
	f("half a header", base[:100])
	bad := bytes.Clone(base)
	bad[0] = 'X'
	f("bad signature", bad)
	if _, err := Open(filepath.Join(t.TempDir(), "missing.evtx"), Options{}); err == nil {
		t.Error("opening a missing file succeeded")
	}
}
