package workbook

import (
	"errors"
	"net/http"

	"wsec/internal/protocol"
	"wsec/internal/server"
)

// maxBodyBytes bounds a PUT body: maxTiles queries of maxQueryBytes, and
// their titles, with room for JSON escaping.
const maxBodyBytes = 2 * maxTiles * (maxQueryBytes + maxTextBytes)

// Routes serves the workbooks API (see the package doc).
type Routes struct {
	Store    *Store
	Verifier server.Verifier
	// User names who made the request, for UpdatedBy; nil or "": nobody
	// is recorded.
	User func(r *http.Request) string
}

// Register adds the routes to mux.
func (rt Routes) Register(mux *http.ServeMux) {
	const one = protocol.PathWorkbooks + "/{wb}"
	mux.HandleFunc("GET "+protocol.PathWorkbooks, rt.list)
	mux.HandleFunc("GET "+one, rt.get)
	mux.HandleFunc("PUT "+one, rt.put)
	mux.HandleFunc("DELETE "+one, rt.delete)
}

func (rt Routes) authorize(w http.ResponseWriter, r *http.Request) (string, []byte, bool) {
	return server.AuthorizeWorkspace(w, r, rt.Verifier, maxBodyBytes, "the workbook is too large; split it in two")
}

func (rt Routes) list(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	list, err := rt.Store.List(ws)
	if err != nil {
		fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"workbooks": list})
}

func (rt Routes) get(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	wb, err := rt.Store.Get(ws, r.PathValue("wb"))
	if err != nil {
		fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, wb)
}

func (rt Routes) put(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	wb, err := decode(body)
	if err == nil {
		wb.ID = r.PathValue("wb")
		by := ""
		if rt.User != nil {
			by = rt.User(r)
		}
		wb, err = rt.Store.Put(ws, wb, by)
	}
	if err != nil {
		fail(w, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, wb)
}

func (rt Routes) delete(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	if err := rt.Store.Delete(ws, r.PathValue("wb")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fail answers a Store error: the caller's mistakes are 4xx, anything else
// (the files cannot be read or written) a 500 with the cause.
func fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		server.WriteError(w, http.StatusNotFound, "NotFound", err.Error())
	case errors.Is(err, ErrInvalid):
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
	default:
		server.WriteError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
	}
}
