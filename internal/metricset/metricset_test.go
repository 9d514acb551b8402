package metricset

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestAllOrNone(t *testing.T) {
	r := prometheus.NewRegistry()
	a := prometheus.NewCounter(prometheus.CounterOpts{Name: "wsec_test_a_total", Help: "a"})
	b := prometheus.NewCounter(prometheus.CounterOpts{Name: "wsec_test_b_total", Help: "b"})
	if err := Register(r, []prometheus.Collector{a, b}); err != nil {
		t.Fatal(err)
	}
	// A second set with a clashing name registers nothing.
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "wsec_test_c_total", Help: "c"})
	b2 := prometheus.NewCounter(prometheus.CounterOpts{Name: "wsec_test_b_total", Help: "b"})
	if err := Register(r, []prometheus.Collector{c, b2}); err == nil {
		t.Fatal("clashing set registered")
	}
	if !r.Unregister(a) || r.Unregister(c) {
		t.Error("want a registered and c not")
	}
	Unregister(r, []prometheus.Collector{b})
	if err := Register(r, []prometheus.Collector{c, b2}); err != nil {
		t.Errorf("after Unregister the names are free: %v", err)
	}
	if Register(nil, []prometheus.Collector{a}) != nil {
		t.Error("nil registry")
	}
	Unregister(nil, nil)
}
