package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/dcr"
)

// TestWorkspaceRotateKeyUsage checks that a wrongly called rotate-key is a
// usage error reported before the data directory is touched.
func TestWorkspaceRotateKeyUsage(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{
		{"--key", "tertiary", "--workspace", "ws1"},
		{"--key", "primary", "--workspace", ""},
	} {
		args = append([]string{"workspace", "rotate-key", "--data", data}, args...)
		code, _, errs := runCmd(t, args...)
		if code != 2 || !strings.Contains(errs, "wsec workspace:") {
			t.Errorf("%v: exit %d, %s; want a usage error", args, code, errs)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("%v: data directory created (%v)", args, err)
		}
	}
}

// TestServeLogFormatUsage: an unknown --log-format is a usage error, not
// JSON logs in silence.
func TestServeLogFormatUsage(t *testing.T) {
	code, _, errs := runCmd(t, "serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--log-format", "xml")
	if code != 2 || !strings.Contains(errs, `--log-format "xml": want json or text`) {
		t.Errorf("exit %d, %s; want a usage error naming the format", code, errs)
	}
}

// TestValidateRule: the workspace reads a rule's event set as its agents
// do: none given is None (queries only); an unknown name is refused.
func TestValidateRule(t *testing.T) {
	if err := validateRule(dcr.Rule{Name: "kerberos", XPathQueries: []string{"Security!*[System[(EventID=4768)]]"}}); err != nil {
		t.Errorf("rule of queries only refused: %v", err)
	}
	if err := validateRule(dcr.Rule{Name: "x", EventSet: "Everything"}); err == nil || !strings.Contains(err.Error(), "Everything") {
		t.Errorf("unknown set: %v", err)
	}
}

// TestHelpExitsZero: asking for help is not a usage error, at every level;
// a mistyped command gets a suggestion.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"},
		{"workspace", "-h"}, {"workspace", "--help"}, {"workspace", "list", "-h"},
		{"dcr", "-h"}, {"query", "-h"}, {"serve", "-h"}, {"import", "--help"},
	} {
		code, stdout, stderr := runCmd(t, args...)
		if code != 0 || !strings.Contains(stdout+stderr, "usage") && !strings.Contains(stdout+stderr, "Usage") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0 and a usage text", args, code, stdout, stderr)
		}
	}
	code, _, stderr := runCmd(t, "qeury")
	if code != 2 || !strings.Contains(stderr, `unknown command "qeury" (did you mean "query"?)`) {
		t.Errorf("qeury: exit %d, %s; want 2 and a suggestion", code, stderr)
	}
	code, _, stderr = runCmd(t, "workspace", "lsit")
	if code != 2 || !strings.Contains(stderr, `(did you mean "list"?)`) {
		t.Errorf("workspace lsit: exit %d, %s; want 2 and a suggestion", code, stderr)
	}
}

// TestWorkspaceListHidesKeys: keys are printed by create and rotate-key
// (the operator needs the new key) but a listing hides them unless asked.
func TestWorkspaceListHidesKeys(t *testing.T) {
	data := t.TempDir()
	code, created, stderr := runCmd(t, "workspace", "create", "--data", data, "--name", "dc", "--json")
	if code != 0 {
		t.Fatalf("create: exit %d, %s", code, stderr)
	}
	var ws auth.Workspace
	if err := json.Unmarshal([]byte(created), &ws); err != nil || ws.PrimaryKey == "" {
		t.Fatalf("create printed %q (%v), want the workspace with its keys", created, err)
	}
	for _, c := range []struct {
		args []string
		show bool
	}{
		{[]string{"workspace", "list", "--data", data}, false},
		{[]string{"workspace", "list", "--data", data, "--json"}, false},
		{[]string{"workspace", "list", "--data", data, "--show-keys"}, true},
		{[]string{"workspace", "list", "--data", data, "--json", "--show-keys"}, true},
	} {
		code, stdout, stderr := runCmd(t, c.args...)
		if code != 0 || !strings.Contains(stdout, ws.ID) {
			t.Fatalf("%v: exit %d, %s %s", c.args, code, stdout, stderr)
		}
		if got := strings.Contains(stdout, ws.PrimaryKey) || strings.Contains(stdout, ws.SecondaryKey); got != c.show {
			t.Errorf("%v: keys printed = %v, want %v:\n%s", c.args, got, c.show, stdout)
		}
	}
}

// TestSecondServeRefused: a second server on a data directory that is
// being served refuses to start, naming the process that holds it (it used
// to start and answer every request 500).
func TestSecondServeRefused(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "serve", "--data", s.data, "--listen", "127.0.0.1:0", "--log-format", "text")
	cmd.Env = append(os.Environ(), "WSEC_TEST_AS_WSEC=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("second serve on %s kept running: %s", s.data, stderr.String())
	}
	var ee *exec.ExitError
	want := fmt.Sprintf("locked by process %d", os.Getpid())
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), want) {
		t.Errorf("second serve: %v, stderr %q; want exit 1 and %q", err, stderr.String(), want)
	}
}

// TestHealthzReflectsDisk: /healthz answers 503 naming the cause when the
// data directory is nearly full (it said "ok" while ingestion failed), and
// 200 again once there is room.
func TestHealthzReflectsDisk(t *testing.T) {
	var free atomic.Int64
	free.Store(1 << 40)
	s := startServer(t, func(o *serveOptions) {
		o.freeSpace = func(string) (int64, error) { return free.Load(), nil }
	})
	s.query(t, "SecurityEvent | count") // the workspace is open and answers
	get := func() (int, string) {
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 {
		t.Fatalf("healthy server: %d %s", code, body)
	}
	free.Store(5 << 20)
	if code, body := get(); code != 503 || !strings.Contains(body, "5 MiB free") {
		t.Errorf("5 MiB free: %d %s; want 503 naming the shortage", code, body)
	}
	free.Store(1 << 40)
	if code, body := get(); code != 200 {
		t.Errorf("room again: %d %s", code, body)
	}
}
