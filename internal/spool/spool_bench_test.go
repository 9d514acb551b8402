package spool

import (
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/source/synthetic"
)

// securityRecords returns n framed binary events from the synthetic
// Security log (mostly 4624/4634/4672/4688), as the agent spools them.
func securityRecords(n int) [][]byte {
	g := synthetic.New(synthetic.Options{Seed: 3})
	recs := make([][]byte, n)
	var e event.Event
	for i := range recs {
		g.Event(uint64(i), &e)
		recs[i] = e.AppendFramed(nil)
	}
	return recs
}

// BenchmarkAppend appends batches of 1000 events, one fsync per batch
// (the default policy) or group commit.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name string
		sync time.Duration
	}{{"fsync-per-append", 0}, {"group-commit-5ms", 5 * time.Millisecond}} {
		b.Run(bc.name, func(b *testing.B) {
			const batch = 1000
			recs := securityRecords(batch)
			size := 0
			for _, r := range recs {
				size += len(r)
			}
			q, err := Open(b.TempDir(), Options{SyncInterval: bc.sync, MaxBytes: 64 << 30})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size / batch))
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; n += batch {
				if _, err := q.Append(recs[:min(batch, b.N-n)]...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.StopTimer()
			q.Close()
		})
	}
}

// BenchmarkRead reads back a spool in 5 MB batches, as the shipper does.
func BenchmarkRead(b *testing.B) {
	recs := securityRecords(4096)
	q, err := Open(b.TempDir(), Options{MaxBytes: 64 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	for n := 0; n < b.N; n += len(recs) {
		if _, err := q.Append(recs[:min(len(recs), b.N-n)]...); err != nil {
			b.Fatal(err)
		}
	}
	size := 0
	for _, r := range recs {
		size += len(r)
	}
	b.SetBytes(int64(size / len(recs)))
	b.ReportAllocs()
	b.ResetTimer()
	got, from := 0, uint64(0)
	for got < b.N {
		rs, err := q.ReadFrom(from, 10000, 5<<20)
		if err != nil {
			b.Fatal(err)
		}
		got += len(rs)
		from = rs[len(rs)-1].Seq + 1
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
