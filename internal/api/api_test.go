package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/server"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

type env struct {
	t      *testing.T
	clk    *clock
	reg    *auth.Registry
	a, b   auth.Workspace
	q      *fakeQuerier
	prom   *prometheus.Registry
	url    string
	client *http.Client
}

func newEnv(t *testing.T, lim Limits, wrap func(Querier) Querier) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	reg, err := auth.Open(t.TempDir(), auth.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := reg.Create("a")
	b, _ := reg.Create("b")
	now := clk.Now()
	q := &fakeQuerier{tables: map[string]map[string]*Table{
		a.ID: {"SecurityEvent": {Columns: securityEventColumns, Rows: [][]any{
			secRow(now.Add(-48*time.Hour), "dc1", 4624),
			secRow(now.Add(-2*time.Hour).Add(123456700), "dc1", 4625),
			secRow(now.Add(-30*time.Minute), "web1", 4624),
		}}},
		b.ID: {"SecurityEvent": {Columns: securityEventColumns, Rows: [][]any{
			secRow(now.Add(-time.Minute), "b-secret-host", 4624),
		}}},
	}}
	var querier Querier = q
	if wrap != nil {
		querier = wrap(q)
	}
	prom := prometheus.NewRegistry()
	h, err := New(Options{Querier: querier, Verifier: auth.NewVerifier(reg, clk.Now), Limits: lim, Registerer: prom, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Logger: slog.New(slog.DiscardHandler), Registerer: prom, Now: clk.Now}, h)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, clk: clk, reg: reg, a: a, b: b, q: q, prom: prom, url: ts.URL, client: ts.Client()}
}

// queryReq builds a query request signed as signer with key, addressed to
// workspace path.
func (e *env) queryReq(path, signer, key, body string) *http.Request {
	e.t.Helper()
	r, err := http.NewRequest("POST", e.url+"/v1/workspaces/"+path+"/query", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if err := auth.SignAt(r, signer, key, e.clk.Now()); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) do(r *http.Request) (int, []byte) {
	e.t.Helper()
	resp, err := e.client.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (e *env) query(q, timespan string) (int, []byte) {
	body, _ := json.Marshal(QueryRequest{Query: q, Timespan: timespan})
	return e.do(e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, string(body)))
}

func (e *env) metric(name string, labels ...string) float64 {
	e.t.Helper()
	mfs, _ := e.prom.Gather()
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					found = found || (lp.GetName() == labels[i] && lp.GetValue() == labels[i+1])
				}
				if !found {
					continue next
				}
			}
			if m.Counter != nil {
				sum += m.Counter.GetValue()
			}
		}
	}
	return sum
}

// The response has the Log Analytics shape and encodings; the expected
// text is written by hand from that API's documented format.
func TestQueryResponseShape(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	st, body := e.query("SecurityEvent | where EventID == 4625", "P1D")
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	want := `{"tables":[{"name":"PrimaryResult","columns":[` +
		`{"name":"TimeGenerated","type":"datetime"},{"name":"Computer","type":"string"},{"name":"EventID","type":"int"},` +
		`{"name":"Elapsed","type":"timespan"},{"name":"EventData","type":"dynamic"},{"name":"Score","type":"real"}],` +
		`"rows":[["2026-11-25T10:00:00.1234567Z","dc1",4625,"01:30:00","{\"TargetUserName\":\"alice\"}","NaN"]]}]}` + "\n"
	if string(body) != want {
		t.Fatalf("response\n got %s\nwant %s", body, want)
	}
	var generic map[string]any
	if err := json.Unmarshal(body, &generic); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
}

