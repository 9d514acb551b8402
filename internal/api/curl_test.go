package api

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/testtool"
)

// The README's query example works as written, against the real clock.
func TestQueryCurlExample(t *testing.T) {
	testtool.Need(t, testtool.Bash, testtool.Curl, testtool.OpenSSL, testtool.Od, testtool.Base64, testtool.Sed)
	e := newEnv(t, Limits{}, nil)
	now := time.Now().UTC()
	e.clk.mu.Lock()
	e.clk.t = now
	e.clk.mu.Unlock()
	e.q.set(func(f *fakeQuerier) {
		t := f.tables[e.a.ID]["SecurityEvent"]
		t.Rows = append(t.Rows, secRow(now.Add(-time.Minute), "curl-host", 4688))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := func(key string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join("testdata", "query_curl.sh")}, args...)...)
		cmd.Env = append(os.Environ(), "WSEC_URL="+e.url, "WSEC_WORKSPACE="+e.a.ID, "WSEC_KEY="+key)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(e.a.PrimaryKey, "SecurityEvent | where EventID == 4688", "PT1H")
	if err != nil {
		t.Fatalf("query example: %v\n%s", err, out)
	}
	var r struct {
		Tables []struct{ Rows [][]any } `json:"tables"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Tables) != 1 || len(r.Tables[0].Rows) != 1 || r.Tables[0].Rows[0][1] != "curl-host" {
		t.Fatalf("query example output %s (%v)", out, err)
	}
	out, err = run(e.b.PrimaryKey)
	if err == nil || !strings.Contains(out, "InvalidAuthorization") {
		t.Fatalf("with workspace B's key: %v %s", err, out)
	}
}
