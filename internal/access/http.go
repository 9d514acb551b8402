package access

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"wsec/internal/auth"
	"wsec/internal/server"
)

// Paths of the APIs the Gate serves.
const (
	PathSession = "/v1/session"
	PathUsers   = "/v1/users"
	PathTokens  = "/v1/tokens"
	PathAudit   = "/v1/workspaces/{id}/audit"
)

// Register adds the session, users, tokens and audit routes to mux.
func (g *Gate) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+PathSession, g.login)
	mux.HandleFunc("GET "+PathSession, g.getSession)
	mux.HandleFunc("DELETE "+PathSession, g.logout)
	mux.HandleFunc("GET "+PathUsers, g.listUsers)
	mux.HandleFunc("POST "+PathUsers, g.addUser)
	mux.HandleFunc("DELETE "+PathUsers+"/{name}", g.deleteUser)
	mux.HandleFunc("PUT "+PathUsers+"/{name}/roles", g.setRoles)
	mux.HandleFunc("GET "+PathTokens, g.listTokens)
	mux.HandleFunc("POST "+PathTokens, g.createToken)
	mux.HandleFunc("DELETE "+PathTokens+"/{id}", g.revokeToken)
	mux.HandleFunc("GET "+PathAudit, g.queryAudit)
}

// SessionBody is the answer of POST and GET /v1/session.
type SessionBody struct {
	User string `json:"user"`
	// CSRF goes in the X-CSRF-Token header of every change made with the
	// cookie. Empty when the request was authenticated by a token.
	CSRF       string          `json:"csrf"`
	Workspaces []WorkspaceRole `json:"workspaces"`
}

// WorkspaceRole is a workspace the user may use, and the role there.
type WorkspaceRole struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// LoginRequest is the body of POST /v1/session.
type LoginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func (g *Gate) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := server.ReadBody(w, r, MaxBodyBytes)
	if err != nil {
		server.WriteError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "the request body is over 64 KiB")
		return false
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "the request body is not the JSON expected: "+err.Error())
		return false
	}
	return true
}

func (g *Gate) login(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	if !g.decode(w, r, &req) {
		return
	}
	userKey, addrKey := "user:"+req.User, "addr:"+clientAddr(r)
	if wait := g.throttle.wait(userKey, addrKey); wait > 0 {
		g.logins.WithLabelValues("throttled").Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		g.refuse(w, r, refusal{http.StatusTooManyRequests, "TooManyRequests", "login_throttled",
			"too many failed logins for this user or from this address; retry after " + wait.Round(time.Second).String()})
		return
	}
	u, ok := g.store.CheckLogin(req.User, req.Password)
	if !ok {
		g.throttle.fail(userKey, addrKey)
		g.logins.WithLabelValues("wrong").Inc()
		g.refuse(w, r, unauthenticated("login_wrong", "wrong user name or password"))
		return
	}
	g.throttle.forget(userKey)
	id, s, err := g.sessions.create(u.Name)
	if err != nil {
		server.WriteError(w, http.StatusInternalServerError, "InternalError", "could not start a session: "+err.Error())
		return
	}
	g.logins.WithLabelValues("ok").Inc()
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.expires.Sub(g.now()).Seconds())})
	server.LogAttrs(r.Context(), slog.String("user", u.Name))
	server.WriteJSON(w, http.StatusOK, g.sessionBody(Principal{User: u.Name, Via: "session", roles: u.Roles}, s.csrf))
}

func (g *Gate) sessionBody(p Principal, csrf string) SessionBody {
	b := SessionBody{User: p.User, CSRF: csrf, Workspaces: []WorkspaceRole{}}
	for _, ws := range g.spaces() {
		if r := p.Role(ws.ID); r != "" {
			b.Workspaces = append(b.Workspaces, WorkspaceRole{ID: ws.ID, Name: ws.Name, Role: r})
		}
	}
	return b
}

// principal is the user the Gate authenticated; the route's policy
// guarantees there is one.
func principal(r *http.Request) Principal {
	p, _ := FromContext(r.Context())
	return p
}

func (g *Gate) getSession(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	csrf := ""
	if c, err := r.Cookie(CookieName); err == nil && p.Via == "session" {
		if s, ok, _ := g.sessions.lookup(c.Value); ok {
			csrf = s.csrf
		}
	}
	server.WriteJSON(w, http.StatusOK, g.sessionBody(p, csrf))
}

