package wevtapi

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the event log streams' counters (wsec_agent_eventlog_*), by
// channel: what a Stream stepped around, so that no loss is silent.
type Metrics struct {
	lost     *prometheus.CounterVec
	resets   *prometheus.CounterVec
	skipped  *prometheus.CounterVec
	shrinks  *prometheus.CounterVec
	failures *prometheus.CounterVec
}

// NewMetrics returns unregistered metrics (see Collectors).
func NewMetrics() *Metrics {
	c := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wsec_agent_eventlog_" + name, Help: help}, append([]string{"channel"}, labels...))
	}
	return &Metrics{
		lost: c("lost_records_total",
			"Records overwritten before the agent read them (the log wrapped while the agent was stopped or behind): a gap."),
		resets: c("resets_total",
			"Times the log was found cleared (record numbers restarted); reading went on from its oldest record in a new generation of positions."),
		skipped: c("skipped_events_total",
			"Events skipped after retries because Windows could not render them (reason render) or their XML could not be read (reason parse).", "reason"),
		shrinks: c("batch_shrinks_total",
			"Times EvtNext refused a batch as too large for one RPC (RPC_S_INVALID_BOUND) and the batch was halved."),
		failures: c("subscription_failures_total",
			"Failed subscriptions and reads; the stream subscribes again with backoff."),
	}
}

// Collectors returns the metrics to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.lost, m.resets, m.skipped, m.shrinks, m.failures}
}
