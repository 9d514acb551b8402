package duckdb

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
)

// metrics are the store's Prometheus metrics. With a nil Registerer they
// are created but not registered, so the code never checks for nil.
type metrics struct {
	rowsAppended     *prometheus.CounterVec
	duplicateEvents  prometheus.Counter
	duplicateBatches prometheus.Counter
	rejectedEvents   prometheus.Counter
	appendSeconds    *prometheus.HistogramVec
	querySeconds     prometheus.Histogram
	queryErrors      prometheus.Counter
	retentionDeleted *prometheus.CounterVec
	intOverflows     prometheus.Counter
	dedupKeys        prometheus.Gauge
	openWorkspaces   prometheus.Gauge
	pausedLowDisk    prometheus.Gauge
	duckdbMemory     *memoryCollector
}

// storeOpts names a metric wsec_store_<name>.
func storeOpts(name, help string) prometheus.Opts {
	return prometheus.Opts{Namespace: "wsec", Subsystem: "store", Name: name, Help: help}
}

// storeHistogram names a histogram wsec_store_<name>.
func storeHistogram(name, help string, buckets []float64) prometheus.HistogramOpts {
	return prometheus.HistogramOpts{Namespace: "wsec", Subsystem: "store", Name: name, Help: help, Buckets: buckets}
}

// newMetrics creates the metrics and registers them with reg (nil: none),
// all or none: a second store on one registry is refused whole.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		rowsAppended: prometheus.NewCounterVec(prometheus.CounterOpts(storeOpts("rows_appended_total",
			"Rows committed, by logical table.")), []string{"table"}),
		duplicateEvents: prometheus.NewCounter(prometheus.CounterOpts(storeOpts("duplicate_events_total",
			"Events dropped because an event with the same identity was stored before."))),
		duplicateBatches: prometheus.NewCounter(prometheus.CounterOpts(storeOpts("duplicate_batches_total",
			"Batches whose (sender, seq) was committed before; nothing stored."))),
		rejectedEvents: prometheus.NewCounter(prometheus.CounterOpts(storeOpts("rejected_events_total",
			"Events of native batches refused one by one (no identity, TimeCreated out of range); the rest of their batches stored."))),
		appendSeconds: prometheus.NewHistogramVec(storeHistogram("append_seconds",
			"Time to append and commit one batch, by kind (events, custom, heartbeat).",
			prometheus.ExponentialBuckets(0.0005, 2, 16)), []string{"kind"}),
		querySeconds: prometheus.NewHistogram(storeHistogram("query_seconds",
			"Time to run one query and read its result.",
			prometheus.ExponentialBuckets(0.0005, 2, 18))),
		queryErrors: prometheus.NewCounter(prometheus.CounterOpts(storeOpts("query_errors_total",
			"Queries that failed (refused, invalid, cancelled or failing in DuckDB)."))),
		retentionDeleted: prometheus.NewCounterVec(prometheus.CounterOpts(storeOpts("retention_deleted_rows_total",
			"Rows deleted by retention, by logical table.")), []string{"table"}),
		intOverflows: prometheus.NewCounter(prometheus.CounterOpts(storeOpts("int_overflows_total",
			"Values of 32-bit int columns out of range, stored as null."))),
		dedupKeys: prometheus.NewGauge(prometheus.GaugeOpts(storeOpts("dedup_keys",
			"Event identity keys held in memory, all workspaces."))),
		openWorkspaces: prometheus.NewGauge(prometheus.GaugeOpts(storeOpts("open_workspaces",
			"Workspace databases open."))),
		pausedLowDisk: prometheus.NewGauge(prometheus.GaugeOpts(storeOpts("ingest_paused_low_disk",
			"1 while ingestion is paused because the store's disk has less free space than its minimum, else 0."))),
		duckdbMemory: newMemoryCollector(),
	}
	if err := metricset.Register(reg, []prometheus.Collector{m.rowsAppended, m.duplicateEvents, m.duplicateBatches,
		m.rejectedEvents, m.appendSeconds, m.querySeconds, m.queryErrors, m.retentionDeleted, m.intOverflows,
		m.dedupKeys, m.openWorkspaces, m.pausedLowDisk, m.duckdbMemory}); err != nil {
		return nil, fmt.Errorf("register store metrics: %w", err)
	}
	return m, nil
}
