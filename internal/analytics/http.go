package analytics

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"wsec/internal/analytics/incident"
	"wsec/internal/analytics/investigate"
	"wsec/internal/analytics/notify"
	"wsec/internal/analytics/rule"
	"wsec/internal/protocol"
	"wsec/internal/server"
)

// Routes serves the analytics and incidents API (the CLI and the web UI
// use it):
//
//	GET  /v1/workspaces/{id}/analytics/rules                   list rules
//	POST /v1/workspaces/{id}/analytics/rules[?disabled=true]   import one Sentinel YAML rule (the body)
//	POST /v1/workspaces/{id}/analytics/rules/{rule}/enable     (and /disable)
//	POST /v1/workspaces/{id}/analytics/rules/{rule}/run        evaluate the window ending now
//	POST /v1/workspaces/{id}/analytics/rules/{rule}/backfill?from=T&to=T
//	GET  /v1/workspaces/{id}/incidents                          list
//	GET  /v1/workspaces/{id}/incidents/{n}
//	POST /v1/workspaces/{id}/incidents/{n}/{assign|comment|close|reopen}  JSON body (ChangeRequest)
//	GET  /v1/workspaces/{id}/incidents/{n}/investigation[?margin=1h&limit=N]
//	GET  /v1/workspaces/{id}/entities/{account|host|ip}/{value}[?from=T&to=T&limit=N]
//	GET  /v1/workspaces/{id}/analytics/webhooks                 list (secrets not shown)
//	PUT  /v1/workspaces/{id}/analytics/webhooks/{name}          notify.Webhook as JSON
//	DELETE /v1/workspaces/{id}/analytics/webhooks/{name}
//
// {rule} is a rule's ID or name; times are RFC 3339; an entity pivot
// without from and to covers the DefaultPivotSpan before now. Package
// investigate documents the JSON of the last two.
type Routes struct {
	Engine   *Engine
	Verifier server.Verifier
	// Investigator answers the investigation routes; nil: they answer 404.
	Investigator *investigate.Investigator
	Now          func() time.Time // nil: time.Now
	// Notifier serves the webhook routes; nil: they answer 404.
	Notifier *notify.Notifier
}

// DefaultPivotSpan is the range of an entity pivot that names none.
const DefaultPivotSpan = 24 * time.Hour

// RuleInfo is a rule as the API shows it.
type RuleInfo struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Kind       rule.Kind     `json:"kind"`
	Severity   string        `json:"severity,omitempty"`
	Frequency  time.Duration `json:"queryFrequency"`
	Period     time.Duration `json:"queryPeriod"`
	Tactics    []string      `json:"tactics"`
	Techniques []string      `json:"relevantTechniques"`
	Query      string        `json:"query"`
	Unknown    []string      `json:"unknownFields,omitempty"`
	Source     string        `json:"source"`
	Version    string        `json:"version,omitempty"`
	Entry
}

func info(e *Entry) RuleInfo {
	r := e.Rule
	return RuleInfo{ID: r.ID, Name: r.Name, Kind: r.Kind, Severity: r.Severity, Frequency: r.QueryFrequency, Period: r.QueryPeriod,
		Tactics: r.Tactics, Techniques: r.Techniques, Query: r.Query, Unknown: r.Unknown, Source: r.Source, Version: r.Version, Entry: *e}
}

// ChangeRequest is the body of an incident change.
type ChangeRequest struct {
	Owner          string `json:"owner,omitempty"`          // assign
	Message        string `json:"message,omitempty"`        // comment
	Classification string `json:"classification,omitempty"` // close
	Reason         string `json:"reason,omitempty"`         // close
	Comment        string `json:"comment,omitempty"`        // close
	Author         string `json:"author,omitempty"`         // who; default "api"
}

// BackfillResult is the answer of a backfill.
type BackfillResult struct {
	Windows   int   `json:"windows"`
	Results   int   `json:"results"`
	Alerts    int   `json:"alerts"`
	Incidents []int `json:"incidents"`
}

