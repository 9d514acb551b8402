// Package metricset registers a component's Prometheus collectors as one
// set: all or none. A component (a spool, a shipper, an agent) opened twice
// on one registry then fails with a clear error instead of half-registered
// metrics, and a closed one frees its names for the next.
package metricset

import "github.com/prometheus/client_golang/prometheus"

// Register registers every collector with r, or none: on the first error
// the ones already registered are unregistered again. A nil r registers
// nothing.
func Register(r prometheus.Registerer, cs []prometheus.Collector) error {
	if r == nil {
		return nil
	}
	for i, c := range cs {
		if err := r.Register(c); err != nil {
			for _, done := range cs[:i] {
				r.Unregister(done)
			}
			return err
		}
	}
	return nil
}

// Unregister removes every collector from r (nil: nothing).
func Unregister(r prometheus.Registerer, cs []prometheus.Collector) {
	if r == nil {
		return
	}
	for _, c := range cs {
		r.Unregister(c)
	}
}