func (g *Gate) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		g.sessions.delete(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

// adminOf returns the workspaces where p is admin.
func adminOf(p Principal) map[string]bool {
	out := map[string]bool{}
	for ws := range p.roles {
		if p.Role(ws) == Admin {
			out[ws] = true
		}
	}
	return out
}

// UserView is a user as the users API shows it (no hash).
type UserView struct {
	Name    string          `json:"name"`
	Roles   map[string]Role `json:"roles"`
	Created time.Time       `json:"created"`
	// Password is set once, in the answer to creating a user without one.
	Password string `json:"password,omitempty"`
}

func viewUser(u User, visible map[string]bool) UserView {
	v := UserView{Name: u.Name, Roles: map[string]Role{}, Created: u.Created}
	for ws, r := range u.Roles {
		if visible == nil || visible[ws] {
			v.Roles[ws] = r
		}
	}
	return v
}

// needAdmin answers 403 unless p is admin of every workspace in spaces
// (and of at least one workspace when spaces is empty).
func (g *Gate) needAdmin(w http.ResponseWriter, r *http.Request, p Principal, spaces []string) bool {
	admin := adminOf(p)
	if len(admin) == 0 {
		g.refuse(w, r, forbidden("role", p.User+" is admin of no workspace; managing users and tokens needs admin"))
		return false
	}
	for _, ws := range spaces {
		if !admin[ws] {
			g.refuse(w, r, forbidden("role", p.User+" is not admin of workspace "+ws))
			return false
		}
	}
	return true
}

func (g *Gate) listUsers(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !g.needAdmin(w, r, p, nil) {
		return
	}
	admin := adminOf(p)
	out := []UserView{}
	for _, u := range g.store.Users() {
		out = append(out, viewUser(u, admin))
	}
	server.WriteJSON(w, http.StatusOK, out)
}

// AddUserRequest is the body of POST /v1/users. An empty password makes
// the server generate one, returned once in the answer.
type AddUserRequest struct {
	Name     string          `json:"name"`
	Password string          `json:"password,omitempty"`
	Roles    map[string]Role `json:"roles"`
}

// known canonicalises workspace IDs and answers 400 for one that does not exist.
func (g *Gate) known(w http.ResponseWriter, roles map[string]Role) (map[string]Role, bool) {
	roles, err := canonicalRoles(roles, true)
	if err == nil {
		for ws := range roles {
			if !slices.ContainsFunc(g.spaces(), func(x auth.Workspace) bool { return x.ID == ws }) {
				err = errors.New("workspace " + ws + " does not exist")
				break
			}
		}
	}
	if err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return nil, false
	}
	return roles, true
}

func (g *Gate) addUser(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	var req AddUserRequest
	if !g.decode(w, r, &req) {
		return
	}
	roles, ok := g.known(w, req.Roles)
	if !ok || !g.needAdmin(w, r, p, keys(roles)) {
		return
	}
	generated := req.Password == ""
	if generated {
		var err error
		if req.Password, err = NewPassword(); err != nil {
			server.WriteError(w, http.StatusInternalServerError, "InternalError", err.Error())
			return
		}
	}
	u, err := g.store.AddUser(req.Name, req.Password, roles)
	if err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	g.recordEach(p, "user.add", u.Name, keys(roles))
	v := viewUser(u, nil)
	if generated {
		v.Password = req.Password
	}
	server.WriteJSON(w, http.StatusCreated, v)
}

func keys(m map[string]Role) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// recordEach records action once per workspace of spaces.
func (g *Gate) recordEach(p Principal, action, target string, spaces []string) {
	if err := g.audit.RecordAll(AuditEntry{Time: g.now().UTC(), User: p.User, Via: p.Via, Action: action, Target: target}, spaces); err != nil {
		g.log.Error("audit entry not recorded", "err", err, "user", p.User, "action", action, "target", target)
	}
}

func (g *Gate) deleteUser(w http.ResponseWriter, r *http.Request) {
	p, name := principal(r), r.PathValue("name")
	u, ok := g.store.User(name)
	if !ok {
		if g.needAdmin(w, r, p, nil) {
			server.WriteError(w, http.StatusNotFound, "NotFound", "no user "+name)
		}
		return
	}
	if !g.needAdmin(w, r, p, keys(u.Roles)) {
		return
	}
	if name == p.User {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "a user cannot delete itself; another admin can")
		return
	}
	if err := g.store.DeleteUser(name); err != nil {
		server.WriteError(w, http.StatusNotFound, "NotFound", err.Error())
		return
	}
	g.sessions.deleteUser(name)
	g.recordEach(p, "user.delete", name, keys(u.Roles))
	w.WriteHeader(http.StatusNoContent)
}

