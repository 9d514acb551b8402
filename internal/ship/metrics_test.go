package ship

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/spool"
)

// Metrics of two destinations sharing one registry, wired as the agent
// does: one registerer per destination, labelled.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := newFakeWorkspace(t, wsA), newFakeWorkspace(t, wsB)
	var dests []*Shipper
	for _, d := range []struct {
		name string
		ws   *fakeWorkspace
	}{{"a", a}, {"b", b}} {
		dreg := prometheus.WrapRegistererWith(prometheus.Labels{"destination": d.name}, reg)
		q := openSpool(t, t.TempDir(), spool.Options{Registerer: dreg})
		o := testShipOptions(d.ws)
		o.Name, o.Registerer = d.name, dreg
		dests = append(dests, newShipper(t, q, o))
	}
	f := newFanout(t, dests...)
	running(t, f)
	src := newTestSource(1200)
	src.feed(t, context.Background(), f, 1200, 300)
	a.waitEvents(t, 1200)
	b.waitEvents(t, 1200)
	waitFor(t, f, "both spools to drain", func() bool {
		st := f.Status()
		return st[0].QueuedRecords == 0 && st[1].QueuedRecords == 0
	})
	for _, name := range []string{"a", "b"} {
		l := prometheus.Labels{"destination": name}
		f := func(metric string, want float64) {
			t.Helper()
			got, err := gather(reg, metric, l)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("%s{destination=%q} = %v, want %v", metric, name, got, want)
			}
		}
		f("wsec_ship_records_acked_total", 1200)
		f("wsec_spool_appended_records_total", 1200)
		f("wsec_spool_acked_records_total", 1200)
		f("wsec_spool_depth_records", 0)
		f("wsec_ship_detached", 0)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "wsec_ship_wire_bytes_total" && len(mf.GetMetric()) != 2 {
			t.Fatalf("%d wire-bytes series, want 2", len(mf.GetMetric()))
		}
	}
}

// gather returns the value of the counter or gauge metric with labels l.
func gather(reg *prometheus.Registry, metric string, l prometheus.Labels) (float64, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := l[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), nil
			}
			return m.GetGauge().GetValue(), nil
		}
	}
	return -1, nil
}
