package ship

import (
	"context"
	"fmt"
	"testing"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/event"
	"wsec/internal/source/synthetic"
	"wsec/internal/spool"
)

// logons returns n distinct 4624 events (logon types 2/3/10, real field
// sets) from the synthetic Security log, with record IDs 1..n.
func logons(n int) []Item {
	g := synthetic.New(synthetic.Options{Seed: 7})
	items := make([]Item, 0, n)
	for i := uint64(0); len(items) < n; i++ {
		e := new(event.Event)
		g.Event(i, e)
		if e.System.EventID != 4624 {
			continue
		}
		e.System.EventRecordID = uint64(len(items) + 1)
		items = append(items, Item{Pos: bookmark.Position{Channel: "Security", RecordID: e.System.EventRecordID}, Event: e})
	}
	return items
}

// BenchmarkAppendToAck measures events/s from Fanout.Offer (spool append,
// fsync per Offer of 1000 events) to acknowledged by a workspace on
// loopback that verifies the signature, decompresses, decodes every event
// and deduplicates: the agent's sustained throughput with default batching.
func BenchmarkAppendToAck(b *testing.B) {
	for _, c := range []Compression{Zstd, Gzip} {
		b.Run(string(c), func(b *testing.B) { benchAppendToAck(b, c, 0) })
	}
	b.Run("zstd/groupcommit", func(b *testing.B) { benchAppendToAck(b, Zstd, 5*time.Millisecond) })
}

func benchAppendToAck(b *testing.B, c Compression, sync time.Duration) {
	const chunk = 1000
	pool := logons(4096)
	size := 0
	for _, it := range pool {
		size += len(it.Event.AppendFramed(nil))
	}
	ws := newFakeWorkspace(b, wsA)
	q := openSpool(b, b.TempDir(), spool.Options{SyncInterval: sync})
	o := Options{URL: ws.URL(), WorkspaceID: wsA, Key: testKey, SenderID: testSender, Compression: c,
		FlushInterval: 50 * time.Millisecond}
	f := newFanout(b, newShipper(b, q, o))
	ctx := context.Background()
	running(b, f)
	items := make([]Item, chunk)
	b.SetBytes(int64(size / len(pool)))
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n += chunk {
		k := min(chunk, b.N-n)
		for i := 0; i < k; i++ {
			src := pool[(n+i)%len(pool)]
			e := *src.Event
			e.System.EventRecordID = uint64(n + i + 1)
			items[i] = Item{Pos: bookmark.Position{Channel: "Security", RecordID: uint64(n + i + 1)}, Event: &e}
		}
		if err := f.Offer(ctx, items[:k]); err != nil {
			b.Fatal(err)
		}
	}
	last := uint64(b.N)
	waitFor(b, f, "every event acknowledged", func() bool {
		d := f.Durable()
		return len(d) == 1 && d[0].RecordID == last
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if _, batches, _, refused := ws.stats(); refused != 0 {
		b.Fatalf("workspace refused %d of %d batches: %s", refused, batches, ws.lastErr())
	}
	if req, batches, _, _ := ws.stats(); b.N > 1000 {
		b.Logf("N=%d: %d requests, %d batches, %.0f events/batch", b.N, req, batches, float64(b.N)/float64(batches))
	}
	ws.mu.Lock()
	if len(ws.events) != b.N {
		b.Fatalf("workspace stored %d events, want %d", len(ws.events), b.N)
	}
	ws.mu.Unlock()
}

// BenchmarkCompress compares the encodings on a default-size batch.
func BenchmarkCompress(b *testing.B) {
	var body []byte
	for _, it := range logons(4096) {
		body = it.Event.AppendFramed(body)
	}
	for _, c := range []Compression{Zstd, S2, Gzip} {
		b.Run(string(c), func(b *testing.B) {
			comp, err := newCompressor(c)
			if err != nil {
				b.Fatal(err)
			}
			defer comp.close()
			var out []byte
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if out, err = comp.compress(out, body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(4096*b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(len(body))/float64(len(out)), "ratio")
			_ = fmt.Sprint()
		})
	}
}
