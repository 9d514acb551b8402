package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/server/servertest"
)

// TestAuthorizeWorkspaceBeforeBody (issue 9 item 4, the DCR and analytics
// APIs): a request is authenticated from its headers before any of its
// body is read, so a client without the key cannot hold a handler by
// dripping a body. Every body here is a pipe the client never finishes
// unless the server answered 200: before the fix, the server read the
// body first and the answer never came.
func TestAuthorizeWorkspaceBeforeBody(t *testing.T) {
	reg, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := reg.Create("a")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/workspaces/{id}/rules", func(w http.ResponseWriter, r *http.Request) {
		if _, body, ok := AuthorizeWorkspace(w, r, auth.NewVerifier(reg, nil), 1<<10, "too large"); ok {
			WriteJSON(w, http.StatusOK, map[string]int{"bytes": len(body)})
		}
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	url := ts.URL + "/v1/workspaces/" + ws.ID + "/rules"
	payload := []byte(`{"rules":[]}`)
	other, _ := reg.Create("b") // its key is a wrong key for a

	for _, tc := range []struct {
		name   string
		sign   func(r *http.Request) error
		length int64 // -1: chunked
		want   int
	}{
		{"SharedKey, chunked", func(r *http.Request) error { return auth.Sign(r, ws.ID, ws.PrimaryKey) }, -1, http.StatusLengthRequired},
		{"SharedKey, wrong key", func(r *http.Request) error { return auth.Sign(r, ws.ID, other.PrimaryKey) }, int64(len(payload)) + 100, http.StatusForbidden},
		{"WsecKey, wrong key, chunked", func(r *http.Request) error {
			return auth.SignContent(r, payload, ws.ID, other.PrimaryKey, time.Now())
		}, -1, http.StatusForbidden},
		{"WsecKey, chunked", func(r *http.Request) error {
			return auth.SignContent(r, payload, ws.ID, ws.PrimaryKey, time.Now())
		}, -1, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest("POST", url, bytes.NewReader(payload))
			if tc.length >= 0 {
				r.ContentLength = tc.length
			}
			r.Header.Set("Content-Type", "application/json")
			if err := tc.sign(r); err != nil {
				t.Fatal(err)
			}
			if tc.length < 0 {
				r.ContentLength = -1 // sent chunked, signed as if whole
			}
			body := payload[:1] // and nothing more
			if tc.want == http.StatusOK {
				body = payload
			}
			st, b := servertest.SendPartly(t, ts.Listener.Addr().String(), r, body, tc.want == http.StatusOK)
			if st != tc.want {
				t.Fatalf("%d %s, want %d", st, b, tc.want)
			}
			if tc.want == http.StatusOK && !bytes.Contains(b, []byte(`"bytes":12`)) {
				t.Errorf("body read: %s, want 12 bytes", b)
			}
		})
	}
}
