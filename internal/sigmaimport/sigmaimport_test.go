package sigmaimport

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/analytics"
	"wsec/internal/store/duckdb"
	"wsec/internal/workspace"
)

const ws = "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a"

type pathVerifier struct{}

func (pathVerifier) Verify(r *http.Request, _ int64, _ string) (string, error) {
	return r.PathValue("id"), nil
}

const sigmaFile = `title: RDP logon failure
id: 5d3c9f1e-2b4a-4c6d-8e7f-0a1b2c3d4e5f
name: rdp_failure
status: test
level: high
logsource:
  product: windows
  service: security
detection:
  sel:
    EventID: 4625
    LogonType: 10
  condition: sel
---
title: RDP brute force
correlation:
  type: event_count
  rules: [rdp_failure]
  group-by: [IpAddress]
  timespan: 5m
  condition:
    gte: 10
---
title: Sudo on Linux
logsource:
  product: linux
  category: process_creation
detection:
  sel:
    Image|endswith: /sudo
  condition: sel
`

// TestImportSigma: one file's correlation rule becomes an analytics rule
// of the workspace (its base rule, reported only through it, does not),
// a Linux rule is refused with its reason, a Sentinel rule is not Sigma.
func TestImportSigma(t *testing.T) {
	dir := t.TempDir()
	st, err := duckdb.Open(filepath.Join(dir, "store"), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := workspace.New(func(id string) (workspace.Store, error) { return st.Workspace(id) }, workspace.Options{})
	eng, err := analytics.New(analytics.Options{Dir: filepath.Join(dir, "analytics"), Workspace: svc})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	Routes{Engine: eng, Verifier: pathVerifier{}}.Register(mux)
	post := func(q, body string) (int, []byte) {
		r := httptest.NewRequest("POST", "/v1/workspaces/"+ws+"/analytics/sigma"+q, strings.NewReader(body))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code, w.Body.Bytes()
	}

	st2, body := post("?name=rdp.yml&disabled=true", sigmaFile)
	var a Answer
	if err := json.Unmarshal(body, &a); st2 != 200 || err != nil {
		t.Fatalf("import: %d %s", st2, body)
	}
	if len(a.Imported) != 1 || a.Imported[0].Name != "RDP brute force" || a.Imported[0].Enabled || a.Imported[0].Problem != "" {
		t.Errorf("imported %+v, want the correlation rule, disabled as asked, able to run", a.Imported)
	}
	if len(a.Refused) != 1 || a.Refused[0].Title != "Sudo on Linux" || !a.Refused[0].Unsupported || a.Refused[0].Reason == "" {
		t.Errorf("refused %+v, want the Linux rule, unsupported, with its reason", a.Refused)
	}
	rules, err := eng.Rules(ws)
	if err != nil || len(rules) != 1 || rules[0].Rule.ID != a.Imported[0].ID || !strings.Contains(rules[0].Rule.Query, "4625") {
		t.Errorf("the workspace's rules after the import: %v %v", rules, err)
	}

	if st2, body = post("", "name: x\nquery: SecurityEvent | take 1\n"); st2 != 400 || !strings.Contains(string(body), "not a Sigma") {
		t.Errorf("a Sentinel rule: %d %s", st2, body)
	}
}
