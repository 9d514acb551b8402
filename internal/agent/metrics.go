package agent

import (
	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
	"wsec/internal/source/wevtapi"
)

// metrics are the agent's own (wsec_agent_*); the spool and the shipper
// register theirs (wsec_spool_*, wsec_ship_*) per destination.
type metrics struct {
	eventsRead   *prometheus.CounterVec
	streamErrors *prometheus.CounterVec
	rewinds      prometheus.Counter
	rulesPolls   *prometheus.CounterVec
	heartbeats   *prometheus.CounterVec
	bookmark     *prometheus.GaugeVec
	eventlog     *wevtapi.Metrics
}

func newMetrics() *metrics {
	return &metrics{
		eventlog: wevtapi.NewMetrics(),
		eventsRead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_agent_events_read_total",
			Help: "Events read from a source stream and handed to the destinations.",
		}, []string{"stream"}),
		streamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_agent_stream_errors_total",
			Help: "Times reading a source stream failed (it is retried with backoff).",
		}, []string{"stream"}),
		rewinds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_agent_rewinds_total",
			Help: "Times the sources were re-read from the durable positions because a destination whose spool had filled up could take events again.",
		}),
		rulesPolls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_agent_rules_polls_total",
			Help: "Data collection rule polls by outcome (unchanged, applied, error).",
		}, []string{"destination", "outcome"}),
		heartbeats: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_agent_heartbeats_total",
			Help: "Heartbeats sent by outcome (ok, error).",
		}, []string{"destination", "outcome"}),
		bookmark: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wsec_agent_bookmark_position",
			Help: "Position up to which every destination acknowledged a stream's events (see package source: a local record number, with a generation in the high bits for event log channels, or an ordinal).",
		}, []string{"stream"}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return append([]prometheus.Collector{m.eventsRead, m.streamErrors, m.rewinds, m.rulesPolls, m.heartbeats, m.bookmark}, m.eventlog.Collectors()...)
}

func (m *metrics) register(r prometheus.Registerer) error {
	return metricset.Register(r, m.collectors())
}
