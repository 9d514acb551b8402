package api

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
)

// Outcome label values.
const (
	outcomeOK      = "ok"
	outcomeRefused = "refused" // the client's fault: auth, malformed request, bad query
	outcomeFailed  = "failed"  // the server's fault or a timeout
)

type metrics struct {
	requests *prometheus.CounterVec // endpoint, outcome
	refused  *prometheus.CounterVec // endpoint, reason
	seconds  prometheus.Histogram
	rows     prometheus.Counter
	partial  prometheus.Counter
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_api_requests_total",
			Help: "Query API requests by endpoint (query, tables) and outcome (ok, refused, failed).",
		}, []string{"endpoint", "outcome"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_api_refused_total",
			Help: "Refused query API requests by endpoint and reason (bad_signature, wrong_workspace, bad_query, ...).",
		}, []string{"endpoint", "reason"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wsec_query_duration_seconds",
			Help:    "Time the Querier took per query (compile and run).",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}),
		rows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_query_rows_total",
			Help: "Rows sent in query results.",
		}),
		partial: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_query_truncated_total",
			Help: "Query results cut at MaxRows (answered with a PartialError).",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wsec_query_in_flight",
			Help: "Queries running.",
		}),
	}
	if err := metricset.Register(reg, []prometheus.Collector{m.requests, m.refused, m.seconds, m.rows, m.partial, m.inFlight}); err != nil {
		return nil, fmt.Errorf("register api metrics: %w", err)
	}
	return m, nil
}
