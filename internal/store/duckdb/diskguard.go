package duckdb

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/diskspace"
	"wsec/internal/store"
)

// diskGuard pauses ingestion while the disk holding the store has less
// free space than Options.MinFreeDiskBytes (VictoriaLogs'
// MinFreeDiskSpaceBytes is the model): a DuckDB that runs out of disk
// mid-checkpoint fails every later write until restarted, while a refusal
// before the append leaves the store whole, its queries and retention
// running, and senders spooling and retrying. Ingestion resumes by itself
// once space is freed. The free space is measured at most once per
// diskCheckEvery, so the guard costs nothing per batch.
type diskGuard struct {
	dir    string
	min    int64
	free   diskspace.Func
	now    func() time.Time
	paused prometheus.Gauge
	log    *slog.Logger

	mu      sync.Mutex
	checked time.Time
	err     error // the refusal while paused
}

// diskCheckEvery is how long a free-space measurement stands.
const diskCheckEvery = time.Second

// check returns an error wrapping store.ErrLowDiskSpace while ingestion
// is paused.
func (g *diskGuard) check() error {
	if g.min <= 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if since := now.Sub(g.checked); !g.checked.IsZero() && since >= 0 && since < diskCheckEvery {
		return g.err
	}
	g.checked = now
	n, err := g.free(g.dir)
	if err != nil {
		// Not knowing is no reason to refuse: a write that fails for want of
		// space fails on its own.
		g.log.Warn("cannot measure the store's free disk space", "dir", g.dir, "err", err)
		return g.err
	}
	wasPaused := g.err != nil
	if n >= g.min {
		g.err = nil
		if wasPaused {
			g.log.Info("ingestion resumed: free disk space is back above the minimum", "dir", g.dir, "free_bytes", n, "min_free_bytes", g.min)
			g.paused.Set(0)
		}
		return nil
	}
	g.err = fmt.Errorf("the disk holding %s has %d MiB free, under the %d MiB the store keeps free (--min-free-disk): ingestion is paused until space is freed (delete old data, shorten retention or grow the disk), queries still work: %w",
		g.dir, n>>20, g.min>>20, store.ErrLowDiskSpace)
	if !wasPaused {
		g.log.Error("ingestion paused: low free disk space", "dir", g.dir, "free_bytes", n, "min_free_bytes", g.min)
		g.paused.Set(1)
	}
	return g.err
}
