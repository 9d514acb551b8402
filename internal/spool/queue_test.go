package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// payload is record i's content: its own identity plus a size that varies
// so that records straddle window and segment boundaries.
func payload(i int) []byte {
	b := fmt.Appendf(nil, "record-%06d|", i)
	return append(b, bytes.Repeat([]byte{byte('a' + i%26)}, (i*37)%700)...)
}

func testOptions() Options {
	return Options{SegmentBytes: MinSegmentBytes, MaxBytes: 64 << 20, InitialSeq: 1}
}

func openQ(t *testing.T, dir string, o Options) *Queue {
	t.Helper()
	q, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return q
}

func appendN(t *testing.T, q *Queue, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if _, err := q.Append(payload(i)); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
}

// readAll reads every unacknowledged record.
func readAll(t *testing.T, q *Queue) []Record {
	t.Helper()
	var out []Record
	from := uint64(0)
	for {
		recs, err := q.ReadFrom(from, 7, 3000)
		if err != nil {
			t.Fatalf("ReadFrom %d: %v", from, err)
		}
		if len(recs) == 0 {
			return out
		}
		out = append(out, recs...)
		from = recs[len(recs)-1].Seq + 1
	}
}

// checkRecords asserts that recs are exactly the records whose seq is in
// want, with seq i holding payload(i-1).
func checkRecords(t *testing.T, recs []Record, want []uint64) {
	t.Helper()
	if len(recs) != len(want) {
		t.Fatalf("got %d records %v, want %d %v", len(recs), seqs(recs), len(want), want)
	}
	for i, r := range recs {
		if r.Seq != want[i] {
			t.Fatalf("record %d: seq %d, want %d (got %v)", i, r.Seq, want[i], seqs(recs))
		}
		if !bytes.Equal(r.Data, payload(int(r.Seq-1))) {
			t.Fatalf("record seq %d: data %.30q, want %.30q", r.Seq, r.Data, payload(int(r.Seq-1)))
		}
	}
}

func seqs(recs []Record) []uint64 {
	s := make([]uint64, len(recs))
	for i, r := range recs {
		s[i] = r.Seq
	}
	return s
}

func span(lo, hi uint64) []uint64 {
	var s []uint64
	for i := lo; i <= hi; i++ {
		s = append(s, i)
	}
	return s
}

func TestAppendReadAckReopen(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, dir, testOptions())
	appendN(t, q, 0, 300)
	checkRecords(t, readAll(t, q), span(1, 300))
	if st := q.Stats(); st.Segments < 10 || st.DepthRecords != 300 {
		t.Fatalf("stats %+v: want >= 10 segments and 300 records deep", st)
	}
	// Reading does not move the cursor.
	recs, err := q.Read(5, 1<<20)
	if err != nil || len(recs) != 5 || recs[0].Seq != 1 {
		t.Fatalf("Read again: %v %v", seqs(recs), err)
	}
	if err := q.Ack(120); err != nil {
		t.Fatal(err)
	}
	segsAfterAck := q.Stats().Segments
	checkRecords(t, readAll(t, q), span(121, 300))
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = openQ(t, dir, testOptions())
	defer q.Close()
	if got := q.Acked(); got != 120 {
		t.Fatalf("Acked after reopen = %d, want 120", got)
	}
	if got := q.Stats().Segments; got != segsAfterAck {
		t.Fatalf("segments after reopen = %d, want %d", got, segsAfterAck)
	}
	checkRecords(t, readAll(t, q), span(121, 300))
	// Sequence numbers continue.
	last, err := q.Append(payload(300))
	if err != nil || last != 301 {
		t.Fatalf("Append after reopen = %d, %v; want 301", last, err)
	}
	// Acknowledge everything: all but the newest segment go.
	if err := q.Ack(301); err != nil {
		t.Fatal(err)
	}
	if st := q.Stats(); st.Segments != 1 || st.DepthRecords != 0 || st.DepthBytes != 0 {
		t.Fatalf("stats after acking all: %+v", st)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
	if len(files) != 1 {
		t.Fatalf("segment files after acking all: %v", files)
	}
}

