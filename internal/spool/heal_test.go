package spool

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"wsec/internal/diskspace/diskspacetest"
)

// checkSurvives asserts that q holds exactly want (the payloads of the
// records appended, in order), read from q and again after reopening.
func checkSurvives(t *testing.T, q *Queue, dir string, o Options, want [][]byte) {
	t.Helper()
	check := func(q *Queue, when string) {
		got := readAll(t, q)
		if len(got) != len(want) {
			t.Fatalf("%s: %d records, want %d", when, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i].Data, want[i]) || i > 0 && got[i].Seq != got[i-1].Seq+1 {
				t.Fatalf("%s: record %d (seq %d) = %.20q, want %.20q", when, i, got[i].Seq, got[i].Data, want[i])
			}
		}
	}
	check(q, "before reopening")
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q2, err := Open(dir, o)
	if err != nil {
		t.Fatalf("reopen after the failure: %v", err)
	}
	defer q2.Close()
	check(q2, "after reopening")
}

// TestAppendRecoversFromFailedSegmentCreation: a write failure (here a
// segment file that cannot be created) refuses appends only while its
// cause lasts; it used to refuse them until the spool was reopened.
func TestAppendRecoversFromFailedSegmentCreation(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	q := openQ(t, dir, o)
	var want [][]byte
	for i := range 3 {
		if _, err := q.Append(payload(i)); err != nil {
			t.Fatal(err)
		}
		want = append(want, payload(i))
	}
	// The next record does not fit the current segment, so Append must
	// create segment q.next, whose name is taken by a non-empty directory.
	big := bytes.Repeat([]byte("B"), MinSegmentBytes)
	blocker := segmentPath(dir, q.Stats().LastSeq+1)
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := q.Append(big); err == nil {
			t.Fatal("Append succeeded although its segment cannot be created")
		}
	}
	if err := os.Remove(filepath.Join(blocker, "x")); err != nil { // the cause goes away
		t.Fatal(err)
	}
	if _, err := q.Append(big); err != nil {
		t.Fatalf("Append once the cause is gone: %v", err)
	}
	want = append(want, big)
	if _, err := q.Append(payload(3)); err != nil {
		t.Fatal(err)
	}
	want = append(want, payload(3))
	checkSurvives(t, q, dir, o, want)
}

// TestAppendKeepsFreeSpaceReserve: the spool refuses to take the disk's
// last MinFreeBytes (nothing written, ErrDiskFull), so acknowledging, which
// writes the cursor and frees segments, still works; appends resume when
// there is room again.
func TestAppendKeepsFreeSpaceReserve(t *testing.T) {
	dir := t.TempDir()
	var free atomic.Int64
	free.Store(1 << 30)
	o := testOptions()
	o.MinFreeBytes = 1 << 20
	o.FreeSpace = func(string) (int64, error) { return free.Load(), nil }
	q := openQ(t, dir, o)
	defer q.Close()
	last, err := q.Append(payload(0), payload(1))
	if err != nil {
		t.Fatal(err)
	}
	free.Store(1<<20 + 10) // a record would eat into the reserve
	before := q.Stats()
	if _, err := q.Append(payload(2)); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("Append into the reserve: %v, want ErrDiskFull", err)
	}
	if err := q.Writable(); !errors.Is(err, ErrDiskFull) {
		t.Errorf("Writable with the disk at the reserve: %v, want ErrDiskFull", err)
	}
	if after := q.Stats(); after != before {
		t.Errorf("a refused Append changed the spool: %+v -> %+v", before, after)
	}
	if err := q.Ack(last); err != nil {
		t.Fatalf("Ack with the disk at the reserve: %v", err)
	}
	free.Store(1 << 30)
	if err := q.Writable(); err != nil {
		t.Errorf("Writable with room again: %v", err)
	}
	if _, err := q.Append(payload(2)); err != nil {
		t.Fatalf("Append with room again: %v", err)
	}
	if got := readAll(t, q); len(got) != 1 || !bytes.Equal(got[0].Data, payload(2)) {
		t.Errorf("after the reserve: %d records", len(got))
	}
}

// TestAppendRecoversFromRealDiskFull fills a real filesystem (a tmpfs; root
// only) until a write fails with ENOSPC, then frees space: appends resume
// without reopening, and what was accepted before and after is intact.
func TestAppendRecoversFromRealDiskFull(t *testing.T) {
	mnt := diskspacetest.Tmpfs(t, "2m")
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(mnt, "spool")
	o := Options{SegmentBytes: 64 << 10, MaxBytes: 64 << 20, InitialSeq: 1, MinFreeBytes: -1}
	q := openQ(t, dir, o)
	var want [][]byte
	var werr error
	for i := 0; werr == nil; i++ {
		if i > 10000 {
			t.Fatal("2 MiB tmpfs never filled up")
		}
		if _, werr = q.Append(payload(i)); werr == nil {
			want = append(want, payload(i))
		}
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("Append on a full disk: %v, want ENOSPC", werr)
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := q.Append(payload(i)); err != nil {
			t.Fatalf("Append %d after space returned: %v", i, err)
		}
		want = append(want, payload(i))
	}
	checkSurvives(t, q, dir, o, want)
}

// TestReserveLetsAcknowledgeFreeRealDisk: with the reserve on, filling a
// real small filesystem ends in ErrDiskFull (not a failed write), and
// acknowledging still frees the segments so appends resume.
func TestReserveLetsAcknowledgeFreeRealDisk(t *testing.T) {
	mnt := diskspacetest.Tmpfs(t, "4m")
	dir := filepath.Join(mnt, "spool")
	o := Options{SegmentBytes: 64 << 10, MaxBytes: 64 << 20, InitialSeq: 1, MinFreeBytes: 1 << 20}
	q := openQ(t, dir, o)
	defer q.Close()
	var last uint64
	var err error
	for i := 0; ; i++ {
		if i > 100000 {
			t.Fatal("4 MiB tmpfs never filled up")
		}
		var l uint64
		if l, err = q.Append(payload(i)); err != nil {
			break
		}
		last = l
	}
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("filling the disk: %v, want ErrDiskFull", err)
	}
	if err := q.Ack(last); err != nil {
		t.Fatalf("Ack with the disk at the reserve: %v", err)
	}
	if _, err := q.Append(payload(0)); err != nil {
		t.Fatalf("Append after acknowledging everything: %v", err)
	}
}
