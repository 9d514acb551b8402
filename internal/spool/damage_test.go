package spool

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The damage fixture: 12 records of 1000 bytes in 4 KiB segments, so
// exactly 4 records per segment: seqs 1-4, 5-8 and 9-12 (the newest), and
// records 1-2 acknowledged.
const (
	dmgRecordSize = 1000
	dmgRecords    = 12
	dmgPerSeg     = 4
	dmgAcked      = 2
)

func dmgPayload(seq uint64) []byte {
	b := bytes.Repeat([]byte{byte('a' + seq%26)}, dmgRecordSize)
	copy(b, fmt.Sprintf("seq=%d;", seq))
	return b
}

func dmgSegPath(dir string, n int) string { return segmentPath(dir, uint64(n*dmgPerSeg+1)) }

// dmgOffset is the offset of the record with seq in its segment.
func dmgOffset(seq uint64) int64 {
	return segmentHeaderSize + int64((seq-1)%dmgPerSeg)*(recordHeaderSize+dmgRecordSize)
}

func dmgSegOf(dir string, seq uint64) string { return dmgSegPath(dir, int((seq-1)/dmgPerSeg)) }

func dmgBuild(t *testing.T, dir string) {
	t.Helper()
	q := openQ(t, dir, testOptions())
	for s := uint64(1); s <= dmgRecords; s++ {
		if _, err := q.Append(dmgPayload(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := q.Stats().Segments; got != dmgRecords/dmgPerSeg {
		t.Fatalf("fixture has %d segments, want %d", got, dmgRecords/dmgPerSeg)
	}
	if err := q.Ack(dmgAcked); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
}

func patch(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	patch(t, path, off, []byte{b[off] ^ 0x40})
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func TestDamage(t *testing.T) {
	cursorPath := func(dir string) string { return filepath.Join(dir, cursorFileName) }
	cases := []struct {
		name    string
		damage  func(t *testing.T, dir string)
		corrupt bool     // Open must refuse with a *CorruptionError; Repair must fix it
		file    string   // the file the CorruptionError names (segment n as "seg<n>")
		want    []uint64 // records readable afterwards
		lost    uint64   // RepairReport.LostRecords
	}{
		{name: "intact", damage: func(*testing.T, string) {}, want: span(3, 12)},
		{
			name:   "torn last record of the newest segment",
			damage: func(t *testing.T, dir string) { truncate(t, dmgSegOf(dir, 12), dmgOffset(12)+500) },
			want:   span(3, 11),
		},
		{
			name:   "torn record header of the newest segment",
			damage: func(t *testing.T, dir string) { truncate(t, dmgSegOf(dir, 12), dmgOffset(12)+5) },
			want:   span(3, 11),
		},
		{
			name:   "torn header of the newest segment",
			damage: func(t *testing.T, dir string) { truncate(t, dmgSegPath(dir, 2), 11) },
			want:   span(3, 8),
		},
		{
			name:   "bad checksum in the middle of the newest segment",
			damage: func(t *testing.T, dir string) { flip(t, dmgSegOf(dir, 10), dmgOffset(10)+300) },
			want:   span(3, 9),
		},
		{
			name: "bad length in the newest segment",
			damage: func(t *testing.T, dir string) {
				patch(t, dmgSegOf(dir, 11), dmgOffset(11), []byte{0xff, 0xff, 0xff, 0x7f})
			},
			want: span(3, 10),
		},
		{
			name: "length pointing past the end of the newest segment",
			damage: func(t *testing.T, dir string) {
				patch(t, dmgSegOf(dir, 11), dmgOffset(11), []byte{0x00, 0x10, 0x00, 0x00})
			},
			want: span(3, 10),
		},
		{
			name: "zeroed tail after the newest segment",
			damage: func(t *testing.T, dir string) {
				f, _ := os.OpenFile(dmgSegPath(dir, 2), os.O_WRONLY|os.O_APPEND, 0)
				f.Write(make([]byte, 4096))
				f.Close()
			},
			want: span(3, 12),
		},
		{
			name: "garbage after the newest segment",
			damage: func(t *testing.T, dir string) {
				f, _ := os.OpenFile(dmgSegPath(dir, 2), os.O_WRONLY|os.O_APPEND, 0)
				f.Write([]byte("\x10\x00\x00\x00garbage-garbage-garbage"))
				f.Close()
			},
			want: span(3, 12),
		},
		{
			name:    "bad checksum in an older segment",
			damage:  func(t *testing.T, dir string) { flip(t, dmgSegOf(dir, 6), dmgOffset(6)+100) },
			corrupt: true, file: "seg1",
			want: append(span(3, 5), span(9, 12)...), lost: 3,
		},
		{
			name: "bad length in an older segment",
			damage: func(t *testing.T, dir string) {
				patch(t, dmgSegOf(dir, 4), dmgOffset(4), []byte{0xff, 0xff, 0xff, 0x7f})
			},
			corrupt: true, file: "seg0",
			want: append(span(3, 3), span(5, 12)...), lost: 1,
		},
		{
			name:    "torn record in an older segment",
			damage:  func(t *testing.T, dir string) { truncate(t, dmgSegOf(dir, 7), dmgOffset(7)+20) },
			corrupt: true, file: "seg1",
			want: append(span(3, 6), span(9, 12)...), lost: 2,
		},
		{
			name:    "bad header magic in an older segment",
			damage:  func(t *testing.T, dir string) { flip(t, dmgSegPath(dir, 1), 1) },
			corrupt: true, file: "seg1",
			want: span(3, 12), // the records still verify: the header is rewritten
		},
		{
			name:    "bad header of the newest segment with records after it",
			damage:  func(t *testing.T, dir string) { flip(t, dmgSegPath(dir, 2), 9) },
			corrupt: true, file: "seg2",
			want: span(3, 12),
		},
		{
			name: "segment file renamed onto the wrong sequence numbers",
			damage: func(t *testing.T, dir string) {
				os.Rename(dmgSegPath(dir, 1), segmentPath(dir, 3)) // overlaps segment 0
			},
			corrupt: true, file: segmentName(3),
			want: append(span(3, 4), span(9, 12)...), // records 5-8 cannot be trusted
		},
		{
			name:    "truncated cursor file",
			damage:  func(t *testing.T, dir string) { truncate(t, cursorPath(dir), 10) },
			corrupt: true, file: cursorFileName,
			want: span(1, 12), // rebuilt before the oldest record: 1-2 are read again
		},
		{
			name:    "cursor file with a bad checksum",
			damage:  func(t *testing.T, dir string) { flip(t, cursorPath(dir), 9) },
			corrupt: true, file: cursorFileName,
			want: span(1, 12),
		},
		{
			name:    "missing cursor file",
			damage:  func(t *testing.T, dir string) { os.Remove(cursorPath(dir)) },
			corrupt: true, file: cursorFileName,
			want: span(1, 12),
		},
		{
			name: "stale temp cursor file",
			damage: func(t *testing.T, dir string) {
				os.WriteFile(filepath.Join(dir, cursorTmpName), []byte("half a cursor"), 0o600)
			},
			want: span(3, 12),
		},
		{
			name: "missing middle segment",
			damage: func(t *testing.T, dir string) {
				os.Remove(dmgSegPath(dir, 1))
			},
			want: append(span(3, 4), span(9, 12)...), // opens; the gap is logged
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dmgBuild(t, dir)
			tc.damage(t, dir)
			q, err := Open(dir, testOptions())
			var ce *CorruptionError
			if tc.corrupt {
				if !errors.As(err, &ce) {
					t.Fatalf("Open: %v, want a *CorruptionError", err)
				}
				wantFile := tc.file
				if len(wantFile) == 4 && wantFile[:3] == "seg" {
					wantFile = filepath.Base(dmgSegPath(dir, int(wantFile[3]-'0')))
				}
				if ce.File != wantFile {
					t.Fatalf("CorruptionError names %s, want %s (%v)", ce.File, wantFile, ce)
				}
				rep, err := Repair(dir, testOptions())
				if err != nil {
					t.Fatalf("Repair: %v", err)
				}
				if rep.LostRecords != tc.lost {
					t.Fatalf("Repair lost %d records, want %d (%+v)", rep.LostRecords, tc.lost, rep)
				}
				if q, err = Open(dir, testOptions()); err != nil {
					t.Fatalf("Open after Repair: %v", err)
				}
			} else if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer q.Close()
			recs := readAll(t, q)
			if fmt.Sprint(seqs(recs)) != fmt.Sprint(tc.want) {
				t.Fatalf("records %v, want %v", seqs(recs), tc.want)
			}
			for _, r := range recs {
				if !bytes.Equal(r.Data, dmgPayload(r.Seq)) {
					t.Fatalf("record %d holds %.20q", r.Seq, r.Data)
				}
			}
			// The spool keeps working: the next record follows the last one.
			last, err := q.Append([]byte("after"))
			if err != nil {
				t.Fatal(err)
			}
			if wantLast := max(tc.want[len(tc.want)-1], dmgAcked) + 1; tc.want[len(tc.want)-1] == dmgRecords && last != wantLast {
				t.Fatalf("next seq %d, want %d", last, wantLast)
			}
		})
	}
}

func TestRepairOfHealthySpoolChangesNothing(t *testing.T) {
	dir := t.TempDir()
	dmgBuild(t, dir)
	rep, err := Repair(dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if rep.CursorRebuilt || rep.LostRecords != 0 || len(rep.Segments) != 0 {
		t.Fatalf("Repair of a healthy spool: %+v", rep)
	}
	q := openQ(t, dir, testOptions())
	defer q.Close()
	if got := seqs(readAll(t, q)); fmt.Sprint(got) != fmt.Sprint(span(3, 12)) {
		t.Fatalf("records %v", got)
	}
}

func TestLeftoverAcknowledgedSegmentIsDeleted(t *testing.T) {
	dir := t.TempDir()
	dmgBuild(t, dir)
	saved, err := os.ReadFile(dmgSegPath(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	q := openQ(t, dir, testOptions())
	if err := q.Ack(6); err != nil {
		t.Fatal(err)
	}
	q.Close()
	// As if the process died between the cursor write and the removal.
	if err := os.WriteFile(dmgSegPath(dir, 0), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	q = openQ(t, dir, testOptions())
	defer q.Close()
	if _, err := os.Stat(dmgSegPath(dir, 0)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("acknowledged segment still there: %v", err)
	}
	if got := seqs(readAll(t, q)); fmt.Sprint(got) != fmt.Sprint(span(7, 12)) {
		t.Fatalf("records %v", got)
	}
}
