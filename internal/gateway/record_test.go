package gateway

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"wsec/internal/spool"
)

// A batch larger than a spool record is cut into parts and read back
// whole; the first parts of a batch whose Append was torn are dropped and
// the batches around them come through.
func TestSpooledBatchParts(t *testing.T) {
	q, err := spool.Open(t.TempDir(), spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	m := meta{Path: "/v1/workspaces/" + wsA + "/events", Header: http.Header{"X-Wsec-Seq": {"7"}}}
	big := bytes.Repeat([]byte("0123456789abcdef"), 3*chunkBytes/16+5)
	small := []byte("small body")
	bigRecs, err := encodeBatch(m, big)
	if err != nil || len(bigRecs) != 4 {
		t.Fatalf("encode: %d parts, %v; want 4", len(bigRecs), err)
	}
	smallRecs, _ := encodeBatch(m, small)
	// A torn Append: the first two parts of a big batch, then a whole one.
	for _, recs := range [][][]byte{smallRecs, bigRecs[:2], bigRecs, smallRecs} {
		if _, err := q.Append(recs...); err != nil {
			t.Fatal(err)
		}
	}
	f := &forwarder{r: &Relay{m: mustMetrics(t)}, ws: wsA, q: q, from: q.Acked() + 1, log: discard}
	var got [][]byte
	for range 3 {
		b, err := f.next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b.meta.Path != m.Path || b.meta.Header.Get("X-Wsec-Seq") != "7" {
			t.Fatalf("meta %+v", b.meta)
		}
		got = append(got, b.body)
	}
	if !bytes.Equal(got[0], small) || !bytes.Equal(got[1], big) || !bytes.Equal(got[2], small) {
		t.Fatalf("read back %d, %d, %d bytes; want %d, %d, %d", len(got[0]), len(got[1]), len(got[2]), len(small), len(big), len(small))
	}
}

// FuzzDecodePart: a damaged record is an error, never a panic.
func FuzzDecodePart(f *testing.F) {
	recs, _ := encodeBatch(meta{Path: "/p", Header: http.Header{"A": {"b"}}}, []byte("body"))
	f.Add(recs[0])
	f.Add([]byte{recordKind, 1, 2, 'x'})
	f.Fuzz(func(t *testing.T, rec []byte) {
		p, err := decodePart(rec)
		if err == nil && p.index == 0 && p.meta == nil {
			t.Fatal("part 0 without meta")
		}
	})
}
