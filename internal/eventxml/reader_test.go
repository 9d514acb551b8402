package eventxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// TestOffsetResume restarts a reader at Offset, as a file source does after
// a restart, and checks that exactly the remaining events follow.
func TestOffsetResume(t *testing.T) {
	doc := readFixture(t, "handwritten/forwarded_events.xml")
	all := mustReadAll(t, doc)
	r := NewReader(bytes.NewReader(doc), Options{})
	if r.Offset() != 0 {
		t.Fatalf("Offset before reading = %d", r.Offset())
	}
	first, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	off := r.Offset()
	if !bytes.HasSuffix(doc[:off], []byte("</Event>")) || first.System.EventRecordID != all[0].System.EventRecordID {
		t.Fatalf("Offset %d does not end the first event: %q", off, doc[max(0, off-20):off])
	}
	rest, errs := readAll(t, doc[off:], Options{})
	var recs []uint64
	for _, e := range rest {
		recs = append(recs, e.System.EventRecordID)
	}
	if want := fmt.Sprint([]uint64{all[1].System.EventRecordID, all[2].System.EventRecordID}); fmt.Sprint(recs) != want {
		t.Errorf("after resuming: records %v, want %s", recs, want)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrSyntax) || !bytes.Contains([]byte(errs[0].Error()), []byte("unexpected end tag </Events>")) {
		t.Errorf("after resuming: errors %v, want the one stray </Events>", errs)
	}
}

// stallReader returns its data, then (0, nil) forever, and fails the read
// after many such calls so that a reader which keeps spinning shows up as a
// wrong error rather than a hung test.
type stallReader struct {
	data  []byte
	calls int
}

var errSpun = errors.New("read spun on a source that makes no progress")

func (s *stallReader) Read(p []byte) (int, error) {
	if len(s.data) > 0 {
		n := copy(p, s.data)
		s.data = s.data[n:]
		return n, nil
	}
	if s.calls++; s.calls > 10000 {
		return 0, errSpun
	}
	return 0, nil
}

// TestNoProgress: a source that stops delivering without an error is
// refused with io.ErrNoProgress, UTF-16 input included.
func TestNoProgress(t *testing.T) {
	for _, doc := range [][]byte{
		[]byte("<Event><System>"),
		{0xff, 0xfe, '<', 0, 'E', 0, 'v', 0, 'e', 0, 'n', 0, 't', 0, '>', 0},
	} {
		_, err := NewReader(&stallReader{data: doc}, Options{}).Next()
		if !errors.Is(err, io.ErrNoProgress) {
			t.Errorf("% x: err %v, want io.ErrNoProgress", doc[:2], err)
		}
	}
}
