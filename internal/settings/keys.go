package settings

import (
	"errors"
	"net/http"
	"time"

	"wsec/internal/auth"
	"wsec/internal/server"
)

// PathKeys is the keys API of a workspace.
const PathKeys = "/v1/workspaces/{id}/keys"

// maxBodyBytes bounds request bodies (the keys routes take none; retention
// takes a small map).
const maxBodyBytes = 64 << 10

// KeyView is one workspace key as the API shows it.
type KeyView struct {
	Kind auth.KeyKind `json:"kind"`
	// Hint is the key's last characters, enough to tell which key an
	// agent's configuration holds.
	Hint    string    `json:"hint"`
	Rotated time.Time `json:"rotated,omitzero"`
	// Key is set only by reveal and rotate.
	Key string `json:"key,omitempty"`
}

// Keys is the registry of workspaces and their keys (auth.Registry).
type Keys interface {
	Lookup(id string) (auth.Workspace, bool)
	RotateKey(id string, which auth.KeyKind) (auth.Workspace, error)
}

// Routes serves the settings API (see the package doc).
type Routes struct {
	Keys      Keys
	Retention *Retention
	// DefaultRetentionDays is the store's retention of tables a workspace
	// sets none for (shown, not enforced, here).
	DefaultRetentionDays int
	Verifier             server.Verifier
}

// Register adds the routes to mux.
func (rt Routes) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PathKeys, rt.listKeys)
	mux.HandleFunc("POST "+PathKeys+"/reveal", rt.revealKeys)
	mux.HandleFunc("POST "+PathKeys+"/{kind}/rotate", rt.rotateKey)
	mux.HandleFunc("GET "+PathRetention, rt.getRetention)
	mux.HandleFunc("PUT "+PathRetention, rt.putRetention)
}

func (rt Routes) authorize(w http.ResponseWriter, r *http.Request) (string, []byte, bool) {
	return server.AuthorizeWorkspace(w, r, rt.Verifier, maxBodyBytes, "the request body is too large")
}

func hint(key string) string {
	if len(key) < 8 {
		return "…"
	}
	return "…" + key[len(key)-6:]
}

func views(w auth.Workspace, reveal bool) []KeyView {
	out := []KeyView{
		{Kind: auth.Primary, Hint: hint(w.PrimaryKey), Rotated: w.PrimaryRotated},
		{Kind: auth.Secondary, Hint: hint(w.SecondaryKey), Rotated: w.SecondaryRotated},
	}
	if reveal {
		out[0].Key, out[1].Key = w.PrimaryKey, w.SecondaryKey
	}
	return out
}

func (rt Routes) workspace(w http.ResponseWriter, r *http.Request) (auth.Workspace, bool) {
	id, _, ok := rt.authorize(w, r)
	if !ok {
		return auth.Workspace{}, false
	}
	ws, ok := rt.Keys.Lookup(id)
	if !ok {
		server.WriteError(w, http.StatusNotFound, "WorkspaceNotFound", "workspace "+id+" does not exist")
	}
	return ws, ok
}

func (rt Routes) listKeys(w http.ResponseWriter, r *http.Request) {
	if ws, ok := rt.workspace(w, r); ok {
		server.WriteJSON(w, http.StatusOK, map[string]any{"keys": views(ws, false)})
	}
}

func (rt Routes) revealKeys(w http.ResponseWriter, r *http.Request) {
	if ws, ok := rt.workspace(w, r); ok {
		server.WriteJSON(w, http.StatusOK, map[string]any{"keys": views(ws, true)})
	}
}

func (rt Routes) rotateKey(w http.ResponseWriter, r *http.Request) {
	id, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	kind, err := auth.ParseKeyKind(r.PathValue("kind"))
	if err != nil {
		server.WriteError(w, http.StatusNotFound, "PathNotFoundError", err.Error())
		return
	}
	ws, err := rt.Keys.RotateKey(id, kind)
	switch {
	case errors.Is(err, auth.ErrNotFound):
		server.WriteError(w, http.StatusNotFound, "WorkspaceNotFound", err.Error())
		return
	case err != nil:
		server.WriteError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	v := views(ws, true)
	if kind == auth.Secondary {
		v[0] = v[1]
	}
	server.WriteJSON(w, http.StatusOK, v[0])
}
