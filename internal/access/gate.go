package access

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/protocol"
	"wsec/internal/server"
)

// CookieName is the session cookie; HeaderCSRF carries the session's CSRF
// token on every state-changing request authenticated by the cookie.
const (
	CookieName = "wsec_session"
	HeaderCSRF = "X-CSRF-Token"
)

// GateOptions configure a Gate.
type GateOptions struct {
	Store *Store // required
	Audit *Audit // required
	// Workspaces lists the workspaces (names for the session body). nil:
	// none are named.
	Workspaces func() []auth.Workspace
	// SessionTTL is how long a login lasts. 0: DefaultSessionTTL.
	SessionTTL time.Duration
	// Registerer receives the refusal and login metrics. nil: not registered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Now is the clock (sessions, throttling). nil: time.Now.
	Now func() time.Time
	// Rand is the source of session IDs and CSRF tokens. nil: crypto/rand.
	Rand io.Reader
}

// Gate authenticates every request of `wsec serve` (session cookie, bearer
// token or agent key), checks the role its route needs, records changes in
// the audit log, and serves the session, users, tokens and audit APIs.
type Gate struct {
	store    *Store
	audit    *Audit
	spaces   func() []auth.Workspace
	sessions *sessions
	throttle *throttle
	now      func() time.Time
	log      *slog.Logger
	refused  *prometheus.CounterVec
	logins   *prometheus.CounterVec
}

// NewGate builds a Gate.
func NewGate(o GateOptions) (*Gate, error) {
	if o.Store == nil || o.Audit == nil {
		return nil, fmt.Errorf("new access gate: Store and Audit are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = o.Store.rand
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workspaces == nil {
		o.Workspaces = func() []auth.Workspace { return nil }
	}
	g := &Gate{store: o.Store, audit: o.Audit, spaces: o.Workspaces, now: o.Now, log: o.Logger,
		sessions: newSessions(o.SessionTTL, o.Now, o.Rand), throttle: newThrottle(o.Now),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wsec_access_refusals_total",
			Help: "Requests refused by authentication or authorisation, by reason."}, []string{"reason"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wsec_access_logins_total",
			Help: "Login attempts by outcome (ok, wrong, throttled)."}, []string{"outcome"}),
	}
	if o.Registerer != nil {
		for _, c := range []prometheus.Collector{g.refused, g.logins} {
			if err := o.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("register access metrics: %w", err)
			}
		}
	}
	return g, nil
}

// need is what a route asks of a request.
type need int

const (
	public      need = iota // anyone (health, metrics, login, the UI)
	agentOnly               // ingest: an agent key, checked by the handler
	agentOrRole             // an agent key (checked by the handler) or a user with role
	roleIn                  // a user with role in the path's workspace
	signedIn                // any user (session, users, tokens APIs)
)

type policy struct {
	need need
	role Role
}

const workspacesPrefix = "/v1/workspaces/{id}/"

// policyFor maps a route pattern ("METHOD /path") to what it needs. Routes
// under /v1/workspaces/{id}/ that this table does not name need reader
// to read and admin to change: a new endpoint is closed by default.
func policyFor(pattern string) policy {
	method, path, _ := strings.Cut(pattern, " ")
	switch {
	case path == protocol.PathEvents || path == protocol.PathHeartbeat || path == protocol.PathDataCollector:
		return policy{need: agentOnly}
	case path == protocol.PathRules && method == http.MethodGet:
		return policy{need: agentOrRole, role: Reader}
	case path == PathSession && method == http.MethodPost:
		return policy{need: public}
	case path == PathSession, strings.HasPrefix(path, PathUsers), strings.HasPrefix(path, PathTokens):
		return policy{need: signedIn}
	case path == PathAudit:
		return policy{need: roleIn, role: Admin}
	case !strings.HasPrefix(path, workspacesPrefix):
		return policy{need: public}
	case method == http.MethodGet || method == http.MethodHead || path == protocol.PathQuery || path == protocol.PathDCRPreview:
		return policy{need: roleIn, role: Reader}
	case strings.HasPrefix(path, protocol.PathIncidents+"/"), strings.HasPrefix(path, protocol.PathWorkbooks+"/"):
		return policy{need: roleIn, role: Responder}
	}
	return policy{need: roleIn, role: Admin}
}

// Principal is an authenticated user, by session or token.
type Principal struct {
	User string
	// Via is "session" or "token:<id>".
	Via string
	// roles are the user's roles; a token narrows them to its workspace
	// and role.
	roles   map[string]Role
	tokenWS string
	tokRole Role
}

