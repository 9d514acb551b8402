package spool

import (
	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
)

// metrics are always collected; they are registered only when
// Options.Registerer is set.
type metrics struct {
	depthRecords   prometheus.Gauge
	depthBytes     prometheus.Gauge
	diskBytes      prometheus.Gauge
	appended       prometheus.Counter
	appendedBytes  prometheus.Counter
	acked          prometheus.Counter
	full           prometheus.Counter
	truncatedBytes prometheus.Counter
	fsyncSeconds   prometheus.Histogram
	collectors     []prometheus.Collector
}

func newMetrics() *metrics {
	m := &metrics{
		depthRecords: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wsec_spool_depth_records", Help: "Records appended and not yet acknowledged."}),
		depthBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wsec_spool_depth_bytes", Help: "Bytes (with record headers) appended and not yet acknowledged."}),
		diskBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wsec_spool_disk_bytes", Help: "Size of the segment files; Append fails with ErrFull rather than exceed MaxBytes."}),
		appended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_spool_appended_records_total", Help: "Records appended."}),
		appendedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_spool_appended_bytes_total", Help: "Record data bytes appended."}),
		acked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_spool_acked_records_total", Help: "Records acknowledged."}),
		full: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_spool_full_total", Help: "Appends refused with ErrFull."}),
		truncatedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_spool_recovery_truncated_bytes_total", Help: "Bytes of torn tail removed by recovery at Open."}),
		fsyncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "wsec_spool_fsync_seconds", Help: "Duration of segment fsyncs.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 8)}),
	}
	m.collectors = []prometheus.Collector{m.depthRecords, m.depthBytes, m.diskBytes, m.appended,
		m.appendedBytes, m.acked, m.full, m.truncatedBytes, m.fsyncSeconds}
	return m
}

func (m *metrics) register(r prometheus.Registerer) error {
	return metricset.Register(r, m.collectors)
}

func (m *metrics) unregister(r prometheus.Registerer) { metricset.Unregister(r, m.collectors) }