// TestAckKeepsTheNextRecord acknowledges one record at a time across many
// segment boundaries: the first unacknowledged record is always readable,
// also after a reopen, however close the cursor is to a segment's end.
func TestAckKeepsTheNextRecord(t *testing.T) {
	const n = 120
	dir := t.TempDir()
	q := openQ(t, dir, testOptions())
	appendN(t, q, 0, n)
	if st := q.Stats(); st.Segments < 4 {
		t.Fatalf("stats %+v: want records spread over several segments", st)
	}
	for k := uint64(1); k < n; k++ {
		if err := q.Ack(k); err != nil {
			t.Fatal(err)
		}
		recs, err := q.ReadFrom(0, 1, 1)
		if err != nil {
			t.Fatalf("ReadFrom after Ack(%d): %v", k, err)
		}
		checkRecords(t, recs, []uint64{k + 1})
		var wantBytes int64
		for i := k; i < n; i++ {
			wantBytes += int64(recordHeaderSize + len(payload(int(i))))
		}
		if st := q.Stats(); st.DepthRecords != n-k || st.DepthBytes != wantBytes {
			t.Fatalf("after Ack(%d): depth %d records, %d bytes; want %d, %d", k, st.DepthRecords, st.DepthBytes, n-k, wantBytes)
		}
		if k%10 == 9 {
			if err := q.Close(); err != nil {
				t.Fatal(err)
			}
			q = openQ(t, dir, testOptions())
			checkRecords(t, readAll(t, q), span(k+1, n))
		}
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReopenAfterAckingEverything(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, dir, testOptions())
	appendN(t, q, 0, 50)
	if err := q.Ack(50); err != nil {
		t.Fatal(err)
	}
	q.Close()
	// Even with every segment file gone, numbering continues from the cursor.
	files, _ := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
	for _, f := range files {
		os.Remove(f)
	}
	q = openQ(t, dir, testOptions())
	defer q.Close()
	if last, err := q.Append(payload(50)); err != nil || last != 51 {
		t.Fatalf("Append = %d, %v; want 51", last, err)
	}
}

func TestInitialSeqDefaultsToClock(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	q := openQ(t, t.TempDir(), Options{Now: func() time.Time { return at }})
	defer q.Close()
	last, err := q.Append([]byte("x"))
	if err != nil || last != uint64(at.UnixMicro()) {
		t.Fatalf("first seq = %d, %v; want %d", last, err, at.UnixMicro())
	}
}

func TestAckErrors(t *testing.T) {
	q := openQ(t, t.TempDir(), testOptions())
	defer q.Close()
	appendN(t, q, 0, 10)
	if err := q.Ack(11); err == nil {
		t.Fatal("Ack past the newest record succeeded")
	}
	if err := q.Ack(5); err != nil {
		t.Fatal(err)
	}
	if err := q.Ack(4); err == nil {
		t.Fatal("Ack moving the cursor back succeeded")
	}
	if err := q.Ack(5); err != nil {
		t.Fatalf("re-Ack of the cursor: %v", err)
	}
	if err := q.AckState(5, make([]byte, MaxStateBytes+1)); err == nil {
		t.Fatal("oversized state accepted")
	}
}

func TestAckStatePersists(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, dir, testOptions())
	appendN(t, q, 0, 10)
	if err := q.AckState(3, []byte("inflight 4..9")); err != nil {
		t.Fatal(err)
	}
	if err := q.Ack(4); err != nil { // keeps the state
		t.Fatal(err)
	}
	q.Close()
	q = openQ(t, dir, testOptions())
	defer q.Close()
	if got := string(q.State()); got != "inflight 4..9" {
		t.Fatalf("State after reopen = %q", got)
	}
	if q.Acked() != 4 {
		t.Fatalf("Acked = %d", q.Acked())
	}
}

// TestAckStateSizeLimit: a state of MaxStateBytes is stored with its ack;
// one byte more is refused and moves nothing.
func TestAckStateSizeLimit(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, dir, testOptions())
	appendN(t, q, 0, 10)
	full := bytes.Repeat([]byte{'s'}, MaxStateBytes)
	if err := q.AckState(5, append(full, 's')); err == nil {
		t.Fatal("AckState with a state over MaxStateBytes succeeded")
	}
	if q.Acked() != 0 {
		t.Fatalf("a refused AckState moved the cursor to %d", q.Acked())
	}
	if err := q.AckState(5, full); err != nil {
		t.Fatalf("AckState with a state of MaxStateBytes: %v", err)
	}
	q.Close()
	q = openQ(t, dir, testOptions())
	defer q.Close()
	if q.Acked() != 5 || !bytes.Equal(q.State(), full) {
		t.Fatalf("after reopen: Acked %d, state of %d bytes", q.Acked(), len(q.State()))
	}
}

