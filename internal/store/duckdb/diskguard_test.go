package duckdb

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"wsec/internal/schema"
	"wsec/internal/store"
)

// TestLowDiskRefusesAppends: under MinFreeDiskBytes every ingestion call
// fails with store.ErrLowDiskSpace and stores nothing, while queries and
// retention go on; a measurement stands for a second, and once there is
// room again appends succeed without reopening anything.
func TestLowDiskRefusesAppends(t *testing.T) {
	var free atomic.Int64
	free.Store(10 << 30)
	s, clk, _ := openTestStore(t, Options{MinFreeDiskBytes: 1 << 30, FreeSpace: func(string) (int64, error) { return free.Load(), nil }})
	w := mustWorkspace(t, s, "ws")
	evs := synth(securityEvents(t), 200, 1)
	appendOK(t, w, "a", 1, evs[:100])
	ctx := context.Background()

	free.Store(100 << 20)
	appendOK(t, w, "a", 2, evs[100:110]) // the last measurement stands for a second
	clk.Set(clk.Now().Add(time.Second))
	if _, err := w.AppendEvents(ctx, "a", 3, evs[110:], "OpsManager"); !errors.Is(err, store.ErrLowDiskSpace) {
		t.Fatalf("events with 100 MiB free, 1 GiB kept: %v, want ErrLowDiskSpace", err)
	}
	if _, err := w.AppendCustom(ctx, "App_CL", []map[string]any{{"a": "b"}}, ""); !errors.Is(err, store.ErrLowDiskSpace) {
		t.Errorf("custom records: %v, want ErrLowDiskSpace", err)
	}
	if err := w.AppendHeartbeat(ctx, &schema.Heartbeat{Time: clk.Now(), Computer: "pc1", OSType: "Windows"}); !errors.Is(err, store.ErrLowDiskSpace) {
		t.Errorf("heartbeat: %v, want ErrLowDiskSpace", err)
	}
	if n := count(t, w, "SecurityEvent"); n != 110 {
		t.Errorf("query while paused: %d rows, want 110", n)
	}
	if _, err := w.EnforceRetention(ctx); err != nil {
		t.Errorf("retention while paused: %v", err)
	}

	free.Store(2 << 30)
	clk.Set(clk.Now().Add(time.Second))
	if res := appendOK(t, w, "a", 3, evs[110:]); res.Stored != 90 {
		t.Errorf("after space was freed: %+v", res)
	}
}
