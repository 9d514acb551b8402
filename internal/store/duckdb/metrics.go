package duckdb

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's Prometheus metrics. With a nil Registerer they
// are created but not registered, so the code never checks for nil.
type metrics struct {
	rowsAppended     *prometheus.CounterVec
	duplicateEvents  prometheus.Counter
	duplicateBatches prometheus.Counter
	appendSeconds    *prometheus.HistogramVec
	querySeconds     prometheus.Histogram
	queryErrors      prometheus.Counter
	retentionDeleted *prometheus.CounterVec
	intOverflows     prometheus.Counter
	dedupKeys        prometheus.Gauge
	openWorkspaces   prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		rowsAppended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "wsec", Subsystem: "store", Name: "rows_appended_total",
			Help: "Rows committed, by logical table.",
		}, []string{"table"}),
		duplicateEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wsec", Subsystem: "store", Name: "duplicate_events_total",
			Help: "Events dropped because an event with the same identity was stored before.",
		}),
		duplicateBatches: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wsec", Subsystem: "store", Name: "duplicate_batches_total",
			Help: "Batches whose (sender, seq) was committed before; nothing stored.",
		}),
		appendSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "wsec", Subsystem: "store", Name: "append_seconds",
			Help:    "Time to append and commit one batch, by kind (events, custom, heartbeat).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"kind"}),
		querySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "wsec", Subsystem: "store", Name: "query_seconds",
			Help:    "Time to run one query and read its result.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18),
		}),
		queryErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wsec", Subsystem: "store", Name: "query_errors_total",
			Help: "Queries that failed (refused, invalid, cancelled or failing in DuckDB).",
		}),
		retentionDeleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "wsec", Subsystem: "store", Name: "retention_deleted_rows_total",
			Help: "Rows deleted by retention, by logical table.",
		}, []string{"table"}),
		intOverflows: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wsec", Subsystem: "store", Name: "int_overflows_total",
			Help: "Values of 32-bit int columns out of range, stored as null.",
		}),
		dedupKeys: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "wsec", Subsystem: "store", Name: "dedup_keys",
			Help: "Event identity keys held in memory, all workspaces.",
		}),
		openWorkspaces: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "wsec", Subsystem: "store", Name: "open_workspaces",
			Help: "Workspace databases open.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.rowsAppended, m.duplicateEvents, m.duplicateBatches,
			m.appendSeconds, m.querySeconds, m.queryErrors, m.retentionDeleted, m.intOverflows,
			m.dedupKeys, m.openWorkspaces} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register store metrics: %w", err)
			}
		}
	}
	return m, nil
}
