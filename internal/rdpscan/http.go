package rdpscan

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/api"
	"wsec/internal/auth"
	"wsec/internal/server"
)

// Routes' paths; {id} is the workspace ID.
const (
	// PathRDP scores RDP logons now (nothing is stored).
	PathRDP = "/v1/workspaces/{id}/anomalies/rdp"
	// PathAnomalies lists the Anomalies table's rows (what the built-in
	// rule stored), newest first.
	PathAnomalies = "/v1/workspaces/{id}/anomalies"
)

// MaxStored bounds the rows of GET PathAnomalies.
const MaxStored = 1000

// Stored is the answer of GET PathAnomalies: the Anomalies rows with
// from ≤ TimeGenerated < to, newest first, as objects of their columns
// (dynamic columns as JSON), at most MaxStored; Truncated when there were
// more.
type Stored struct {
	From      time.Time        `json:"from"`
	To        time.Time        `json:"to"`
	Anomalies []map[string]any `json:"anomalies"`
	Truncated bool             `json:"truncated"`
}

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

// Register adds the routes to mux.
func (rt *Routes) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PathRDP, rt.serve)
	mux.HandleFunc("GET "+PathAnomalies, rt.stored)
	for _, m := range []string{"GET ", "PUT ", "DELETE "} {
		mux.HandleFunc(m+PathGeoIP, rt.geoip)
	}
}

// request authorizes a request and reads its from and to.
func (rt *Routes) request(w http.ResponseWriter, r *http.Request) (ws string, from, to time.Time, ok bool) {
	ws, err := rt.Verifier.Verify(r, 0, r.URL.Path)
	if err != nil {
		rt.refuse(w, http.StatusForbidden, "InvalidAuthorization", err.Error())
		return "", from, to, false
	}
	if id, ok := auth.CanonicalID(r.PathValue("id")); !ok || id != ws {
		rt.refuse(w, http.StatusForbidden, "InvalidAuthorization",
			"the request is signed for workspace "+ws+" but addresses another; a key only gives access to its own workspace")
		return "", from, to, false
	}
	server.LogAttrs(r.Context(), slog.String("workspace", ws))
	to = rt.now().UTC()
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"to", &to}, {"from", &from}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				rt.refuse(w, http.StatusBadRequest, "BadArgumentError", p.name+" "+v+": want an RFC 3339 time, e.g. 2026-11-24T00:00:00Z")
				return "", from, to, false
			}
			*p.dst = t.UTC()
		}
	}
	if from.IsZero() {
		from = to.Add(-DefaultSpan)
	}
	return ws, from, to, true
}

func (rt *Routes) now() time.Time {
	if rt.Now != nil {
		return rt.Now()
	}
	return time.Now()
}

func (rt *Routes) serve(w http.ResponseWriter, r *http.Request) {
	ws, from, to, ok := rt.request(w, r)
	if !ok {
		return
	}
	now := rt.now
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

func (rt *Routes) stored(w http.ResponseWriter, r *http.Request) {
	ws, from, to, ok := rt.request(w, r)
	if !ok {
		return
	}
	q := fmt.Sprintf("Anomalies | order by TimeGenerated desc | take %d", MaxStored+1)
	t, err := rt.Scanner.Querier.Query(r.Context(), ws, q, from, to)
	if err != nil {
		server.LogAttrs(r.Context(), slog.String("err", err.Error()))
		server.WriteError(w, http.StatusInternalServerError, "InternalError", "reading the Anomalies table failed; see the server log")
		return
	}
	out := Stored{From: from, To: to, Anomalies: []map[string]any{}}
	for i, row := range t.Rows {
		if i == MaxStored {
			out.Truncated = true
			break
		}
		m := make(map[string]any, len(row))
		for j, c := range t.Columns {
			if j < len(row) && row[j] != nil {
				m[c.Name] = row[j]
			}
		}
		out.Anomalies = append(out.Anomalies, m)
	}
	server.WriteJSON(w, http.StatusOK, out)
}