// Role is the principal's role in workspace ("" when none).
func (p Principal) Role(workspace string) Role {
	r := p.roles[workspace]
	if p.tokenWS != "" {
		if workspace != p.tokenWS {
			return ""
		}
		r = lower(r, p.tokRole)
	}
	return r
}

type principalKey struct{}

type grant struct {
	p         Principal
	workspace string // the path's workspace, role-checked; "" off workspace routes
}

// FromContext returns the user a request was authenticated as by the
// Gate; ok is false for agent-key and anonymous requests.
func FromContext(ctx context.Context) (Principal, bool) {
	g, ok := ctx.Value(principalKey{}).(*grant)
	if !ok {
		return Principal{}, false
	}
	return g.p, true
}

// refusal is an answer of the gate other than passing the request on.
type refusal struct {
	status int
	code   string
	reason string
	msg    string
}

func (g *Gate) refuse(w http.ResponseWriter, r *http.Request, f refusal) {
	g.refused.WithLabelValues(f.reason).Inc()
	server.LogAttrs(r.Context(), slog.String("outcome", "refused"), slog.String("reason", f.reason))
	server.WriteError(w, f.status, f.code, f.msg)
}

func unauthenticated(reason, msg string) refusal {
	return refusal{http.StatusUnauthorized, "AuthenticationFailed", reason, msg}
}

func forbidden(reason, msg string) refusal {
	return refusal{http.StatusForbidden, "Forbidden", reason, msg}
}

// agentSigned reports whether r carries an agent-key signature (SharedKey
// or WsecKey); the handler verifies it.
func agentSigned(r *http.Request) bool {
	scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	return strings.EqualFold(scheme, "SharedKey") || strings.EqualFold(scheme, auth.SchemeContent)
}

// Wrap returns mux behind the gate: every request is matched to its route
// first (without serving it), then authenticated and authorised for that
// route, then served, and a successful change (a route needing more than
// reader) is recorded in the audit log.
func (g *Gate) Wrap(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		pol := policyFor(pattern)
		if pol.need == public {
			mux.ServeHTTP(w, r)
			return
		}
		if agentSigned(r) {
			if pol.need == agentOnly || pol.need == agentOrRole {
				mux.ServeHTTP(w, r)
				// The handler checked the key (ingest must answer as the
				// Data Collector API does); its refusals count here too.
				if st := server.ResponseStatus(w); st == http.StatusUnauthorized || st == http.StatusForbidden {
					g.refused.WithLabelValues("agent_key_refused").Inc()
				}
				return
			}
			g.refuse(w, r, forbidden("agent_key_not_allowed",
				"a workspace (agent) key may only send events, heartbeats and Data Collector logs and read its DCRs; "+
					"use an API token (wsec token create; Authorization: Bearer) or log in"))
			return
		}
		p, f, ok := g.authenticate(r)
		if !ok {
			if pol.need == agentOnly && f.reason == "no_credentials" {
				mux.ServeHTTP(w, r) // the ingest handler answers as the Data Collector API does
				return
			}
			g.refuse(w, r, f)
			return
		}
		if pol.need == agentOnly {
			g.refuse(w, r, forbidden("ingest_needs_agent_key",
				"ingest endpoints take the workspace key agents sign with, not a user session or API token"))
			return
		}
		gr := &grant{p: p}
		if pol.need != signedIn {
			ws, ok := pathWorkspace(r.URL.Path)
			if !ok {
				g.refused.WithLabelValues("workspace_not_guid").Inc()
				server.WriteError(w, http.StatusNotFound, "PathNotFoundError", "the workspace ID in the path is not a GUID")
				return
			}
			if have := p.Role(ws); !have.Allows(pol.role) {
				msg := fmt.Sprintf("%s has no access to workspace %s", p.User, ws)
				if have != "" {
					msg = fmt.Sprintf("%s is %s in workspace %s; this needs %s", p.User, have, ws, pol.role)
				}
				g.refuse(w, r, forbidden("role", msg))
				return
			}
			gr.workspace = ws
		}
		server.LogAttrs(r.Context(), slog.String("user", p.User))
		mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, gr)))
		if changes(r.Method) && gr.workspace != "" && pol.role != Reader {
			if st := server.ResponseStatus(w); st > 0 && st < 400 {
				g.record(AuditEntry{User: p.User, Via: p.Via, Workspace: gr.workspace, Action: pattern, Target: r.URL.Path, Status: st})
			}
		}
	})
}

