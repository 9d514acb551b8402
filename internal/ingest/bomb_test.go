package ingest

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// TestDecompressionBombCostsLittle (issue 9 item 5): a zstd, s2 or gzip body
// of a few KB that inflates past MaxDecodedBytes is refused without
// allocating anything near what it inflates to, and the heap returns to
// its level afterwards. Measured in allocated bytes, not time.
func TestDecompressionBombCostsLittle(t *testing.T) {
	e := newEnv(t, Limits{})
	inflated := DefaultLimits().MaxDecodedBytes * 2
	zeros := make([]byte, inflated)
	bombs := map[string][]byte{"zstd": zstdStream(t, zeros), "gzip": gzipped(t, zeros), "s2": s2.Encode(nil, zeros),
		// An S2 block declaring more than it holds.
		"s2 lying": binary.AppendUvarint(nil, uint64(inflated))}
	zeros = nil
	for enc, bomb := range bombs {
		t.Run(enc, func(t *testing.T) {
			t.Logf("%s bomb: %d bytes inflating to %d", enc, len(bomb), inflated)
			const budget = 16 << 20 // far below the 128 MiB the bomb inflates to
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range 3 {
				st, b, _ := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 1, bomb, ContentTypeBatch, strings.Fields(enc)[0]))
				if st != http.StatusRequestEntityTooLarge || !bytes.Contains(b, []byte("decoded_too_large")) && !bytes.Contains(b, []byte("decompresses")) {
					t.Fatalf("bomb answered %d %s, want 413", st, b)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			t.Logf("three refused %s bombs: %.1f MiB allocated, heap in use %+.1f MiB", enc,
				float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20))
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*budget {
				t.Errorf("three refused %s bombs allocated %d MiB, want under %d MiB", enc, alloc>>20, 3*budget>>20)
			}
			if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > budget {
				t.Errorf("heap in use grew %d MiB after the bombs and stays, want under %d MiB", grown>>20, budget>>20)
			}
		})
	}
}

// A zstd body of several frames, the first declaring its size, decodes
// whole: the one-pass path for a declared size gives way to the counting
// one when more follows.
func TestZstdFramesAfterADeclaredOne(t *testing.T) {
	h, err := New(Options{Appender: discardStore{}, Verifier: denyAll{}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := batchBody(synthEvents(0, 5)), batchBody(synthEvents(5, 7))
	body := append(zstded(t, a), zstded(t, b)...)
	if zstdDeclaredSize(body) != int64(len(a)) {
		t.Fatalf("the first frame does not declare its size %d", len(a))
	}
	got, ref := h.decompress(context.Background(), body, encZstd)
	if ref != nil || !bytes.Equal(got, append(bytes.Clone(a), b...)) {
		t.Fatalf("two frames decoded to %d bytes (%v), want %d", len(got), ref, len(a)+len(b))
	}
}

// A frame that declares its size but is not single-segment (its window,
// 8 MiB here, is larger than its content) decodes: the one-pass decoder
// bounded by the declared size refuses the window, the general path
// does not.
func TestZstdDeclaredSizeSmallerThanWindow(t *testing.T) {
	h, err := New(Options{Appender: discardStore{}, Verifier: denyAll{}})
	if err != nil {
		t.Fatal(err)
	}
	raw := batchBody(synthEvents(0, 50))
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithSingleSegment(false), zstd.WithWindowSize(8<<20))
	if err != nil {
		t.Fatal(err)
	}
	body := enc.EncodeAll(raw, nil)
	enc.Close()
	var hdr zstd.Header
	if err := hdr.Decode(body); err != nil || hdr.SingleSegment || !hdr.HasFCS || hdr.WindowSize <= uint64(len(raw)) {
		t.Fatalf("not the frame under test: %+v %v", hdr, err)
	}
	got, ref := h.decompress(context.Background(), body, encZstd)
	if ref != nil || !bytes.Equal(got, raw) {
		t.Fatalf("decoded %d bytes (%v), want %d", len(got), ref, len(raw))
	}
}
