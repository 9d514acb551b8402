package rdpscan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/api"
	"wsec/internal/auth"
	"wsec/internal/geoip/geoiptest"
	"wsec/internal/rdpanomaly"
)

// fakeQuerier answers the scanner's two queries from logons, honouring
// start and end as the workspace does.
type fakeQuerier struct {
	logons  []rdpanomaly.Logon
	partial string
	asked   []string // workspaces asked
	stored  int      // rows of the Anomalies table
	span    [2]time.Time
}

func (f *fakeQuerier) Query(_ context.Context, ws, kql string, start, end time.Time) (*api.Table, error) {
	f.asked = append(f.asked, ws)
	if strings.HasPrefix(kql, "Anomalies |") {
		f.span = [2]time.Time{start, end}
		t := &api.Table{Name: "PrimaryResult", Columns: []api.Column{{Name: "TimeGenerated", Type: "datetime"},
			{Name: "UserName", Type: "string"}, {Name: "AnomalyReasons", Type: "dynamic"}, {Name: "Score", Type: "real"}}}
		for i := range f.stored {
			t.Rows = append(t.Rows, []any{end.Add(-time.Duration(i+1) * time.Minute), `CORP\alice`, json.RawMessage(`["UnusualIP"]`), nil})
		}
		return t, nil
	}
	id := rdpanomaly.EventLogon
	if kql == failureQuery {
		id = rdpanomaly.EventLogonFailed
	} else if kql != logonQuery {
		return nil, &api.QueryError{Code: "SemanticError", Message: "unexpected query"}
	}
	t := &api.Table{Name: "PrimaryResult", Partial: f.partial, Columns: []api.Column{
		{Name: "First", Type: "datetime"}, {Name: "Logons", Type: "long"}, {Name: "Account", Type: "string"},
		{Name: "IpAddress", Type: "string"}, {Name: "Computer", Type: "string"}}}
	for _, l := range f.logons {
		if l.EventID == id && !l.Time.Before(start) && l.Time.Before(end) {
			t.Rows = append(t.Rows, []any{l.Time, int64(1), l.User, l.IP, l.Computer})
		}
	}
	return t, nil
}

var day0 = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func tenant() []rdpanomaly.Logon {
	var ls []rdpanomaly.Logon
	for d := 30; d >= 1; d-- {
		at := day0.AddDate(0, 0, -d).Add(9 * time.Hour)
		ls = append(ls, rdpanomaly.Logon{Time: at, EventID: rdpanomaly.EventLogon, User: `CORP\alice`, IP: "81.2.69.10", Computer: "SRV1"},
			rdpanomaly.Logon{Time: at, EventID: rdpanomaly.EventLogon, User: `CORP\bob`, IP: "81.2.69.10", Computer: "SRV1"})
	}
	// Out of the baseline window: must not be read.
	ls = append(ls, rdpanomaly.Logon{Time: day0.AddDate(0, 0, -40), EventID: rdpanomaly.EventLogon, User: `CORP\alice`, IP: "178.62.1.2", Computer: "SRV1"})
	for i := range 6 {
		ls = append(ls, rdpanomaly.Logon{Time: day0.Add(9*time.Hour - time.Duration(i+1)*time.Minute), EventID: rdpanomaly.EventLogonFailed,
			User: `CORP\bob`, IP: "81.2.69.99", Computer: "SRV1"})
	}
	return append(ls,
		rdpanomaly.Logon{Time: day0.Add(9 * time.Hour), EventID: rdpanomaly.EventLogon, User: `CORP\alice`, IP: "178.62.1.2", Computer: "SRV2"},
		rdpanomaly.Logon{Time: day0.Add(9 * time.Hour), EventID: rdpanomaly.EventLogon, User: `CORP\bob`, IP: "81.2.69.99", Computer: "SRV1"})
}

func serve(t *testing.T, q api.Querier, withGeo bool) (*httptest.Server, auth.Workspace, auth.Workspace, prometheus.Gatherer) {
	t.Helper()
	keys, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := keys.Create("a")
	b, _ := keys.Create("b")
	s := &Scanner{Querier: q}
	if withGeo {
		s.GeoIP = geoiptest.DB(t, []geoiptest.Net{
			{Prefix: "81.2.69.0/24", Country: "GB", City: "London", ASN: 20712, Org: "Andrews & Arnold Ltd"},
			{Prefix: "178.62.0.0/16", Country: "NL", City: "Amsterdam", ASN: 14061, Org: "DigitalOcean, LLC"}})
	}
	reg := prometheus.NewRegistry()
	rt, err := NewRoutes(s, auth.NewVerifier(keys, time.Now), reg)
	if err != nil {
		t.Fatal(err)
	}
	rt.Now = func() time.Time { return day0.Add(24 * time.Hour) }
	mux := http.NewServeMux()
	rt.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, a, b, reg
}

func get(t *testing.T, srv *httptest.Server, signer auth.Workspace, pathWS, query string) (*http.Response, []byte) {
	t.Helper()
	return getPath(t, srv, signer, PathRDP, pathWS, query)
}

