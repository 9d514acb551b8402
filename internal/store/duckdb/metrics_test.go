package duckdb

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// gathered returns name{labels} → value of counters and the sample count
// of histograms.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			switch {
			case m.Counter != nil:
				out[name] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				out[name] = float64(m.GetHistogram().GetSampleCount())
			case m.Gauge != nil:
				out[name] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, _, _ := openTestStore(t, Options{Registerer: reg})
	w := mustWorkspace(t, s, "ws")
	sec, sys := securityEvents(t), sysmonEvents(t)
	appendOK(t, w, "a", 1, sec)
	appendOK(t, w, "a", 1, sec)       // duplicate batch
	appendOK(t, w, "b", 1, sec[:100]) // duplicate events
	appendOK(t, w, "a", 2, sys)
	mustQuery(t, w, "SELECT 1")
	got := gathered(t, reg)
	for name, want := range map[string]float64{
		"wsec_store_duplicate_batches_total":                  1,
		"wsec_store_duplicate_events_total":                   100,
		"wsec_store_rows_appended_total{table=SecurityEvent}": 739,
		"wsec_store_rows_appended_total{table=WindowsEvent}":  60,
		"wsec_store_append_seconds{kind=events}":              4,
		"wsec_store_query_seconds":                            1,
		"wsec_store_open_workspaces":                          1,
		"wsec_store_dedup_keys":                               799,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
	// the dedup gauge sums every workspace's keys
	appendOK(t, mustWorkspace(t, s, "ws2"), "a", 1, sec[:100])
	if got := gathered(t, reg)["wsec_store_dedup_keys"]; got != 899 {
		t.Errorf("dedup keys of two workspaces = %v, want 899", got)
	}
	// DuckDB's memory, by its tags: the appended tables are in its buffers
	var duck float64
	for name, v := range gathered(t, reg) {
		if strings.HasPrefix(name, "wsec_store_duckdb_memory_bytes{tag=") {
			duck += v
		}
	}
	if duck <= 0 {
		t.Errorf("wsec_store_duckdb_memory_bytes sums to %v over its tags, want > 0", duck)
	}
	// a second store on the same registry is refused, not a panic
	if _, err := Open(t.TempDir(), Options{Registerer: reg}); err == nil {
		t.Error("second registration accepted")
	}
}
