package ship

import (
	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
)

// metrics are always kept; they are registered only when
// Options.Registerer is set.
type metrics struct {
	batches         *prometheus.CounterVec // outcome: acked, rejected, split
	recordsAcked    prometheus.Counter
	bodyBytes       prometheus.Counter
	wireBytes       prometheus.Counter
	attempts        *prometheus.CounterVec // result: ok, http_4xx, http_5xx, network
	requestSeconds  prometheus.Histogram
	deadLetter      prometheus.Counter
	deadLetterRecs  prometheus.Counter
	malformed       prometheus.Counter
	offered         *prometheus.CounterVec // result: spooled, filtered, skipped, detached
	detached        prometheus.Gauge
	lastSuccessUnix prometheus.Gauge
	collectors      []prometheus.Collector
}

func newMetrics() *metrics {
	m := &metrics{
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_ship_batches_total", Help: "Batches finished, by outcome (acked by the workspace, rejected and parked, split after 413)."},
			[]string{"outcome"}),
		recordsAcked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ship_records_acked_total", Help: "Events acknowledged by the workspace."}),
		bodyBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ship_body_bytes_total", Help: "Uncompressed batch bytes acknowledged."}),
		wireBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ship_wire_bytes_total", Help: "Compressed batch bytes acknowledged."}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_ship_attempts_total", Help: "POST attempts, by result."}, []string{"result"}),
		requestSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "wsec_ship_request_seconds", Help: "Duration of POST attempts.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}),
		deadLetter: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ship_dead_letter_batches_total", Help: "Rejected batches parked in the dead-letter directory."}),
		deadLetterRecs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ship_dead_letter_records_total", Help: "Events in rejected batches parked in the dead-letter directory."}),
		malformed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ship_malformed_records_total", Help: "Spool records that were not a position and an event frame (parked, not sent)."}),
		offered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_ship_offered_total", Help: "Events offered by the fanout, by what this destination did with them."},
			[]string{"result"}),
		detached: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wsec_ship_detached", Help: "1 while the destination takes no events because its spool filled up."}),
		lastSuccessUnix: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wsec_ship_last_success_timestamp_seconds", Help: "When the workspace last acknowledged a batch."}),
	}
	m.collectors = []prometheus.Collector{m.batches, m.recordsAcked, m.bodyBytes, m.wireBytes, m.attempts,
		m.requestSeconds, m.deadLetter, m.deadLetterRecs, m.malformed, m.offered, m.detached, m.lastSuccessUnix}
	return m
}

func (m *metrics) register(r prometheus.Registerer) error {
	return metricset.Register(r, m.collectors)
}

func (m *metrics) unregister(r prometheus.Registerer) { metricset.Unregister(r, m.collectors) }
