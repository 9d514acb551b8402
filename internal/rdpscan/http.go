package rdpscan

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/api"
	"wsec/internal/auth"
	"wsec/internal/server"
)

// PathRDP is the anomalies route; {id} is the workspace ID.
const PathRDP = "/v1/workspaces/{id}/anomalies/rdp"

// DefaultSpan is the period scored when the request names no from.
const DefaultSpan = 24 * time.Hour

// Response is the answer of GET PathRDP.
type Response struct {
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	BaselineFrom time.Time `json:"baselineFrom"`
	Logons       int       `json:"logonRecords"`
	Failures     int       `json:"failedLogons"`
	GeoIP        GeoStatus `json:"geoip"`
	Anomalies    []Row     `json:"anomalies"`
}

// Routes serves GET PathRDP?from=RFC3339&to=RFC3339 (to defaults to now,
// from to DefaultSpan before to), signed like every workspace request.
type Routes struct {
	Scanner  *Scanner
	Verifier server.Verifier
	Now      func() time.Time // nil: time.Now
	m        *metrics
}

type metrics struct {
	scans     *prometheus.CounterVec
	anomalies prometheus.Counter
}

// NewRoutes returns the routes with their metrics registered on reg (nil:
// not registered).
func NewRoutes(s *Scanner, v server.Verifier, reg prometheus.Registerer) (*Routes, error) {
	m := &metrics{
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wsec_rdp_anomaly_scans_total",
			Help: "RDP anomaly scans by outcome (ok, refused, failed)."}, []string{"outcome"}),
		anomalies: prometheus.NewCounter(prometheus.CounterOpts{Name: "wsec_rdp_anomalies_total",
			Help: "RDP anomalies returned by scans."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.scans, m.anomalies} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return &Routes{Scanner: s, Verifier: v, m: m}, nil
}

// Register adds the route to mux.
func (rt *Routes) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PathRDP, rt.serve)
}

func (rt *Routes) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := rt.Verifier.Verify(r, 0, r.URL.Path)
	if err != nil {
		rt.refuse(w, http.StatusForbidden, "InvalidAuthorization", err.Error())
		return
	}
	if id, ok := auth.CanonicalID(r.PathValue("id")); !ok || id != ws {
		rt.refuse(w, http.StatusForbidden, "InvalidAuthorization",
			"the request is signed for workspace "+ws+" but addresses another; a key only gives access to its own workspace")
		return
	}
	server.LogAttrs(r.Context(), slog.String("workspace", ws))
	now := time.Now
	if rt.Now != nil {
		now = rt.Now
	}
	to, from := now().UTC(), time.Time{}
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"to", &to}, {"from", &from}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				rt.refuse(w, http.StatusBadRequest, "BadArgumentError", p.name+" "+v+": want an RFC 3339 time, e.g. 2026-11-24T00:00:00Z")
				return
			}
			*p.dst = t.UTC()
		}
	}
	if from.IsZero() {
		from = to.Add(-DefaultSpan)
	}
	res, err := rt.Scanner.Scan(r.Context(), ws, from, to)
	var qe *api.QueryError
	switch {
	case errors.Is(err, ErrBadRange), errors.As(err, &qe):
		rt.refuse(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	case err != nil:
		rt.m.scans.WithLabelValues("failed").Inc()
		server.LogAttrs(r.Context(), slog.String("err", err.Error()))
		server.WriteError(w, http.StatusInternalServerError, "InternalError", "the scan failed; see the server log")
		return
	}
	rt.m.scans.WithLabelValues("ok").Inc()
	rt.m.anomalies.Add(float64(len(res.Anomalies)))
	server.WriteJSON(w, http.StatusOK, Response{From: res.From, To: res.To, BaselineFrom: res.BaselineFrom,
		Logons: res.Logons, Failures: res.Failures, GeoIP: res.GeoIP, Anomalies: Rows(res.Anomalies, now().UTC())})
}

func (rt *Routes) refuse(w http.ResponseWriter, status int, code, msg string) {
	rt.m.scans.WithLabelValues("refused").Inc()
	server.WriteError(w, status, code, msg)
}
