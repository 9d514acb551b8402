package agent

import (
	"context"
	"testing"
	"time"

	"wsec/internal/event"
)

// BenchmarkThroughput measures the agent end to end: b.N synthetic
// Security events read, filtered (event set All), spooled (fsync per
// append), batched, compressed (s2: the workspace is on this machine),
// signed and sent to a workspace on loopback, until the workspace acknowledged the last one (the agent's
// start and exit are outside the timing). The fake workspace decodes every
// event and deduplicates by event key in the same process, so on a small
// machine it competes with the agent for CPU.
func BenchmarkThroughput(b *testing.B) {
	w := newFakeWorkspace(b)
	c := syntheticConfig(b.TempDir(), uint64(b.N), 0, destTo("w", w, "All"))
	var e event.Event
	gen().Event(0, &e)
	b.SetBytes(int64(len(e.AppendFramed(nil))))
	b.ReportAllocs()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- Run(ctx, Options{Config: c}) }()
	w.waitCount(b, b.N, 30*time.Minute)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	if got := w.count(); got != b.N {
		b.Fatalf("workspace holds %d events, want %d", got, b.N)
	}
}
