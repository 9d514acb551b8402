package dcr

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/auth"
)

func serve(t *testing.T) (*httptest.Server, *auth.Registry) {
	t.Helper()
	reg, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := Open(t.TempDir(), nil, nil)
	mux := http.NewServeMux()
	Routes{Store: st, Verifier: auth.NewVerifier(reg, time.Now)}.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, reg
}

func call(t *testing.T, srv *httptest.Server, ws auth.Workspace, method, path, body string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+"/v1/workspaces/"+ws.ID+path, bytes.NewReader([]byte(body)))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if err := auth.Sign(req, ws.ID, ws.PrimaryKey); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestRulesAPI(t *testing.T) {
	srv, reg := serve(t)
	a, _ := reg.Create("a")
	b, _ := reg.Create("b")
	if r := call(t, srv, a, "PUT", "/rules/logons", `{"eventSet":"Minimal","xpathQueries":["Security!*[System[(EventID=4624 or EventID=4625)]]"]}`); r.StatusCode != 200 {
		t.Fatalf("put: %d", r.StatusCode)
	}
	if r := call(t, srv, a, "PUT", "/rules/logons/groups/dcs", ""); r.StatusCode != 200 {
		t.Fatalf("assign: %d", r.StatusCode)
	}
	r := call(t, srv, a, "GET", "/rules?group=dcs", "")
	var lr ListResponse
	json.NewDecoder(r.Body).Decode(&lr)
	if r.StatusCode != 200 || len(lr.Rules) != 1 || lr.Rules[0].EventSet != "Minimal" || r.Header.Get("ETag") == "" {
		t.Fatalf("agent pull: %d %+v", r.StatusCode, lr)
	}
	if r := call(t, srv, a, "GET", "/rules?group=dcs", "", "If-None-Match", lr.ETag); r.StatusCode != http.StatusNotModified {
		t.Errorf("unchanged rules: %d, want 304", r.StatusCode)
	}
	// Workspace B's key cannot read or write A's rules.
	req, _ := http.NewRequest("GET", srv.URL+"/v1/workspaces/"+a.ID+"/rules", nil)
	auth.Sign(req, b.ID, b.PrimaryKey)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("B's key on A: %d", resp.StatusCode)
	}
	if r := call(t, srv, a, "PUT", "/rules/bad", `{"eventSet":`); r.StatusCode != 400 {
		t.Errorf("malformed rule: %d", r.StatusCode)
	}
	if r := call(t, srv, a, "PUT", "/rules/nope/groups/dcs", ""); r.StatusCode != 404 {
		t.Errorf("assign to missing rule: %d", r.StatusCode)
	}
	if r := call(t, srv, a, "DELETE", "/rules/logons", ""); r.StatusCode != 204 {
		t.Errorf("delete: %d", r.StatusCode)
	}
	r = call(t, srv, a, "GET", "/rules", "")
	var all ListResponse
	json.NewDecoder(r.Body).Decode(&all)
	if len(all.Rules) != 0 || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		t.Errorf("after delete: %+v", all)
	}
}

// TestRulesAPIServerFailureIs5xx: a rule write that fails on the server's
// disk is the server's fault (500 with the cause), not a 400 telling the
// client its rule is wrong; a rule that is wrong stays a 400.
func TestRulesAPIServerFailureIs5xx(t *testing.T) {
	reg, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := reg.Create("a")
	dir := filepath.Join(t.TempDir(), "rules")
	st, err := Open(dir, func(r Rule) error {
		if r.EventSet == "Bogus" {
			return errors.New(`event set "Bogus": want All, Common, Minimal or None`)
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	Routes{Store: st, Verifier: auth.NewVerifier(reg, time.Now)}.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	body := func(r *http.Response) string { b, _ := io.ReadAll(r.Body); return string(b) }

	for _, c := range []struct{ path, rule, want string }{
		{"/rules/logons", `{"eventSet":"Bogus"}`, "Bogus"},
		{"/rules/-bad", `{"eventSet":"None"}`, "rule name"},
		{"/rules/logons/groups/-x", "", "group name"},
	} {
		method := "PUT"
		if r := call(t, srv, ws, method, c.path, c.rule); r.StatusCode != 400 {
			t.Errorf("PUT %s %s: %d, want 400", c.path, c.rule, r.StatusCode)
		} else if b := body(r); !strings.Contains(b, c.want) {
			t.Errorf("PUT %s: %s, want %q", c.path, b, c.want)
		}
	}
	if err := os.RemoveAll(dir); err != nil { // the disk under the store goes away
		t.Fatal(err)
	}
	r := call(t, srv, ws, "PUT", "/rules/logons", `{"eventSet":"Common"}`)
	if b := body(r); r.StatusCode != 500 || !strings.Contains(b, "no such file or directory") || !strings.Contains(b, "not the request") {
		t.Errorf("PUT with the rules directory gone: %d %s; want 500 with the cause", r.StatusCode, b)
	}
}
