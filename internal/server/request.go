package server

import (
	"bytes"
	"log/slog"
	"net/http"

	"wsec/internal/auth"
)

// Verifier authenticates a SharedKey-signed request and returns the
// signing workspace; *auth.Verifier is one. A refusal should be an
// *auth.Error. The endpoint packages take one in their Options.
type Verifier interface {
	Verify(r *http.Request, contentLength int64, resource string) (workspace string, err error)
}

// ReadBody reads r's body, at most max bytes. Past max it stops reading
// and returns an *http.MaxBytesError (and the connection is closed after
// the answer, as with http.MaxBytesReader); other read errors are returned
// as they are, for the caller to describe to the client.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, max)))
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, max)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// AuthorizeWorkspace reads r's body (at most max bytes; tooLarge is the
// answer past that), authenticates the request with v — the signature,
// and the body against its signed digest where the scheme signs one —
// and checks that the workspace the path names ({id}) is the signer's: a
// key gives access to its own workspace only. When it refuses, it has
// answered; ok is false.
func AuthorizeWorkspace(w http.ResponseWriter, r *http.Request, v Verifier, max int64, tooLarge string) (ws string, body []byte, ok bool) {
	body, err := ReadBody(w, r, max)
	if err != nil {
		WriteError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", tooLarge)
		return "", nil, false
	}
	ws, err = v.Verify(r, int64(len(body)), r.URL.Path)
	if err == nil {
		err = auth.CheckBody(r, body)
	}
	if err != nil {
		WriteError(w, http.StatusForbidden, "InvalidAuthorization", err.Error())
		return "", nil, false
	}
	if id, ok := auth.CanonicalID(r.PathValue("id")); !ok || id != ws {
		WriteError(w, http.StatusForbidden, "InvalidAuthorization",
			"the request is signed for workspace "+ws+" but addresses another; a key only gives access to its own workspace")
		return "", nil, false
	}
	LogAttrs(r.Context(), slog.String("workspace", ws))
	return ws, body, true
}
