package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"wsec/internal/access"
)

// TestAgentKeyCannotQueryOrManage: the workspace key every agent carries
// runs neither `wsec query` nor `wsec dcr delete` (issue 13: it did both);
// an API token made with `wsec user add` and `wsec token create` does,
// within its role, and stops working once revoked.
func TestAgentKeyCannotQueryOrManage(t *testing.T) {
	s := startServer(t)
	t.Setenv("WSEC_TOKEN", "")
	conn := []string{"--url", s.url, "--workspace", s.ws.ID}
	withKey := append(conn[:len(conn):len(conn)], "--key", s.ws.PrimaryKey)
	for _, args := range [][]string{
		append([]string{"query"}, append(withKey, "SecurityEvent | count")...),
		append([]string{"dcr", "delete", "--name", "default"}, withKey...),
		append([]string{"analytics", "list"}, withKey...),
	} {
		code, _, errs := runCmd(t, args...)
		if code != 1 || !strings.Contains(errs, "may only send events") {
			t.Errorf("wsec %v with the agent key: exit %d, %q; want a refusal naming what the key may do", args[:2], code, errs)
		}
	}

	code, _, errs := runCmd(t, "user", "add", "--data", s.data, "--name", "bob", "--workspace", s.ws.ID, "--role", "reader")
	m := regexp.MustCompile(`password of bob .*: (\S+)`).FindStringSubmatch(errs)
	if code != 0 || m == nil {
		t.Fatalf("user add: exit %d, %s", code, errs)
	}
	code, token, errs := runCmd(t, "token", "create", "--data", s.data, "--user", "bob", "--workspace", s.ws.ID, "--role", "reader", "--name", "script")
	token = strings.TrimSpace(token)
	if code != 0 || !strings.HasPrefix(token, "wsec_") {
		t.Fatalf("token create: exit %d, %q %s", code, token, errs)
	}
	if code, _, errs := runCmd(t, "token", "create", "--data", s.data, "--user", "bob", "--workspace", s.ws.ID, "--role", "admin"); code != 1 || !strings.Contains(errs, "cannot hand out admin") {
		t.Errorf("admin token for a reader: exit %d, %s", code, errs)
	}
	withToken := append(conn[:len(conn):len(conn)], "--token", token)
	// The server notices the CLI's changes within access.ReloadInterval.
	eventually(t, "query with the new reader token", func() (bool, string) {
		code, out, errs := runCmd(t, append([]string{"query"}, append(withToken, "print x = 1")...)...)
		return code == 0 && strings.Contains(out, "1"), errs
	})
	if code, _, errs := runCmd(t, append([]string{"dcr", "delete", "--name", "default"}, withToken...)...); code != 1 || !strings.Contains(errs, "bob is reader") {
		t.Errorf("dcr delete with the reader token: exit %d, %s; want refused by role", code, errs)
	}
	code, list, _ := runCmd(t, "token", "list", "--data", s.data, "--json")
	var tokens []access.TokenView
	if err := json.Unmarshal([]byte(list), &tokens); code != 0 || err != nil {
		t.Fatalf("token list: exit %d, %v: %s", code, err, list)
	}
	id := ""
	for _, tv := range tokens {
		if tv.User == "bob" {
			id = tv.ID
		}
	}
	if code, _, errs := runCmd(t, "token", "revoke", "--data", s.data, "--id", id); code != 0 {
		t.Fatalf("token revoke %q: exit %d, %s", id, code, errs)
	}
	eventually(t, "query with the revoked token refused", func() (bool, string) {
		code, _, errs := runCmd(t, append([]string{"query"}, append(withToken, "print x = 1")...)...)
		return code == 1 && strings.Contains(errs, "not valid"), errs
	})

	// The audit log names the CLI's changes.
	req, _ := http.NewRequest(http.MethodGet, s.url+"/v1/workspaces/"+s.ws.ID+"/audit", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var audit access.AuditBody
	if err := json.NewDecoder(resp.Body).Decode(&audit); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("audit: %d %v", resp.StatusCode, err)
	}
	var got []string
	for _, e := range audit.Entries {
		got = append(got, e.User+" "+e.Action)
	}
	if want := "cli token.revoke,cli token.create,cli user.add"; strings.Join(got, ",") != want {
		t.Errorf("audit %q, want %q", strings.Join(got, ","), want)
	}
}

// eventually retries check for up to 10 reload intervals of the access
// file (a running server sees CLI changes within one).
func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * access.ReloadInterval)
	for {
		ok, detail := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after %v: %s", what, 10*access.ReloadInterval, detail)
		}
		time.Sleep(access.ReloadInterval / 4)
	}
}
