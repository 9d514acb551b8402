package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/protocol"
)

// runCmdCtx is runCmd with a deadline, for commands that used to hang.
func runCmdCtx(t *testing.T, limit time.Duration, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	if ctx.Err() != nil {
		t.Fatalf("%v did not end within %v: %s", args, limit, errb.String())
	}
	return code, out.String(), errb.String()
}

const testWorkspaceID, testKey = "11111111-2222-4333-8444-555555555555", "c2VjcmV0LWtleS1mb3ItdGVzdHM="

// TestImportGivesUpWhenServerDown: with no server, import gives up after
// --retry-for, says to start wsec serve at the URL it tried, and counts
// the (readable) file as not imported rather than unreadable. It used to
// retry for ever.
func TestImportGivesUpWhenServerDown(t *testing.T) {
	dir := t.TempDir()
	writeSyntheticXML(t, dir, 100)
	url := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	code, _, errs := runCmdCtx(t, time.Minute, "import", "--url", url, "--workspace", testWorkspaceID, "--key", testKey,
		"--state", filepath.Join(t.TempDir(), "st.json"), "--retry-for", "1s", dir)
	for _, want := range []string{"gave up after 1s", "wsec serve", url, "1 file not imported"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if code != 1 || strings.Contains(errs, "unreadable") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and no file called unreadable", code, errs)
	}
}

// batchWorkspace answers event batches like a workspace: the first
// acceptN are stored, later ones get 503 until accept is raised.
type batchWorkspace struct {
	mu      sync.Mutex
	acceptN int
	seqs    []uint64 // seq of every batch stored
}

func (b *batchWorkspace) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seq, _ := strconv.ParseUint(r.Header.Get(protocol.HeaderSeq), 10, 64)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.seqs) >= b.acceptN {
		http.Error(w, `{"error":{"code":"ServiceUnavailable","message":"store busy"}}`, http.StatusServiceUnavailable)
		return
	}
	b.seqs = append(b.seqs, seq)
	_ = json.NewEncoder(w).Encode(protocol.BatchResult{Accepted: 1, Stored: 1})
}

// TestImportResumesWhereItStopped: an import that gave up after some of a
// file's batches were stored sends only the rest when run again.
func TestImportResumesWhereItStopped(t *testing.T) {
	dir := t.TempDir()
	writeSyntheticXML(t, dir, 4*importBatchEvents) // Security and AppLocker events make > 2 batches
	ws := &batchWorkspace{acceptN: 2}
	srv := httptest.NewServer(ws)
	defer srv.Close()
	args := []string{"import", "--url", srv.URL, "--workspace", testWorkspaceID, "--key", testKey,
		"--state", filepath.Join(t.TempDir(), "st.json"), "--retry-for", "1s", dir}
	if code, _, errs := runCmdCtx(t, time.Minute, args...); code != 1 || !strings.Contains(errs, "gave up") {
		t.Fatalf("first run: exit %d: %s; want it to give up", code, errs)
	}
	ws.mu.Lock()
	ws.acceptN = 1 << 30
	first := len(ws.seqs)
	ws.mu.Unlock()
	code, _, errs := runCmdCtx(t, time.Minute, args...)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errs)
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if first != 2 || len(ws.seqs) < 3 {
		t.Fatalf("batches stored %v, want 2 in the first run and more in the second", ws.seqs)
	}
	for i, s := range ws.seqs {
		if s != uint64(i+1) {
			t.Fatalf("batches stored in order %v: the second run sent again what the first had delivered", ws.seqs)
		}
	}
}

// TestConnectionRefusedSaysStartServe: a client command that finds no
// server says to start one, at the address it tried.
func TestConnectionRefusedSaysStartServe(t *testing.T) {
	url := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	code, _, errs := runCmdCtx(t, time.Minute, "query", "--url", url, "--workspace", testWorkspaceID, "--key", testKey, "SecurityEvent | count")
	if code != 1 || !strings.Contains(errs, "nothing listens at "+url+": start the workspace server with 'wsec serve'") {
		t.Errorf("exit %d, stderr %q; want the advice to start wsec serve at %s", code, errs, url)
	}
}

// TestQueryErrorAndTimeFormat: a refused query prints its position once,
// the query line and a caret; '=' suggests '=='; table times all have
// seven fraction digits.
func TestQueryErrorAndTimeFormat(t *testing.T) {
	s := startServer(t)
	s.env(t)
	dir := t.TempDir()
	writeSyntheticXML(t, dir, 200)
	if code, _, errs := runCmd(t, "import", "--state", filepath.Join(dir, "st.json"), dir); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	code, _, errs := runCmd(t, "query", "SecurityEvent | where EventId == 4625")
	want := "line 1, column 23: unknown column 'EventId' (did you mean 'EventID'?)\n  SecurityEvent | where EventId == 4625\n                        ^\n"
	if code != 1 || !strings.HasSuffix(errs, want) || strings.Count(errs, "column 23") != 1 || strings.Contains(errs, "1:23") {
		t.Errorf("unknown column: exit %d:\n%s\nwant the position once and a caret:\n%s", code, errs, want)
	}
	code, _, errs = runCmd(t, "query", "SecurityEvent | where EventID = 4625")
	if code != 1 || !strings.Contains(errs, "use '=='") || !strings.Contains(errs, "\n                                ^") {
		t.Errorf("'=': exit %d:\n%s\nwant a '==' suggestion and a caret", code, errs)
	}
	code, out, errs := runCmd(t, "query", "SecurityEvent | project TimeGenerated | take 50")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 51 {
		t.Fatalf("times: exit %d: %s %s", code, out, errs)
	}
	for _, l := range lines[1:] {
		if len(l) != len("2006-01-02T15:04:05.0000000Z") || !strings.HasSuffix(l, "Z") || l[19] != '.' {
			t.Errorf("time %q: want seven fraction digits", l)
		}
	}
}
