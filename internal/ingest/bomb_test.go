package ingest

import (
	"bytes"
	"net/http"
	"runtime"
	"testing"
)

// TestDecompressionBombCostsLittle (issue 9 item 5): a zstd or gzip body
// of a few KB that inflates past MaxDecodedBytes is refused without
// allocating anything near what it inflates to, and the heap returns to
// its level afterwards. Measured in allocated bytes, not time.
func TestDecompressionBombCostsLittle(t *testing.T) {
	e := newEnv(t, Limits{})
	inflated := DefaultLimits().MaxDecodedBytes * 2
	zeros := make([]byte, inflated)
	bombs := map[string][]byte{"zstd": zstdStream(t, zeros), "gzip": gzipped(t, zeros)}
	zeros = nil
	for enc, bomb := range bombs {
		t.Run(enc, func(t *testing.T) {
			t.Logf("%s bomb: %d bytes inflating to %d", enc, len(bomb), inflated)
			const budget = 16 << 20 // far below the 128 MiB the bomb inflates to
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range 3 {
				st, b, _ := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 1, bomb, ContentTypeBatch, enc))
				if st != http.StatusRequestEntityTooLarge || !bytes.Contains(b, []byte("decoded_too_large")) && !bytes.Contains(b, []byte("decompresses")) {
					t.Fatalf("bomb answered %d %s, want 413", st, b)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*budget {
				t.Errorf("three refused %s bombs allocated %d MiB, want under %d MiB", enc, alloc>>20, 3*budget>>20)
			}
			if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > budget {
				t.Errorf("heap in use grew %d MiB after the bombs and stays, want under %d MiB", grown>>20, budget>>20)
			}
		})
	}
}
