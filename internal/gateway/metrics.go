package gateway

import (
	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
)

// metrics of the relay (wsec_gateway_*); each workspace's spool adds its
// wsec_spool_* metrics labelled workspace=<id>.
type metrics struct {
	received       *prometheus.CounterVec
	receivedBytes  *prometheus.CounterVec
	forwarded      *prometheus.CounterVec
	forwardedBytes *prometheus.CounterVec
	parked         *prometheus.CounterVec
	attempts       *prometheus.CounterVec
	passed         *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	collectors     []prometheus.Collector
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_gateway_batches_received_total",
			Help: "Agent batches by outcome: queued (durable, acknowledged), spool_full (503, the agent keeps it), a refusal reason, or dropped_torn / dropped_malformed when read back."},
			[]string{"workspace", "outcome"}),
		receivedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_gateway_received_bytes_total", Help: "Bytes of batches queued (as sent, compressed)."}, []string{"workspace"}),
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_gateway_batches_forwarded_total", Help: "Batches the workspace acknowledged."}, []string{"workspace"}),
		forwardedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_gateway_forwarded_bytes_total", Help: "Bytes of batches the workspace acknowledged."}, []string{"workspace"}),
		parked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_gateway_batches_parked_total", Help: "Batches the workspace refused for good, kept in the dead-letter directory."}, []string{"workspace"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_gateway_forward_attempts_total", Help: "Forwarding attempts by result: ok, network, http_4xx, http_5xx."},
			[]string{"workspace", "result"}),
		passed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_gateway_passthrough_total", Help: "Requests passed to the workspace live: heartbeat, rules."},
			[]string{"workspace", "kind"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wsec_gateway_forward_seconds", Help: "Duration of forwarding attempts that got an answer.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}, []string{"workspace"}),
	}
	m.collectors = []prometheus.Collector{m.received, m.receivedBytes, m.forwarded, m.forwardedBytes, m.parked, m.attempts, m.passed, m.requestSeconds}
	return m, metricset.Register(reg, m.collectors)
}

func (m *metrics) unregister(r prometheus.Registerer) { metricset.Unregister(r, m.collectors) }
