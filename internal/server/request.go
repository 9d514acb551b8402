package server

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"time"

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

// ErrLengthRequired: a SharedKey request without Content-Length. Its
// signature covers the body's length, so it could be checked only after
// reading the body, which a client without the key must not make a server
// do.
var ErrLengthRequired = errors.New("the request has no Content-Length; a SharedKey signature covers the body's length, so send the body with a Content-Length (not chunked), or sign with WsecKey")

// VerifyBeforeBody authenticates r from its headers alone, before any of
// its body is read, so that a client without the key can hold nothing by
// sending a body slowly: a SharedKey request must declare its length
// (ErrLengthRequired otherwise); a WsecKey request signs the body's
// digest, which the caller checks with auth.CheckBody once it has read
// the body.
func VerifyBeforeBody(v Verifier, r *http.Request, resource string) (string, error) {
	if r.ContentLength < 0 && !auth.BodySigned(r) {
		return "", ErrLengthRequired
	}
	return v.Verify(r, r.ContentLength, resource)
}

// SkipBody makes the answer about to be written the connection's last,
// sent without reading the request's body before it or draining it after:
// net/http does both, up to 256 KiB, to keep the connection, so a client
// that drips the body of a request refused unread would hold the
// connection for the server's ReadTimeout.
func SkipBody(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// AuthorizeWorkspace authenticates r with v before reading its body
// (VerifyBeforeBody), checks that the workspace the path names ({id}) is
// the signer's — a key gives access to its own workspace only — then
// reads the body (at most max bytes; tooLarge is the answer past that)
// and checks it against its signed digest where the scheme signs one.
// When it refuses, it has answered; ok is false.
func AuthorizeWorkspace(w http.ResponseWriter, r *http.Request, v Verifier, max int64, tooLarge string) (ws string, body []byte, ok bool) {
	if r.ContentLength > max {
		SkipBody(w)
		WriteError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", tooLarge)
		return "", nil, false
	}
	ws, err := VerifyBeforeBody(v, r, r.URL.Path)
	if err != nil {
		SkipBody(w)
	}
	if errors.Is(err, ErrLengthRequired) {
		WriteError(w, http.StatusLengthRequired, "InvalidHeader", err.Error())
		return "", nil, false
	}
	if err != nil {
		WriteError(w, http.StatusForbidden, "InvalidAuthorization", err.Error())
		return "", nil, false
	}
	if id, ok := auth.CanonicalID(r.PathValue("id")); !ok || id != ws {
		SkipBody(w)
		WriteError(w, http.StatusForbidden, "InvalidAuthorization",
			"the request is signed for workspace "+ws+" but addresses another; a key only gives access to its own workspace")
		return "", nil, false
	}
	body, err = ReadBody(w, r, max)
	if err != nil {
		WriteError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", tooLarge)
		return "", nil, false
	}
	if err := auth.CheckBody(r, body); err != nil {
		WriteError(w, http.StatusForbidden, "InvalidAuthorization", err.Error())
		return "", nil, false
	}
	LogAttrs(r.Context(), slog.String("workspace", ws))
	return ws, body, true
}