// Register adds the routes to mux.
func (rt Routes) Register(mux *http.ServeMux) {
	const r = protocol.PathAnalytics + "/{rule}"
	mux.HandleFunc("GET "+protocol.PathAnalytics, rt.list)
	mux.HandleFunc("POST "+protocol.PathAnalytics, rt.importRule)
	mux.HandleFunc("POST "+r+"/{op}", rt.ruleOp)
	mux.HandleFunc("GET "+protocol.PathIncidents, rt.incidents)
	mux.HandleFunc("GET "+protocol.PathIncidents+"/{n}", rt.incident)
	mux.HandleFunc("POST "+protocol.PathIncidents+"/{n}/{op}", rt.change)
	mux.HandleFunc("GET "+protocol.PathIncidents+"/{n}/investigation", rt.investigation)
	mux.HandleFunc("GET "+protocol.PathEntities+"/{kind}/{value}", rt.pivot)
	mux.HandleFunc("GET "+protocol.PathWebhooks, rt.webhooks)
	mux.HandleFunc("PUT "+protocol.PathWebhooks+"/{name}", rt.webhooks)
	mux.HandleFunc("DELETE "+protocol.PathWebhooks+"/{name}", rt.webhooks)
}

func (rt Routes) authorize(w http.ResponseWriter, r *http.Request) (string, []byte, bool) {
	return server.AuthorizeWorkspace(w, r, rt.Verifier, MaxRuleBytes, "the request body is over 1 MiB; send one rule per request")
}

func (rt Routes) fail(w http.ResponseWriter, err error) {
	var qe *rule.QueryError
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, incident.ErrNotFound), errors.Is(err, notify.ErrNotFound):
		server.WriteError(w, http.StatusNotFound, "NotFound", err.Error())
	case errors.As(err, &qe):
		server.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"code": "SemanticError", "message": err.Error(), "line": qe.Line, "column": qe.Column}})
	default:
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
	}
}

func (rt Routes) list(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	ents, err := rt.Engine.Rules(ws)
	if err != nil {
		rt.fail(w, err)
		return
	}
	out := make([]RuleInfo, 0, len(ents))
	for _, e := range ents {
		out = append(out, info(e))
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"rules": out})
}

func (rt Routes) importRule(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	ent, err := rt.Engine.Import(r.Context(), ws, body, r.URL.Query().Get("disabled") == "true")
	if err != nil {
		rt.fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, info(ent))
}

func (rt Routes) ruleOp(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	name := r.PathValue("rule")
	switch op := r.PathValue("op"); op {
	case "enable", "disable":
		ent, err := rt.Engine.SetEnabled(ws, name, op == "enable")
		if err != nil {
			rt.fail(w, err)
			return
		}
		server.WriteJSON(w, http.StatusOK, info(ent))
	case "run":
		o, err := rt.Engine.RunNow(r.Context(), ws, name)
		if err != nil {
			rt.fail(w, err)
			return
		}
		server.WriteJSON(w, http.StatusOK, o)
	case "backfill":
		from, err1 := time.Parse(time.RFC3339, r.URL.Query().Get("from"))
		to, err2 := time.Parse(time.RFC3339, r.URL.Query().Get("to"))
		if err := errors.Join(err1, err2); err != nil {
			server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "from and to must be RFC 3339 times (2019-03-19T00:00:00Z): "+err.Error())
			return
		}
		outs, err := rt.Engine.Backfill(r.Context(), ws, name, from, to, nil)
		if err != nil {
			rt.fail(w, err)
			return
		}
		res := BackfillResult{Windows: len(outs), Incidents: []int{}}
		for _, o := range outs {
			res.Results += o.Results
			res.Alerts += o.Alerts
			res.Incidents = append(res.Incidents, o.Incidents...)
		}
		server.WriteJSON(w, http.StatusOK, res)
	default:
		server.WriteError(w, http.StatusNotFound, "NotFound", "no rule operation "+op+": want enable, disable, run or backfill")
	}
}

func (rt Routes) incidents(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	list, err := rt.Engine.Incidents(r.Context(), ws)
	if err != nil {
		rt.fail(w, err)
		return
	}
	if list == nil {
		list = []incident.Incident{}
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"incidents": list})
}

func incidentNumber(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "incident number "+strconv.Quote(r.PathValue("n"))+" is not a positive number")
		return 0, false
	}
	return n, true
}

func (rt Routes) incident(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	n, ok := incidentNumber(w, r)
	if !ok {
		return
	}
	in, err := rt.Engine.Incident(r.Context(), ws, n)
	if err != nil {
		rt.fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, in)
}

