package ingest

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
)

// Endpoint label values.
const (
	endpointEvents        = "events"
	endpointDataCollector = "datacollector"
	endpointHeartbeat     = "heartbeat"
)

// Outcome label values.
const (
	outcomeOK      = "ok"
	outcomeRefused = "refused" // the client's fault; nothing stored
	outcomeFailed  = "failed"  // the store failed; nothing acknowledged
)

type metrics struct {
	requests        *prometheus.CounterVec // endpoint, outcome
	refused         *prometheus.CounterVec // endpoint, reason
	events          *prometheus.CounterVec // endpoint, result
	duplicateBatch  prometheus.Counter
	bytes           *prometheus.CounterVec // endpoint, stage
	fieldsTruncated *prometheus.CounterVec // endpoint
	fieldsDropped   prometheus.Counter
	appendSeconds   *prometheus.HistogramVec // endpoint
	inFlight        prometheus.Gauge
	// legacySignatures counts authenticated native and Data Collector
	// requests signed with SharedKey (body not signed).
	legacySignatures prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_ingest_requests_total",
			Help: "Ingestion requests by endpoint and outcome (ok, refused: the client's fault, failed: the store's).",
		}, []string{"endpoint", "outcome"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_ingest_refused_total",
			Help: "Refused ingestion requests by endpoint and reason (bad_signature, stale_date, body_too_large, ...).",
		}, []string{"endpoint", "reason"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_ingest_events_total",
			Help: "Events (Data Collector: records) by endpoint and result: accepted in a valid request, stored, duplicate, rejected (refused one by one).",
		}, []string{"endpoint", "result"}),
		duplicateBatch: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ingest_duplicate_batches_total",
			Help: "Native batches whose (sender, seq) was stored before: retries and replays, stored once.",
		}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_ingest_bytes_total",
			Help: "Body bytes of accepted requests by endpoint and stage (wire: as sent, decoded: after decompression).",
		}, []string{"endpoint", "stage"}),
		fieldsTruncated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_ingest_fields_truncated_total",
			Help: "Field values cut to the size limit.",
		}, []string{"endpoint"}),
		fieldsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ingest_fields_dropped_total",
			Help: "Data Collector properties dropped because no valid name remained after sanitising.",
		}),
		appendSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wsec_ingest_append_duration_seconds",
			Help:    "Time the store took to append durably, by endpoint.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"endpoint"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wsec_ingest_in_flight_requests",
			Help: "Ingestion requests holding a decode/append slot.",
		}),
		legacySignatures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_ingest_legacy_signatures_total",
			Help: "Authenticated requests signed with SharedKey, whose signature covers the body's length only (Data Collector clients, older agents).",
		}),
	}
	if err := metricset.Register(reg, []prometheus.Collector{m.requests, m.refused, m.events, m.duplicateBatch, m.bytes,
		m.fieldsTruncated, m.fieldsDropped, m.appendSeconds, m.inFlight, m.legacySignatures}); err != nil {
		return nil, fmt.Errorf("register ingest metrics: %w", err)
	}
	return m, nil
}

// timeAppend runs appendFn (the store's append) and observes how long it
// took for ep.
func (h *Handler) timeAppend(ep string, appendFn func() error) error {
	start := h.now()
	err := appendFn()
	h.m.appendSeconds.WithLabelValues(ep).Observe(h.now().Sub(start).Seconds())
	return err
}

// countOK counts an accepted request of ep with its body sizes as sent
// and after decompression, and the field values it truncated.
func (m *metrics) countOK(ep string, wire, decoded, truncated int) {
	m.requests.WithLabelValues(ep, outcomeOK).Inc()
	m.bytes.WithLabelValues(ep, "wire").Add(float64(wire))
	m.bytes.WithLabelValues(ep, "decoded").Add(float64(decoded))
	m.fieldsTruncated.WithLabelValues(ep).Add(float64(truncated))
}
