package eventxml

import (
	"bytes"
	"errors"
	"fmt"
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