func getPath(t *testing.T, srv *httptest.Server, signer auth.Workspace, path, pathWS, query string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+strings.Replace(path, "{id}", pathWS, 1)+query, nil)
	if err := auth.Sign(req, signer.ID, signer.PrimaryKey); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestRouteScoresTheDefaultDay(t *testing.T) {
	q := &fakeQuerier{logons: tenant()}
	srv, a, _, reg := serve(t, q, true)
	resp, body := get(t, srv, a, a.ID, "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var res Response
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if !res.From.Equal(day0) || !res.BaselineFrom.Equal(day0.AddDate(0, 0, -30)) || res.Failures != 6 {
		t.Errorf("period %v baseline %v failures %d; want the last 24h, 30 days before, 6", res.From, res.BaselineFrom, res.Failures)
	}
	if len(res.Anomalies) != 2 {
		t.Fatalf("%d anomalies, want alice (foreign hosting) and bob (after a failure burst): %s", len(res.Anomalies), body)
	}
	alice := res.Anomalies[0]
	if alice.UserName != `CORP\alice` || alice.SourceLocation.CountryCode != "NL" || alice.SourceLocation.ASN != 14061 ||
		alice.DestinationDevice != "SRV2" || alice.RuleName != RuleName || len(alice.Entities) != 3 ||
		!strings.Contains(alice.Description, "country NL: user 0 of 30 active days, tenant 0 of 30") {
		t.Errorf("alice's row: %+v", alice)
	}
	if bob := res.Anomalies[1]; !strings.Contains(bob.Description, rdpanomaly.CorrFailedBurst) {
		t.Errorf("bob's row lacks the failure burst: %s", bob.Description)
	}
	if !res.GeoIP.City || !strings.Contains(res.GeoIP.Attribution, "DB-IP") {
		t.Errorf("geoip status %+v", res.GeoIP)
	}
	if n := counterValue(t, reg, "wsec_rdp_anomalies_total"); n != 2 {
		t.Errorf("wsec_rdp_anomalies_total = %v", n)
	}
}

func counterValue(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestRouteWithoutGeoSaysSo(t *testing.T) {
	srv, a, _, _ := serve(t, &fakeQuerier{logons: tenant()}, false)
	resp, body := get(t, srv, a, a.ID, "?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z")
	var res Response
	json.Unmarshal(body, &res)
	if resp.StatusCode != 200 || res.GeoIP.City || res.GeoIP.ASN || res.GeoIP.Attribution != "" || len(res.Anomalies) == 0 {
		t.Fatalf("status %d, geo %+v, %d anomalies", resp.StatusCode, res.GeoIP, len(res.Anomalies))
	}
	if !strings.Contains(res.Anomalies[0].Description, "geo off") {
		t.Errorf("description %q does not say geo is off", res.Anomalies[0].Description)
	}
}

func TestRouteRefusals(t *testing.T) {
	q := &fakeQuerier{logons: tenant()}
	srv, a, b, _ := serve(t, q, true)
	f := func(signer auth.Workspace, pathWS, query string, status int, want string) {
		t.Helper()
		resp, body := get(t, srv, signer, pathWS, query)
		if resp.StatusCode != status || !strings.Contains(string(body), want) {
			t.Errorf("GET %s%s: %d %s; want %d with %q", pathWS, query, resp.StatusCode, body, status, want)
		}
	}
	f(a, b.ID, "", 403, "signed for workspace")
	f(a, a.ID, "?from=yesterday", 400, "RFC 3339")
	f(a, a.ID, "?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z", 400, "not before")
	for _, ws := range q.asked {
		if ws != a.ID {
			t.Errorf("queried workspace %s", ws)
		}
	}
	q.partial = "the result reached the store's limit"
	f(a, a.ID, "", 500, "the scan failed")
}

// TestRouteStoredAnomalies: GET /anomalies reads the Anomalies table over
// the range asked (default: the last day), as objects of their columns
// without the null ones, at most MaxStored.
func TestRouteStoredAnomalies(t *testing.T) {
	q := &fakeQuerier{stored: 2}
	srv, a, b, _ := serve(t, q, false)
	resp, body := getPath(t, srv, a, PathAnomalies, a.ID, "")
	var res Stored
	if err := json.Unmarshal(body, &res); resp.StatusCode != 200 || err != nil {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if len(res.Anomalies) != 2 || res.Truncated || res.Anomalies[0]["UserName"] != `CORP\alice` || res.Anomalies[0]["Score"] != nil ||
		fmt.Sprint(res.Anomalies[0]["AnomalyReasons"]) != "[UnusualIP]" || !q.span[0].Equal(day0) || !q.span[1].Equal(day0.Add(24*time.Hour)) {
		t.Errorf("answer %s over %v", body, q.span)
	}
	q.stored = MaxStored + 1
	_, body = getPath(t, srv, a, PathAnomalies, a.ID, "?from=2026-11-01T00:00:00Z")
	json.Unmarshal(body, &res)
	if len(res.Anomalies) != MaxStored || !res.Truncated || !q.span[0].Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%d rows, truncated %v, span %v", len(res.Anomalies), res.Truncated, q.span)
	}
	if resp, _ := getPath(t, srv, a, PathAnomalies, b.ID, ""); resp.StatusCode != 403 {
		t.Errorf("another workspace's anomalies: %d", resp.StatusCode)
	}
}
