package api

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"

	"wsec/internal/auth"
	"wsec/internal/server/servertest"
)

// TestQueryAuthenticatedBeforeBody (issue 9 item 4, the query API): a
// chunked SharedKey request is refused 411 from its headers (its
// signature covers a length it does not declare), and a request with a
// wrong key is refused before its body arrives. Each body here stops
// after one byte: before the fix the server read a chunked body first,
// and no answer came.
func TestQueryAuthenticatedBeforeBody(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	body := []byte(`{"query":"SecurityEvent | count"}`)
	addr := mustHost(t, e.url)
	for _, tc := range []struct {
		name string
		key  string
		wsec bool
		want int
	}{
		{"SharedKey, right key", e.a.PrimaryKey, false, http.StatusLengthRequired},
		{"SharedKey, wrong key", e.b.PrimaryKey, false, http.StatusLengthRequired},
		{"WsecKey, wrong key", e.b.PrimaryKey, true, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest("POST", e.url+"/v1/workspaces/"+e.a.ID+"/query", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			var err error
			if tc.wsec {
				err = auth.SignContent(r, body, e.a.ID, tc.key, e.clk.Now())
			} else {
				err = auth.SignAt(r, e.a.ID, tc.key, e.clk.Now())
			}
			if err != nil {
				t.Fatal(err)
			}
			r.ContentLength = -1 // sent chunked
			if st, b := servertest.SendPartly(t, addr, r, body[:1], false); st != tc.want {
				t.Fatalf("%d %s, want %d", st, b, tc.want)
			}
		})
	}
	// A whole chunked WsecKey query (the CLI's way) is answered.
	r, _ := http.NewRequest("POST", e.url+"/v1/workspaces/"+e.a.ID+"/query", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if err := auth.SignContent(r, body, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	r.ContentLength = -1
	if st, b := servertest.SendPartly(t, addr, r, body, true); st != http.StatusOK || !bytes.Contains(b, []byte(`"rows":[[3]]`)) {
		t.Fatalf("whole chunked WsecKey query: %d %s, want 200 with 3", st, b)
	}
}

func mustHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
