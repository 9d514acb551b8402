package access_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/access"
	"wsec/internal/api"
	"wsec/internal/auth"
	"wsec/internal/dcr"
	"wsec/internal/ingest"
	"wsec/internal/server"
)

// cheap keeps argon2 fast in tests; the stored hash records its cost.
var cheap = access.PasswordCost{Time: 1, MemKiB: 64, Threads: 1}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type oneRow struct{}

func (oneRow) Query(_ context.Context, ws, kql string, _, _ time.Time) (*api.Table, error) {
	return &api.Table{Name: "PrimaryResult", Columns: []api.Column{{Name: "ws", Type: "string"}}, Rows: [][]any{{ws}}}, nil
}

// refusedAppender stores nothing: the tests send it only requests the
// gate refuses.
type refusedAppender struct{ ingest.Appender }

// env is a wsec server as `wsec serve` wires it (gate, query API, DCR
// API), on 127.0.0.1, with two workspaces and users in the first.
type env struct {
	t      *testing.T
	url    string
	a, b   auth.Workspace
	store  *access.Store
	clock  *clock
	client *http.Client
}

const pw = "correct horse battery"

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	keys, err := auth.Open(dir, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := keys.Create("alpha")
	if err != nil {
		t.Fatal(err)
	}
	b, err := keys.Create("beta")
	if err != nil {
		t.Fatal(err)
	}
	// The clock starts at the real time: the client's cookie jar drops a
	// cookie whose Expires (the server's clock plus the session lifetime) is
	// past by the wall clock.
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	st, err := access.Open(dir, access.Options{Cost: cheap, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	for name, role := range map[string]access.Role{"alice": access.Admin, "rob": access.Responder, "rita": access.Reader} {
		if _, err := st.AddUser(name, pw, map[string]access.Role{a.ID: role}); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	gate, err := access.NewGate(access.GateOptions{Store: st, Audit: access.OpenAudit(dir), Workspaces: keys.List,
		Registerer: reg, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	agents := auth.NewVerifier(keys, nil)
	ah, err := api.New(api.Options{Querier: oneRow{}, Verifier: gate.Verifier(agents)})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := dcr.Open(t.TempDir(), func(dcr.Rule) error { return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ih, err := ingest.New(ingest.Options{Appender: refusedAppender{}, Verifier: agents})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Registerer: reg, Gatherer: reg, Wrap: gate.Wrap},
		ih, ah, dcr.Routes{Store: rules, Verifier: gate.Verifier(agents)}, gate)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, url: hs.URL, a: a, b: b, store: st, clock: clk, client: hs.Client()}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) errorText() string {
	var eb server.ErrorBody
	_ = json.Unmarshal(a.body, &eb)
	return eb.Error.Message
}

// do sends a request; prep may add credentials.
func (e *env) do(c *http.Client, method, path string, body any, prep ...func(*http.Request, []byte)) answer {
	e.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, p := range prep {
		p(req, b)
	}
	if c == nil {
		c = e.client
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, rb}
}

func (e *env) agentKey(ws auth.Workspace) func(*http.Request, []byte) {
	return func(r *http.Request, body []byte) {
		if err := auth.SignContent(r, body, ws.ID, ws.PrimaryKey, time.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
}

func bearer(tok string) func(*http.Request, []byte) {
	return func(r *http.Request, _ []byte) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func csrf(s string) func(*http.Request, []byte) {
	return func(r *http.Request, _ []byte) { r.Header.Set(access.HeaderCSRF, s) }
}

// login returns a client holding the session cookie, and the CSRF token.
func (e *env) login(user string) (*http.Client, access.SessionBody) {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	a := e.do(c, "POST", "/v1/session", access.LoginRequest{User: user, Password: pw})
	if a.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", user, a.status, a.body)
	}
	var s access.SessionBody
	if err := json.Unmarshal(a.body, &s); err != nil {
		e.t.Fatal(err)
	}
	return c, s
}

func (e *env) want(a answer, status int, what string) {
	e.t.Helper()
	if a.status != status {
		e.t.Fatalf("%s: status %d (%s), want %d", what, a.status, a.body, status)
	}
	if status >= 400 && a.errorText() == "" {
		e.t.Fatalf("%s: refusal without a JSON error message: %s", what, a.body)
	}
}

// metric returns the value of a sample line of /metrics ("name{labels}").
func (e *env) metric(sample string) float64 {
	e.t.Helper()
	a := e.do(nil, "GET", "/metrics", nil)
	for _, line := range strings.Split(string(a.body), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				e.t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

func queryPath(ws auth.Workspace) string { return "/v1/workspaces/" + ws.ID + "/query" }
func rulesPath(ws auth.Workspace) string { return "/v1/workspaces/" + ws.ID + "/rules" }

var query = map[string]string{"query": "SecurityEvent | take 1"}
var rule = dcr.Rule{Name: "r1", EventSet: "Common"}

func TestRolesPerRoute(t *testing.T) {
	e := newEnv(t)
	rita, rs := e.login("rita")
	e.want(e.do(rita, "POST", queryPath(e.a), query, csrf(rs.CSRF)), 200, "reader queries")
	e.want(e.do(rita, "GET", rulesPath(e.a), nil), 200, "reader lists DCRs")
	e.want(e.do(rita, "PUT", rulesPath(e.a)+"/r1", rule, csrf(rs.CSRF)), 403, "reader puts a DCR")
	e.want(e.do(rita, "GET", "/v1/users", nil), 403, "reader lists users")
	e.want(e.do(rita, "GET", "/v1/workspaces/"+e.a.ID+"/audit", nil), 403, "reader reads the audit log")
	e.want(e.do(rita, "POST", "/v1/tokens", access.CreateTokenRequest{Name: "x", Workspace: e.a.ID, Role: access.Admin}, csrf(rs.CSRF)),
		403, "reader creates an admin token")
	e.want(e.do(rita, "POST", queryPath(e.b), query, csrf(rs.CSRF)), 403, "reader queries a workspace not hers")

	alice, as := e.login("alice")
	e.want(e.do(alice, "PUT", rulesPath(e.a)+"/r1", rule, csrf(as.CSRF)), 200, "admin puts a DCR")
	e.want(e.do(alice, "POST", queryPath(e.b), query, csrf(as.CSRF)), 403, "admin of A queries B")
	if got := e.metric(`wsec_access_refusals_total{reason="role"}`); got != 6 {
		t.Errorf("role refusals = %v, want 6", got)
	}
	if len(as.Workspaces) != 1 || as.Workspaces[0].ID != e.a.ID || as.Workspaces[0].Role != access.Admin || as.Workspaces[0].Name != "alpha" {
		t.Errorf("alice's session workspaces = %+v, want alpha as admin", as.Workspaces)
	}
}

func TestSessionNeedsCSRF(t *testing.T) {
	e := newEnv(t)
	alice, s := e.login("alice")
	e.want(e.do(alice, "PUT", rulesPath(e.a)+"/r1", rule), 403, "change without CSRF header")
	e.want(e.do(alice, "PUT", rulesPath(e.a)+"/r1", rule, csrf(s.CSRF+"x")), 403, "change with a wrong CSRF header")
	e.want(e.do(alice, "DELETE", "/v1/session", nil), 403, "logout without CSRF header")
	e.want(e.do(alice, "PUT", rulesPath(e.a)+"/r1", rule, csrf(s.CSRF)), 200, "change with the CSRF header")
	if got := e.metric(`wsec_access_refusals_total{reason="csrf_missing"}`); got != 2 {
		t.Errorf("csrf_missing refusals = %v, want 2", got)
	}
	var audit access.AuditBody
	a := e.do(alice, "GET", "/v1/workspaces/"+e.a.ID+"/audit", nil)
	e.want(a, 200, "audit")
	if err := json.Unmarshal(a.body, &audit); err != nil {
		t.Fatal(err)
	}
	if len(audit.Entries) != 1 || audit.Entries[0].User != "alice" || audit.Entries[0].Target != rulesPath(e.a)+"/r1" ||
		!audit.Entries[0].Time.Equal(e.clock.now()) {
		t.Errorf("audit = %+v, want alice's one DCR change at %v", audit.Entries, e.clock.now())
	}
	e.want(e.do(alice, "DELETE", "/v1/session", nil, csrf(s.CSRF)), 204, "logout")
	e.want(e.do(alice, "GET", "/v1/session", nil), 401, "session after logout")
}

func TestExpiredSessionRefused(t *testing.T) {
	e := newEnv(t)
	rita, s := e.login("rita")
	e.clock.add(access.DefaultSessionTTL - time.Second)
	e.want(e.do(rita, "POST", queryPath(e.a), query, csrf(s.CSRF)), 200, "query just before expiry")
	e.clock.add(time.Second)
	a := e.do(rita, "POST", queryPath(e.a), query, csrf(s.CSRF))
	e.want(a, 401, "query with an expired session")
	if !strings.Contains(a.errorText(), "expired") {
		t.Errorf("message %q does not say the session expired", a.errorText())
	}
	if got := e.metric(`wsec_access_refusals_total{reason="session_expired"}`); got != 1 {
		t.Errorf("session_expired refusals = %v, want 1", got)
	}
}

func TestLoginThrottled(t *testing.T) {
	e := newEnv(t)
	for i := range access.MaxLoginFailures {
		e.want(e.do(nil, "POST", "/v1/session", access.LoginRequest{User: "alice", Password: "guess" + strconv.Itoa(i)}), 401, "wrong password")
	}
	a := e.do(nil, "POST", "/v1/session", access.LoginRequest{User: "alice", Password: pw})
	e.want(a, 429, "right password while throttled")
	if ra, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || ra != int(access.LoginLockout/time.Second) {
		t.Errorf("Retry-After %q, want %d", a.header.Get("Retry-After"), int(access.LoginLockout/time.Second))
	}
	e.clock.add(access.LoginLockout)
	e.want(e.do(nil, "POST", "/v1/session", access.LoginRequest{User: "alice", Password: "again wrong"}), 401, "wrong password after the lockout")
	a = e.do(nil, "POST", "/v1/session", access.LoginRequest{User: "alice", Password: pw})
	e.want(a, 429, "right password after a further failure")
	if ra, _ := strconv.Atoi(a.header.Get("Retry-After")); ra != int(2*access.LoginLockout/time.Second) {
		t.Errorf("Retry-After after a further failure %q, want the lockout doubled", a.header.Get("Retry-After"))
	}
	e.clock.add(2 * access.LoginLockout)
	e.login("alice")
	if got := e.metric(`wsec_access_refusals_total{reason="login_throttled"}`); got != 2 {
		t.Errorf("login_throttled refusals = %v, want 2", got)
	}
}

func TestNotAuthenticated(t *testing.T) {
	e := newEnv(t)
	e.want(e.do(nil, "POST", queryPath(e.a), query), 401, "query without credentials")
	e.want(e.do(nil, "GET", "/v1/session", nil), 401, "session without cookie")
	e.want(e.do(nil, "POST", queryPath(e.a), query, bearer("wsec_0123456789abcdef_"+strings.Repeat("A", 43))), 401, "unknown token")
	e.want(e.do(nil, "POST", queryPath(e.a), query, bearer("nonsense")), 401, "malformed token")
	e.want(e.do(nil, "POST", "/v1/session", access.LoginRequest{User: "nobody", Password: pw}), 401, "unknown user")
	e.want(e.do(nil, "GET", "/healthz", nil), 200, "health needs no login")
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	alice, s := e.login("alice")
	a := e.do(alice, "POST", "/v1/tokens", access.CreateTokenRequest{Name: "ci", Workspace: e.a.ID, Role: access.Reader}, csrf(s.CSRF))
	e.want(a, 201, "create token")
	var tv access.TokenView
	if err := json.Unmarshal(a.body, &tv); err != nil {
		t.Fatal(err)
	}
	e.want(e.do(nil, "POST", queryPath(e.a), query, bearer(tv.Token)), 200, "reader token queries")
	e.want(e.do(nil, "PUT", rulesPath(e.a)+"/r1", rule, bearer(tv.Token)), 403, "reader token of an admin puts a DCR")
	e.want(e.do(nil, "POST", queryPath(e.b), query, bearer(tv.Token)), 403, "token used on another workspace")
	e.want(e.do(nil, "POST", "/v1/workspaces/"+e.a.ID+"/events", []int{}, bearer(tv.Token)), 403, "token sends events")
	e.want(e.do(alice, "DELETE", "/v1/tokens/"+tv.ID, nil, csrf(s.CSRF)), 204, "revoke")
	e.want(e.do(nil, "POST", queryPath(e.a), query, bearer(tv.Token)), 401, "revoked token")

	secret, _, err := e.store.CreateToken("rita", "short", e.a.ID, access.Reader, e.clock.now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	e.want(e.do(nil, "POST", queryPath(e.a), query, bearer(secret)), 200, "token before expiry")
	e.clock.add(time.Hour)
	e.want(e.do(nil, "POST", queryPath(e.a), query, bearer(secret)), 401, "token at expiry")
}

func TestUsersAPI(t *testing.T) {
	e := newEnv(t)
	alice, s := e.login("alice")
	a := e.do(alice, "POST", "/v1/users", access.AddUserRequest{Name: "newbie", Roles: map[string]access.Role{e.a.ID: access.Reader}}, csrf(s.CSRF))
	e.want(a, 201, "add user")
	var u access.UserView
	if err := json.Unmarshal(a.body, &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Password) < 20 {
		t.Fatalf("generated password %q too short", u.Password)
	}
	e.want(e.do(alice, "POST", "/v1/users", access.AddUserRequest{Name: "spy", Roles: map[string]access.Role{e.b.ID: access.Reader}}, csrf(s.CSRF)),
		403, "add a user to a workspace alice does not administer")
	newbie := e.do(nil, "POST", "/v1/session", access.LoginRequest{User: "newbie", Password: u.Password})
	e.want(newbie, 200, "login with the generated password")
	e.want(e.do(alice, "PUT", "/v1/users/newbie/roles", map[string]access.Role{e.a.ID: access.Responder}, csrf(s.CSRF)), 200, "set role")
	if got, _ := e.store.User("newbie"); got.Roles[e.a.ID] != access.Responder {
		t.Errorf("newbie's role = %q, want responder", got.Roles[e.a.ID])
	}
	rita, rs := e.login("rita")
	e.want(e.do(alice, "DELETE", "/v1/users/rita", nil, csrf(s.CSRF)), 204, "delete user")
	e.want(e.do(rita, "POST", queryPath(e.a), query, csrf(rs.CSRF)), 401, "deleted user's session")
	e.want(e.do(alice, "DELETE", "/v1/users/alice", nil, csrf(s.CSRF)), 400, "delete oneself")

	var audit access.AuditBody
	a = e.do(alice, "GET", "/v1/workspaces/"+e.a.ID+"/audit", nil)
	if err := json.Unmarshal(a.body, &audit); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range audit.Entries {
		actions = append(actions, en.Action+" "+en.Target)
	}
	want := "user.delete rita,user.roles newbie,user.add newbie"
	if strings.Join(actions, ",") != want {
		t.Errorf("audit actions = %q, want %q", strings.Join(actions, ","), want)
	}
}

// TestSessionCookie: the session cookie is HttpOnly, SameSite=Strict, for
// the whole site, and lasts DefaultSessionTTL counted by the client from
// when it gets it (Max-Age, not an Expires date of the server's clock: a
// client whose clock is hours off, or a test clock, would drop it at once).
func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	a := e.do(nil, "POST", "/v1/session", access.LoginRequest{User: "rita", Password: pw})
	e.want(a, http.StatusOK, "login")
	c := a.header.Get("Set-Cookie")
	for _, want := range []string{access.CookieName + "=", "Path=/", "HttpOnly", "SameSite=Strict", fmt.Sprintf("Max-Age=%d", int(access.DefaultSessionTTL.Seconds()))} {
		if !strings.Contains(c, want) {
			t.Errorf("Set-Cookie %q lacks %q", c, want)
		}
	}
	if strings.Contains(c, "Expires=") {
		t.Errorf("Set-Cookie %q has an Expires date", c)
	}
}