func changes(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// pathWorkspace returns the canonical workspace ID of a /v1/workspaces/{id}/ path.
func pathWorkspace(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/v1/workspaces/")
	if !ok {
		return "", false
	}
	id, _, _ := strings.Cut(rest, "/")
	return auth.CanonicalID(id)
}

// authenticate finds the user of a bearer token or a session cookie.
func (g *Gate) authenticate(r *http.Request) (Principal, refusal, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := bearer(h)
		if !ok {
			return Principal{}, unauthenticated("bad_scheme", "the Authorization scheme is not Bearer (API token), SharedKey or WsecKey (agent key)"), false
		}
		return g.authenticateToken(tok)
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Principal{}, unauthenticated("no_credentials",
			"not authenticated: log in (POST /v1/session) or send an API token (Authorization: Bearer, from 'wsec token create')"), false
	}
	s, ok, expired := g.sessions.lookup(c.Value)
	switch {
	case expired:
		return Principal{}, unauthenticated("session_expired", "the session has expired; log in again"), false
	case !ok:
		return Principal{}, unauthenticated("session_unknown", "the session is not known (logged out, or the server restarted); log in again"), false
	}
	if changes(r.Method) && !csrfMatches(s, r.Header.Get(HeaderCSRF)) {
		reason := "csrf_mismatch"
		if r.Header.Get(HeaderCSRF) == "" {
			reason = "csrf_missing"
		}
		return Principal{}, forbidden(reason, "a change made with a session cookie needs the header "+HeaderCSRF+
			" with the csrf value of the session (GET /v1/session)"), false
	}
	u, ok := g.store.User(s.user)
	if !ok {
		g.sessions.delete(c.Value)
		return Principal{}, unauthenticated("user_deleted", "the session's user no longer exists"), false
	}
	return Principal{User: u.Name, Via: "session", roles: u.Roles}, refusal{}, true
}

func (g *Gate) authenticateToken(raw string) (Principal, refusal, bool) {
	id, err := parseToken(raw)
	if err != nil {
		return Principal{}, unauthenticated("bad_token", err.Error()), false
	}
	t, ok := g.store.Token(id)
	if !ok || !hashMatches(t.Hash, tokenHash(raw)) {
		return Principal{}, unauthenticated("bad_token", "the API token is not valid (revoked, or mistyped); create one with 'wsec token create'"), false
	}
	if !t.Expires.IsZero() && !g.now().Before(t.Expires) {
		return Principal{}, unauthenticated("token_expired", "the API token expired at "+t.Expires.Format(time.RFC3339)+"; create a new one"), false
	}
	u, ok := g.store.User(t.User)
	if !ok {
		return Principal{}, unauthenticated("bad_token", "the API token's user no longer exists"), false
	}
	return Principal{User: u.Name, Via: "token:" + t.ID, roles: u.Roles, tokenWS: t.Workspace, tokRole: t.Role}, refusal{}, true
}

// record appends to the audit log; a failure is logged (the change itself
// has happened and is not undone).
func (g *Gate) record(e AuditEntry) {
	if e.Time.IsZero() {
		e.Time = g.now().UTC()
	}
	if err := g.audit.Record(e); err != nil {
		g.log.Error("audit entry not recorded", "err", err, "user", e.User, "action", e.Action, "target", e.Target)
	}
}

// clientAddr is the request's remote IP (the throttle key for addresses).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Verifier wraps the agent-key verifier of the endpoint packages: a
// request the Gate let through as a user is authorised for the workspace
// in its path (the Gate checked the role); any other is verified by agent.
// VerifyBatch (ingest's relay rule) is passed on to agent when it has it.
func (g *Gate) Verifier(agent *auth.Verifier) *GateVerifier { return &GateVerifier{agent} }

// GateVerifier is what Gate.Verifier returns.
type GateVerifier struct{ agent *auth.Verifier }

// Verify implements server.Verifier.
func (v *GateVerifier) Verify(r *http.Request, n int64, resource string) (string, error) {
	if gr, ok := r.Context().Value(principalKey{}).(*grant); ok && gr.workspace != "" {
		return gr.workspace, nil
	}
	return v.agent.Verify(r, n, resource)
}

// VerifyBatch is auth.Verifier.VerifyBatch: events batches come from
// agents only (the Gate refuses users there).
func (v *GateVerifier) VerifyBatch(r *http.Request, n int64, resource string) (string, error) {
	return v.agent.VerifyBatch(r, n, resource)
}
