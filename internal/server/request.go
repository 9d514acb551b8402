package server

import (
	"bytes"
	"net/http"
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
