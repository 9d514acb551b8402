package duckdb

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// memoryCollector reports what DuckDB holds in memory, summed over the open
// workspaces, by DuckDB's own accounting (duckdb_memory(): the buffer pool's
// data blocks, hash tables, metadata, ...). Serve's RSS is this plus the Go
// runtime's (go_memstats_sys_bytes) plus the allocator's slack: with the two
// beside it, an operator sees which side grows and whether --store-memory
// holds. It is read at each scrape rather than kept, so it is never stale.
type memoryCollector struct {
	desc *prometheus.Desc
	// store is set once the Store exists (the collector is registered
	// before): a scrape before that reports nothing.
	store atomic.Pointer[Store]
}

func newMemoryCollector() *memoryCollector {
	return &memoryCollector{desc: prometheus.NewDesc("wsec_store_duckdb_memory_bytes",
		"Memory DuckDB accounts for, all open workspaces, by DuckDB's tag (duckdb_memory()).", []string{"tag"}, nil)}
}

func (c *memoryCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *memoryCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.store.Load()
	if s == nil {
		return
	}
	byTag := map[string]int64{}
	for _, w := range s.openWorkspaces() {
		// A workspace that fails to answer (closing, busy past the
		// deadline) is left out of this scrape; the next one counts it.
		_ = w.memoryByTag(byTag)
	}
	for tag, n := range byTag {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), tag)
	}
}

// memoryByTag adds DuckDB's memory use by tag to byTag.
func (w *Workspace) memoryByTag(byTag map[string]int64) error {
	if w.closed.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := w.db.QueryContext(ctx, "SELECT tag, memory_usage_bytes FROM duckdb_memory()")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var tag string
		var n int64
		if err := rows.Scan(&tag, &n); err != nil {
			return err
		}
		byTag[tag] += n
	}
	return rows.Err()
}