func TestQueryTimespan(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	count := func(ts string) string {
		st, body := e.query("SecurityEvent | count", ts)
		if st != 200 {
			return string(body)
		}
		var r struct {
			Tables []struct{ Rows [][]int } `json:"tables"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		return strings.Repeat("x", r.Tables[0].Rows[0][0])
	}
	for ts, want := range map[string]int{
		"":       3,
		"P1D":    2,
		"PT1H":   1,
		"P3D":    3,
		"pt45m":  1,
		"P1DT1H": 2,
		"2026-11-25T09:00:00Z/2026-11-25T11:00:00Z": 1,
		"2026-11-23T11:30:00Z/PT1H":                 1,
		"PT1H/2026-11-25T11:00:00Z":                 1,
	} {
		if got := count(ts); got != strings.Repeat("x", want) {
			t.Errorf("timespan %q: got %q, want %d rows", ts, got, want)
		}
	}
	for ts, mention := range map[string]string{
		"P1M":     "years and months",
		"1 day":   "ISO 8601",
		"PT":      "ISO 8601",
		"P1D/P2D": "two durations",
		"2026-11-25T11:00:00Z/2026-11-25T09:00:00Z": "empty",
		"yesterday/2026-11-25T11:00:00Z":            "RFC 3339",
	} {
		st, body := e.query("SecurityEvent", ts)
		if st != 400 || !strings.Contains(string(body), mention) || !strings.Contains(string(body), `"BadArgumentError"`) {
			t.Errorf("timespan %q: %d %s; want 400 mentioning %q", ts, st, body, mention)
		}
	}
}

func TestParseISODuration(t *testing.T) {
	f := func(in string, want time.Duration) {
		t.Helper()
		got, err := ParseISODuration(in)
		if err != nil || got != want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	f("P1D", 24*time.Hour)
	f("PT1H", time.Hour)
	f("PT30M", 30*time.Minute)
	f("PT0.5S", 500*time.Millisecond)
	f("P2W", 14*24*time.Hour)
	f("P1DT2H3M4S", 26*time.Hour+3*time.Minute+4*time.Second)
	f("P0.5D", 12*time.Hour)
	f("PT1,5H", 90*time.Minute)
	for _, bad := range []string{"", "P", "1D", "PT", "P1H", "PT1D", "P1Y", "P-1D", "PT0S", "P1D1D", "P1e9D", "PTT1H", "P1.2.3D"} {
		if d, err := ParseISODuration(bad); err == nil {
			t.Errorf("ParseISODuration(%q) = %v, want an error", bad, d)
		}
	}
}

// TestQueryRefusals: each refused with a JSON error and counted; the
// querier is not reached for authentication and request errors; the server
// answers the next valid query.
func TestQueryRefusals(t *testing.T) {
	e := newEnv(t, Limits{MaxBodyBytes: 4096}, nil)
	randomKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 64))
	valid := `{"query":"SecurityEvent | take 1","timespan":"P1D"}`
	resigned := func(r *http.Request, signer, key string, at time.Time) *http.Request {
		if err := auth.SignAt(r, signer, key, at); err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		name         string
		req          func() *http.Request
		status       int
		code, reason string
		mention      string
		reachesQuery bool
	}{
		{"wrong key", func() *http.Request { return e.queryReq(e.a.ID, e.a.ID, randomKey, valid) }, 403, "InvalidAuthorization", "bad_signature", "neither key", false},
		{"key A reading workspace B", func() *http.Request { return e.queryReq(e.b.ID, e.a.ID, e.a.PrimaryKey, valid) }, 403, "InvalidAuthorization", "wrong_workspace", "signed for workspace", false},
		{"B's id with A's key", func() *http.Request { return e.queryReq(e.b.ID, e.b.ID, e.a.PrimaryKey, valid) }, 403, "InvalidAuthorization", "bad_signature", "neither key", false},
		{"stale date", func() *http.Request {
			return resigned(e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, valid), e.a.ID, e.a.PrimaryKey, e.clk.Now().Add(-20*time.Minute))
		}, 403, "InvalidAuthorization", "stale_date", "replay", false},
		{"bearer key", func() *http.Request {
			r := e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, valid)
			r.Header.Set("Authorization", "Bearer "+e.a.PrimaryKey)
			return r
		}, 403, "InvalidAuthorization", "malformed_authorization", "SharedKey", false},
		{"no authorization", func() *http.Request {
			r := e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, valid)
			r.Header.Del("Authorization")
			return r
		}, 403, "InvalidAuthorization", "missing_authorization", "Authorization", false},
		{"oversize body", func() *http.Request {
			return e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, `{"query":"`+strings.Repeat("x", 5000)+`"}`)
		}, 413, "PayloadTooLarge", "body_too_large", "4096", false},
		{"malformed json", func() *http.Request { return e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, `{"query":`) }, 400, "BadArgumentError", "malformed_body", "JSON", false},
		{"empty query", func() *http.Request { return e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, `{"query":"  "}`) }, 400, "BadArgumentError", "missing_query", "query", false},
		{"text content type", func() *http.Request {
			r := e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, valid)
			r.Header.Set("Content-Type", "text/plain")
			return resigned(r, e.a.ID, e.a.PrimaryKey, e.clk.Now())
		}, 400, "BadArgumentError", "unsupported_content_type", "application/json", false},
		{"cross workspace", func() *http.Request {
			return e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, `{"query":"SecurityEvent","workspaces":["`+e.b.ID+`"]}`)
		}, 400, "BadArgumentError", "cross_workspace", "cross-workspace", false},
		{"unknown table with sql", func() *http.Request {
			return e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, `{"query":"x'; DROP TABLE SecurityEvent; --"}`)
		}, 400, "BadArgumentError", "bad_query", "1:1: 'x'; DROP TABLE SecurityEvent; --' is not a table", true},
		{"syntax error", func() *http.Request {
			return e.queryReq(e.a.ID, e.a.ID, e.a.PrimaryKey, `{"query":"SecurityEvent | take ten"}`)
		}, 400, "BadArgumentError", "bad_query", "1:17: take needs a number", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls int
			e.q.set(func(f *fakeQuerier) { calls = f.calls })
			before := e.metric("wsec_api_refused_total", "endpoint", "query", "reason", c.reason)
			st, body := e.do(c.req())
			if st != c.status {
				t.Errorf("status %d, want %d: %s", st, c.status, body)
			}
			var eb server.ErrorBody
			if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code != c.code || !strings.Contains(eb.Error.Message, c.mention) {
				t.Errorf("error %s, want code %s mentioning %q", body, c.code, c.mention)
			}
			if strings.Contains(string(body), "b-secret-host") {
				t.Errorf("workspace B's data leaked: %s", body)
			}
			var now int
			e.q.set(func(f *fakeQuerier) { now = f.calls })
			if reached := now > calls; reached != c.reachesQuery {
				t.Errorf("querier reached: %v, want %v", reached, c.reachesQuery)
			}
			if got := e.metric("wsec_api_refused_total", "endpoint", "query", "reason", c.reason); got != before+1 {
				t.Errorf("refused{%s} %v → %v", c.reason, before, got)
			}
			if st, body := e.query("SecurityEvent | take 1", "P1D"); st != 200 || !strings.Contains(string(body), "web1") && !strings.Contains(string(body), "dc1") {
				t.Fatalf("valid query after refusal: %d %s", st, body)
			}
		})
	}
}

func TestQueryErrorPosition(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	st, body := e.query("SecurityEvent | take ten", "")
	if st != 400 {
		t.Fatalf("%d %s", st, body)
	}
	var eb struct {
		Error struct {
			Code, Message string
			InnerError    struct {
				Code, Message string
				Line, Pos     int
			} `json:"innererror"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &eb); err != nil {
		t.Fatal(err)
	}
	in := eb.Error.InnerError
	if eb.Error.Code != "BadArgumentError" || in.Code != "SyntaxError" || in.Line != 1 || in.Pos != 17 || in.Message != "take needs a number" {
		t.Errorf("error %+v", eb.Error)
	}
}

// Key A reads A; key B reads only B; rotation keeps the other key working.
func TestQueryIsolationAndRotation(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	st, body := e.do(e.queryReq(e.b.ID, e.b.ID, e.b.SecondaryKey, `{"query":"SecurityEvent"}`))
	if st != 200 || !strings.Contains(string(body), "b-secret-host") || strings.Contains(string(body), "web1") {
		t.Fatalf("B reading B: %d %s", st, body)
	}
	oldPrimary := e.a.PrimaryKey
	if _, err := e.reg.RotateKey(e.a.ID, auth.Primary); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.do(e.queryReq(e.a.ID, e.a.ID, oldPrimary, `{"query":"SecurityEvent"}`)); st != 403 {
		t.Errorf("old primary after rotation: %d", st)
	}
	if st, body := e.do(e.queryReq(e.a.ID, e.a.ID, e.a.SecondaryKey, `{"query":"SecurityEvent"}`)); st != 200 {
		t.Errorf("secondary during rotation: %d %s", st, body)
	}
}

func TestQueryTruncated(t *testing.T) {
	e := newEnv(t, Limits{MaxRows: 2}, nil)
	st, body := e.query("SecurityEvent", "")
	var r struct {
		Tables []struct{ Rows [][]any } `json:"tables"`
		Error  struct {
			Code    string
			Details []struct{ Code, Message string }
		}
	}
	if err := json.Unmarshal(body, &r); err != nil || st != 200 {
		t.Fatalf("%d %s %v", st, body, err)
	}
	if len(r.Tables[0].Rows) != 2 || r.Error.Code != "PartialError" || !strings.Contains(r.Error.Details[0].Message, "3 rows") {
		t.Errorf("truncated response %s", body)
	}
}

// TestQueryPartialFromStore: a result the querier cut at a limit of its
// own (fewer rows than MaxRows) is answered as partial too (issue 9.13).
func TestQueryPartialFromStore(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	e.q.set(func(f *fakeQuerier) {
		for _, tabs := range f.tables {
			tabs["SecurityEvent"].Partial = "the result reached the store's limit of rows or bytes; only the first 3 rows were kept"
		}
	})
	st, body := e.query("SecurityEvent", "")
	var r struct {
		Tables []struct{ Rows [][]any } `json:"tables"`
		Error  struct {
			Code    string
			Details []struct{ Code, Message string }
		}
	}
	if err := json.Unmarshal(body, &r); err != nil || st != 200 {
		t.Fatalf("%d %s %v", st, body, err)
	}
	if len(r.Tables[0].Rows) != 3 || r.Error.Code != "PartialError" || len(r.Error.Details) != 1 ||
		!strings.Contains(r.Error.Details[0].Message, "store's limit") {
		t.Errorf("partial result answered as whole: %s", body)
	}
}

func TestQueryTimeoutAndFailure(t *testing.T) {
	e := newEnv(t, Limits{QueryTimeout: 20 * time.Millisecond}, nil)
	e.q.set(func(f *fakeQuerier) { f.block = true })
	st, body := e.query("SecurityEvent", "")
	if st != http.StatusGatewayTimeout || !strings.Contains(string(body), "Prefer: wait=") {
		t.Errorf("timeout: %d %s", st, body)
	}
	e.q.set(func(f *fakeQuerier) {
		f.block = false
		f.err = errors.New("duckdb: IO Error: could not read /var/lib/wsec/ws.db")
	})
	st, body = e.query("SecurityEvent", "")
	if st != 500 || !strings.Contains(string(body), "query_id") || strings.Contains(string(body), "duckdb") {
		t.Errorf("internal failure: %d %s (cause must stay in the log)", st, body)
	}
	if got := e.metric("wsec_api_requests_total", "outcome", "failed"); got != 2 {
		t.Errorf("failed requests %v", got)
	}
}

func TestPreferWait(t *testing.T) {
	h := &Handler{limits: Limits{}.withDefaults()}
	for in, want := range map[string]time.Duration{
		"":                       3 * time.Minute,
		"wait=30":                30 * time.Second,
		"return=minimal, wait=5": 5 * time.Second,
		"wait=100000":            10 * time.Minute,
		"wait=abc":               3 * time.Minute,
	} {
		if got := h.timeout(in); got != want {
			t.Errorf("timeout(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestTables(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	list := func(e *env) (int, string) {
		r, _ := http.NewRequest("GET", e.url+"/v1/workspaces/"+e.a.ID+"/tables", nil)
		if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		st, b := e.do(r)
		return st, string(b)
	}
	st, body := list(e)
	if st != 200 || !strings.Contains(body, `{"name":"SecurityEvent","columns":[{"name":"TimeGenerated","type":"datetime"}`) || !strings.Contains(body, `"rows":[]`) {
		t.Errorf("tables: %d %s", st, body)
	}
	e2 := newEnv(t, Limits{}, func(q Querier) Querier { return querierOnly{q} })
	if st, body := list(e2); st != 404 || !strings.Contains(body, "PathNotFoundError") {
		t.Errorf("tables without lister: %d %s", st, body)
	}
}

// TestQueryRenderHint: the render operator's visualization and properties
// travel with the result, as Log Analytics' include-render does, so a
// client draws the chart the query asks for.
func TestQueryRenderHint(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	e.q.set(func(f *fakeQuerier) {
		for _, tabs := range f.tables {
			tabs["SecurityEvent"].Render = &Render{Visual: "timechart", Props: map[string]string{"title": `Logons "by hour"`, "ycolumns": "n"}}
		}
	})
	st, body := e.query("SecurityEvent", "")
	var r struct {
		Render map[string]string `json:"render"`
	}
	if err := json.Unmarshal(body, &r); err != nil || st != 200 {
		t.Fatalf("%d %s %v", st, body, err)
	}
	if r.Render["visualization"] != "timechart" || r.Render["title"] != `Logons "by hour"` || r.Render["ycolumns"] != "n" {
		t.Errorf("render hint: %s", body)
	}
	e.q.set(func(f *fakeQuerier) {
		for _, tabs := range f.tables {
			tabs["SecurityEvent"].Render = nil
		}
	})
	if _, body = e.query("SecurityEvent", ""); strings.Contains(string(body), `"render"`) {
		t.Errorf("a query without render answered a hint: %s", body)
	}
}