func (rt Routes) change(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	n, ok := incidentNumber(w, r)
	if !ok {
		return
	}
	var req ChangeRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "the body is not a change request: "+err.Error())
			return
		}
	}
	who := req.Author
	if who == "" {
		who = "api"
	}
	var op func(b *incident.Book) (*incident.Incident, error)
	switch r.PathValue("op") {
	case "assign":
		op = func(b *incident.Book) (*incident.Incident, error) {
			return b.Assign(n, incident.Owner{AssignedTo: req.Owner}, who)
		}
	case "comment":
		op = func(b *incident.Book) (*incident.Incident, error) { return b.Comment(n, req.Message, who) }
	case "close":
		op = func(b *incident.Book) (*incident.Incident, error) {
			return b.Close(n, req.Classification, req.Reason, req.Comment, who)
		}
	case "reopen":
		op = func(b *incident.Book) (*incident.Incident, error) { return b.Reopen(n, who) }
	default:
		server.WriteError(w, http.StatusNotFound, "NotFound", "no incident operation "+r.PathValue("op")+": want assign, comment, close or reopen")
		return
	}
	in, err := rt.Engine.Change(r.Context(), ws, op)
	if err != nil {
		rt.fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, in)
}

// atoi parses an optional non-negative number parameter.
func atoi(w http.ResponseWriter, r *http.Request, name string) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", name+" "+strconv.Quote(v)+" is not a non-negative number")
		return 0, false
	}
	return n, true
}

func (rt Routes) investigation(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	n, ok := incidentNumber(w, r)
	if !ok {
		return
	}
	limit, ok := atoi(w, r, "limit")
	if !ok {
		return
	}
	var margin time.Duration
	if v := r.URL.Query().Get("margin"); v != "" {
		var err error
		if margin, err = time.ParseDuration(v); err != nil {
			server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "margin "+strconv.Quote(v)+" is not a duration (30m, 2h)")
			return
		}
	}
	if rt.Investigator == nil {
		server.WriteError(w, http.StatusNotFound, "NotFound", "this server does not serve investigations")
		return
	}
	in, err := rt.Engine.Incident(r.Context(), ws, n)
	if err != nil {
		rt.fail(w, err)
		return
	}
	inv, err := rt.Investigator.Incident(r.Context(), ws, in, margin, limit)
	if err != nil {
		rt.fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, inv)
}

func (rt Routes) pivot(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	limit, ok := atoi(w, r, "limit")
	if !ok {
		return
	}
	now := time.Now
	if rt.Now != nil {
		now = rt.Now
	}
	to, from := now().UTC(), time.Time{}
	var errs []error
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if v := r.URL.Query().Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			errs = append(errs, err)
			*dst = t
		}
	}
	if err := errors.Join(errs...); err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "from and to must be RFC 3339 times (2019-03-19T00:00:00Z): "+err.Error())
		return
	}
	if from.IsZero() {
		from = to.Add(-DefaultPivotSpan)
	}
	if rt.Investigator == nil {
		server.WriteError(w, http.StatusNotFound, "NotFound", "this server does not serve investigations")
		return
	}
	res, err := rt.Investigator.Pivot(r.Context(), ws, r.PathValue("kind"), r.PathValue("value"), from, to, limit)
	if err != nil {
		rt.fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, res)
}

func (rt Routes) webhooks(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	n := rt.Notifier
	if n == nil {
		server.WriteError(w, http.StatusNotFound, "NotFound", "this server does not send webhooks")
		return
	}
	var err error
	switch r.Method {
	case http.MethodPut:
		var h notify.Webhook
		if err := json.Unmarshal(body, &h); err != nil {
			server.WriteError(w, http.StatusBadRequest, "BadArgumentError", "the body is not a webhook: "+err.Error())
			return
		}
		h.Name = r.PathValue("name")
		err = n.Put(ws, h)
	case http.MethodDelete:
		err = n.Delete(ws, r.PathValue("name"))
	}
	if err != nil {
		rt.fail(w, err)
		return
	}
	hooks, err := n.Webhooks(ws)
	if err != nil {
		rt.fail(w, err)
		return
	}
	for i := range hooks {
		hooks[i].Secret = ""
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"webhooks": hooks})
}
