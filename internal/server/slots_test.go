package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// gaugeValue reads the one gauge registered in reg.
func gaugeValue(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || len(mfs[0].GetMetric()) != 1 {
		t.Fatalf("gather: %v %v", mfs, err)
	}
	return mfs[0].GetMetric()[0].GetGauge().GetValue()
}

func TestSlots(t *testing.T) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "held", Help: "slots held"})
	reg := prometheus.NewRegistry()
	reg.MustRegister(g)
	s := NewSlots(2, 1e6, g)
	ctx := context.Background()
	r1, err := s.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := gaugeValue(t, reg); got != 2 {
		t.Errorf("gauge with two held = %v", got)
	}
	if _, err := s.Acquire(ctx); !errors.Is(err, ErrBusy) {
		t.Errorf("third Acquire: %v, want ErrBusy", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := NewSlots(1, 1<<62, nil).acquireFull(t, cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire with ended ctx: %v, want context.Canceled", err)
	}
	r1()
	r3, err := s.Acquire(ctx)
	if err != nil {
		t.Fatalf("Acquire after a release: %v", err)
	}
	r2()
	r3()
	if got := gaugeValue(t, reg); got != 0 {
		t.Errorf("gauge after all released = %v", got)
	}
}

// acquireFull takes s's only slot, then acquires again with ctx.
func (s *Slots) acquireFull(t *testing.T, ctx context.Context) (func(), error) {
	t.Helper()
	if _, err := s.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s.Acquire(ctx)
}

func TestReadBody(t *testing.T) {
	for _, c := range []struct {
		body    string
		max     int64
		tooLong bool
	}{{"hello", 5, false}, {"hello!", 5, true}, {"", 5, false}} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		r.ContentLength = -1
		got, err := ReadBody(httptest.NewRecorder(), r, c.max)
		var mbe *http.MaxBytesError
		if c.tooLong {
			if !errors.As(err, &mbe) || mbe.Limit != c.max {
				t.Errorf("%q with max %d: %v, want *http.MaxBytesError", c.body, c.max, err)
			}
			continue
		}
		if err != nil || string(got) != c.body {
			t.Errorf("%q with max %d: %q, %v", c.body, c.max, got, err)
		}
	}
}
