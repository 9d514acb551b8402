package dcr

import (
	"encoding/json"
	"errors"
	"net/http"

	"wsec/internal/protocol"
	"wsec/internal/server"
)

// maxRuleBytes bounds a rule document sent to PUT: a rule is a set name and
// a few XPath queries.
const maxRuleBytes = 256 << 10

// Routes serves the rules API:
//
//	GET    /v1/workspaces/{id}/rules[?group=G]...   list (agents: the rules of their groups; If-None-Match → 304)
//	PUT    /v1/workspaces/{id}/rules/{name}          create or replace a rule
//	DELETE /v1/workspaces/{id}/rules/{name}
//	PUT    /v1/workspaces/{id}/rules/{name}/groups/{group}   assign
//	DELETE /v1/workspaces/{id}/rules/{name}/groups/{group}   unassign
type Routes struct {
	Store    *Store
	Verifier server.Verifier
}

// ListResponse is the answer of GET .../rules.
type ListResponse struct {
	Rules []Rule `json:"rules"`
	ETag  string `json:"etag"`
}

// Register adds the routes to mux.
func (rt Routes) Register(mux *http.ServeMux) {
	const rule, group = protocol.PathRules + "/{name}", protocol.PathRules + "/{name}/groups/{group}"
	mux.HandleFunc("GET "+protocol.PathRules, rt.list)
	mux.HandleFunc("PUT "+rule, rt.put)
	mux.HandleFunc("DELETE "+rule, rt.delete)
	mux.HandleFunc("PUT "+group, rt.assign)
	mux.HandleFunc("DELETE "+group, rt.assign)
}

// authorize reads the body (bounded) and checks the signature and that the
// key's workspace is the one in the path.
func (rt Routes) authorize(w http.ResponseWriter, r *http.Request) (string, []byte, bool) {
	return server.AuthorizeWorkspace(w, r, rt.Verifier, maxRuleBytes, "the rule document is over 256 KiB; send fewer queries per rule")
}

func (rt Routes) list(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	var (
		rules []Rule
		etag  string
		err   error
	)
	if groups := r.URL.Query()["group"]; len(groups) > 0 {
		rules, etag, err = rt.Store.ForGroups(ws, groups)
	} else {
		rules, err = rt.Store.List(ws)
		etag = "*"
	}
	if err != nil {
		rt.fail(w, err)
		return
	}
	if rules == nil {
		rules = []Rule{}
	}
	if etag != "*" {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	server.WriteJSON(w, http.StatusOK, ListResponse{Rules: rules, ETag: etag})
}

func (rt Routes) put(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	var rule Rule
	if err := json.Unmarshal(body, &rule); err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError",
			`the body is not a rule: want {"eventSet":"Common","xpathQueries":["Security!*[System[(EventID=4624)]]"]}: `+err.Error())
		return
	}
	rule.Name = r.PathValue("name")
	saved, err := rt.Store.Put(ws, rule)
	if err != nil {
		rt.fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, saved)
}

func (rt Routes) delete(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	if err := rt.Store.Delete(ws, r.PathValue("name")); err != nil {
		rt.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rt Routes) assign(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	op := rt.Store.Assign
	if r.Method == http.MethodDelete {
		op = rt.Store.Unassign
	}
	saved, err := op(ws, r.PathValue("name"), r.PathValue("group"))
	if err != nil {
		rt.fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, saved)
}

// fail answers a Store error: the caller's mistakes are 4xx, anything
// else (the rules files cannot be read or written) is a 500 with the cause.
func (rt Routes) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		server.WriteError(w, http.StatusNotFound, "NotFound", err.Error())
	case errors.Is(err, ErrInvalid):
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
	default:
		server.WriteError(w, http.StatusInternalServerError, "InternalServerError",
			"the workspace server cannot read or write its rules (this is not the request's fault; retry once the server's data directory is fixed): "+err.Error())
	}
}
