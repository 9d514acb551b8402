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
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/dcr"
	"wsec/internal/event"
	"wsec/internal/protocol"
	"wsec/internal/source/synthetic"
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

// TestLowDiskPausesIngest: while the disk under the data directory has
// less free space than --min-free-disk, event batches are refused 503 with
// a Retry-After and a message saying why (an agent keeps them spooled),
// queries still answer, /healthz names the shortage and
// wsec_store_ingest_paused_low_disk is 1; once space is back the same
// batch is stored, without a restart (issue 14: free-disk guard).
func TestLowDiskPausesIngest(t *testing.T) {
	var free atomic.Int64
	free.Store(1 << 40)
	s := startServer(t, func(o *serveOptions) {
		o.minFreeDisk = 1 << 30
		o.freeSpace = func(string) (int64, error) { return free.Load(), nil }
	})
	g := synthetic.New(synthetic.Options{Computer: "DISK-HOST"})
	post := func(seq uint64) *http.Response {
		t.Helper()
		var body []byte
		var e event.Event
		for i := range uint64(100) {
			g.Event(seq*100+i, &e)
			body = append(e.AppendJSON(body), '\n')
		}
		req, err := http.NewRequest(http.MethodPost, s.url+strings.Replace(protocol.PathEvents, "{id}", s.ws.ID, 1), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", protocol.ContentTypeNDJSON)
		req.Header.Set(protocol.HeaderSender, "disk-agent")
		req.Header.Set(protocol.HeaderSeq, strconv.FormatUint(seq, 10))
		if err := auth.Sign(req, s.ws.ID, s.ws.PrimaryKey); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	// until wants a status for batch seq, which the store gives within a
	// second (it measures free space at most once a second).
	until := func(seq uint64, status int) *http.Response {
		t.Helper()
		for range 100 {
			if resp := post(seq); resp.StatusCode == status {
				return resp
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("batch %d: never answered %d", seq, status)
		return nil
	}
	gauge := func() string {
		resp, err := http.Get(s.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "wsec_store_ingest_paused_low_disk "); ok {
				return v
			}
		}
		return "absent"
	}

	until(1, http.StatusOK)
	if v := gauge(); v != "0" {
		t.Errorf("paused gauge with room: %s", v)
	}
	free.Store(300 << 20)
	time.Sleep(1200 * time.Millisecond) // the measurement with room has expired
	resp := post(2)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("batch with 300 MiB free, 1 GiB kept: %s, want 503", resp.Status)
	}
	b, _ := io.ReadAll(resp.Body)
	if ra := resp.Header.Get("Retry-After"); ra == "" || !strings.Contains(string(b), "disk is nearly full") {
		t.Errorf("refusal: Retry-After %q, %s; want a Retry-After and the reason", ra, b)
	}
	if v := gauge(); v != "1" {
		t.Errorf("paused gauge: %s, want 1", v)
	}
	if rows := s.query(t, "SecurityEvent | count"); rows[0][0] != float64(100) {
		t.Errorf("query while paused: %v rows, want 100", rows[0][0])
	}
	if h, err := http.Get(s.url + "/healthz"); err != nil || h.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/healthz while paused: %v %v, want 503", h, err)
	} else {
		h.Body.Close()
	}
	free.Store(1 << 40)
	until(2, http.StatusOK)
	if rows := s.query(t, "SecurityEvent | count"); rows[0][0] != float64(200) {
		t.Errorf("after space was freed: %v rows, want 200", rows[0][0])
	}
	if v := gauge(); v != "0" {
		t.Errorf("paused gauge after resuming: %s", v)
	}
}
