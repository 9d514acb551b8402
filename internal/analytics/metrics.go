package analytics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's Prometheus metrics.
type Metrics struct {
	windows       *prometheus.CounterVec
	alerts        prometheus.Counter
	suppressed    prometheus.Counter
	incidents     prometheus.Counter
	windowSeconds prometheus.Histogram
	lagSeconds    prometheus.Gauge
}

// NewMetrics registers the engine's metrics on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		windows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wsec_analytics_windows_total",
			Help: "Rule windows evaluated, by outcome (ok, error)."}, []string{"outcome"}),
		alerts: prometheus.NewCounter(prometheus.CounterOpts{Name: "wsec_analytics_alerts_total",
			Help: "Alerts stored in SecurityAlert."}),
		suppressed: prometheus.NewCounter(prometheus.CounterOpts{Name: "wsec_analytics_alerts_suppressed_total",
			Help: "Alerts not raised because their rule was suppressed."}),
		incidents: prometheus.NewCounter(prometheus.CounterOpts{Name: "wsec_analytics_incident_versions_total",
			Help: "Incident versions stored in SecurityIncident."}),
		windowSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wsec_analytics_window_seconds",
			Help: "Time to evaluate one rule window (query, alerts, incidents).", Buckets: prometheus.ExponentialBuckets(0.005, 4, 8)}),
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "wsec_analytics_lag_seconds",
			Help: "How far behind its schedule the most behind enabled rule is."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.windows, m.alerts, m.suppressed, m.incidents, m.windowSeconds, m.lagSeconds} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