func (g *Gate) setRoles(w http.ResponseWriter, r *http.Request) {
	p, name := principal(r), r.PathValue("name")
	var req map[string]Role
	if !g.decode(w, r, &req) {
		return
	}
	roles, ok := g.known(w, req)
	if !ok || !g.needAdmin(w, r, p, keys(roles)) {
		return
	}
	u, err := g.store.SetRoles(name, roles)
	if errors.Is(err, ErrNoUser) {
		server.WriteError(w, http.StatusNotFound, "NotFound", err.Error())
		return
	}
	if err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	g.recordEach(p, "user.roles", name, keys(roles))
	server.WriteJSON(w, http.StatusOK, viewUser(u, adminOf(p)))
}

// TokenView is a token as the tokens API shows it; Token (the secret) is
// set once, in the answer to creating it.
type TokenView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	User      string    `json:"user"`
	Workspace string    `json:"workspace"`
	Role      Role      `json:"role"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires,omitzero"`
	Token     string    `json:"token,omitempty"`
}

func viewToken(t Token) TokenView {
	return TokenView{ID: t.ID, Name: t.Name, User: t.User, Workspace: t.Workspace, Role: t.Role, Created: t.Created, Expires: t.Expires}
}

func (g *Gate) listTokens(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	admin := adminOf(p)
	out := []TokenView{}
	for _, t := range g.store.Tokens() {
		if t.User == p.User || admin[t.Workspace] {
			out = append(out, viewToken(t))
		}
	}
	server.WriteJSON(w, http.StatusOK, out)
}

// CreateTokenRequest is the body of POST /v1/tokens: a token for the
// caller with role (at most the caller's) in workspace.
type CreateTokenRequest struct {
	Name      string    `json:"name"`
	Workspace string    `json:"workspace"`
	Role      Role      `json:"role"`
	Expires   time.Time `json:"expires,omitzero"`
}

func (g *Gate) createToken(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	var req CreateTokenRequest
	if !g.decode(w, r, &req) {
		return
	}
	roles, ok := g.known(w, map[string]Role{req.Workspace: req.Role})
	if !ok {
		return
	}
	ws := keys(roles)[0]
	if have := p.Role(ws); !have.Allows(req.Role) {
		g.refuse(w, r, forbidden("role", p.User+" may not create a "+string(req.Role)+" token in workspace "+ws))
		return
	}
	secret, t, err := g.store.CreateToken(p.User, req.Name, ws, req.Role, req.Expires)
	if err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	g.record(AuditEntry{User: p.User, Via: p.Via, Workspace: ws, Action: "token.create", Target: t.ID})
	v := viewToken(t)
	v.Token = secret
	server.WriteJSON(w, http.StatusCreated, v)
}

func (g *Gate) revokeToken(w http.ResponseWriter, r *http.Request) {
	p, id := principal(r), r.PathValue("id")
	t, ok := g.store.Token(id)
	if !ok || (t.User != p.User && !adminOf(p)[t.Workspace]) {
		server.WriteError(w, http.StatusNotFound, "NotFound", "no token "+id+" of yours or of a workspace you administer")
		return
	}
	if _, err := g.store.RevokeToken(id); err != nil {
		server.WriteError(w, http.StatusNotFound, "NotFound", err.Error())
		return
	}
	g.record(AuditEntry{User: p.User, Via: p.Via, Workspace: t.Workspace, Action: "token.revoke", Target: id})
	w.WriteHeader(http.StatusNoContent)
}

// AuditBody is the answer of GET /v1/workspaces/{id}/audit.
type AuditBody struct {
	Entries []AuditEntry `json:"entries"`
}

func (g *Gate) queryAudit(w http.ResponseWriter, r *http.Request) {
	ws, _ := pathWorkspace(r.URL.Path)
	q := r.URL.Query()
	limit := DefaultAuditLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxAuditLimit {
			server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "limit: want 1 to "+strconv.Itoa(MaxAuditLimit))
			return
		}
		limit = n
	}
	var since time.Time
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "since: want an RFC 3339 time: "+err.Error())
			return
		}
		since = t
	}
	entries, err := g.audit.Query(ws, since, limit)
	if err != nil {
		server.WriteError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	server.WriteJSON(w, http.StatusOK, AuditBody{Entries: entries})
}