func TestReadLimits(t *testing.T) {
	q := openQ(t, t.TempDir(), testOptions())
	defer q.Close()
	big := bytes.Repeat([]byte("B"), 3*MinSegmentBytes) // larger than a segment
	for _, r := range [][]byte{[]byte("a"), big, []byte("c"), []byte("d")} {
		if _, err := q.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	f := func(from uint64, maxRecords, maxBytes int, want ...uint64) {
		t.Helper()
		recs, err := q.ReadFrom(from, maxRecords, maxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(seqs(recs)) != fmt.Sprint(want) {
			t.Fatalf("ReadFrom(%d, %d, %d) = %v, want %v", from, maxRecords, maxBytes, seqs(recs), want)
		}
	}
	f(1, 10, 1<<20, 1, 2, 3, 4)
	f(1, 2, 1<<20, 1, 2)
	f(1, 10, 10, 1)          // the big one would pass maxBytes
	f(2, 10, 10, 2)          // one record always, however large
	f(2, 10, 1<<20, 2, 3, 4) // across segments
	f(3, 10, 1, 3)           // maxBytes smaller than one record
	f(5, 10, 1<<20)          // nothing yet
	f(0, 0, 0, 1)            // zero limits mean one record
	if err := q.Ack(2); err != nil {
		t.Fatal(err)
	}
	f(1, 10, 1<<20, 3, 4) // from is raised to the cursor
}

func TestFull(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.MaxBytes = 16 << 10 // four 4 KiB segments
	q := openQ(t, dir, o)
	var n int
	for ; ; n++ {
		_, err := q.Append(payload(n))
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 20 {
		t.Fatalf("only %d records fit", n)
	}
	if st := q.Stats(); st.DiskBytes > o.MaxBytes {
		t.Fatalf("disk %d > MaxBytes %d", st.DiskBytes, o.MaxBytes)
	}
	// A refused Append writes nothing, even partly.
	if _, err := q.Append(payload(n), payload(n+1)); !errors.Is(err, ErrFull) {
		t.Fatalf("batch append: %v, want ErrFull", err)
	}
	checkRecords(t, readAll(t, q), span(1, uint64(n)))
	// Acknowledging frees space.
	if err := q.Ack(uint64(n)); err != nil {
		t.Fatal(err)
	}
	appendN(t, q, n, n/2)
	q.Close()
	q = openQ(t, dir, o)
	defer q.Close()
	checkRecords(t, readAll(t, q), span(uint64(n)+1, uint64(n+n/2)))
}

func TestFullWithOnlyTheNewestSegment(t *testing.T) {
	o := testOptions()
	o.MaxBytes = 16 << 10
	o.SegmentBytes = 64 << 10 // lowered to MaxBytes/4
	q := openQ(t, t.TempDir(), o)
	defer q.Close()
	for round := 0; round < 50; round++ {
		last, err := q.Append(bytes.Repeat([]byte{'x'}, 3000), bytes.Repeat([]byte{'y'}, 3000))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := q.Ack(last); err != nil {
			t.Fatal(err)
		}
	}
	if st := q.Stats(); st.DiskBytes > o.MaxBytes {
		t.Fatalf("disk %d > MaxBytes %d", st.DiskBytes, o.MaxBytes)
	}
}

func TestRecordTooLarge(t *testing.T) {
	q := openQ(t, t.TempDir(), testOptions())
	defer q.Close()
	_, err := q.Append([]byte("ok"), make([]byte, MaxRecordBytes+1))
	if !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("err = %v, want ErrRecordTooLarge", err)
	}
	if recs := readAll(t, q); len(recs) != 0 {
		t.Fatalf("a refused Append wrote %d records", len(recs))
	}
	if _, err := q.Append(make([]byte, MaxRecordBytes)); err != nil {
		t.Fatalf("record of exactly MaxRecordBytes: %v", err)
	}
}

func TestLockedAndClose(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, dir, testOptions())
	if _, err := Open(dir, testOptions()); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if _, err := Repair(dir, testOptions()); !errors.Is(err, ErrLocked) {
		t.Fatalf("Repair of an open spool: %v, want ErrLocked", err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := q.Append([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := q.Read(1, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if err := q.Ack(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Ack after Close: %v", err)
	}
	q2 := openQ(t, dir, testOptions())
	q2.Close()
}

func TestReadWait(t *testing.T) {
	q := openQ(t, t.TempDir(), testOptions())
	got := make(chan []Record)
	go func() {
		recs, err := q.ReadWait(context.Background(), 0, 10, 1<<20)
		if err != nil {
			t.Error(err)
		}
		got <- recs
	}()
	appendN(t, q, 0, 1)
	checkRecords(t, <-got, span(1, 1))

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := q.ReadWait(ctx, 2, 10, 1<<20)
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadWait after cancel: %v", err)
	}
	go func() {
		_, err := q.ReadWait(context.Background(), 2, 10, 1<<20)
		errc <- err
	}()
	q.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadWait after Close: %v", err)
	}
}

func TestGroupCommit(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.SyncInterval = 2 * time.Millisecond
	q := openQ(t, dir, o)
	appendN(t, q, 0, 200)
	var got []Record
	for len(got) < 200 {
		recs, err := q.ReadWait(context.Background(), uint64(len(got))+1, 1000, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, recs...)
	}
	checkRecords(t, got, span(1, 200))
	if err := q.Ack(150); err != nil {
		t.Fatal(err)
	}
	appendN(t, q, 200, 10)
	q.Close() // fsyncs what the syncer had not
	q = openQ(t, dir, o)
	defer q.Close()
	checkRecords(t, readAll(t, q), span(151, 210))
}
