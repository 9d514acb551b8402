package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/access"
	"wsec/internal/analytics/investigate"
	"wsec/internal/auth"
	"wsec/internal/client"
	"wsec/internal/event"
	"wsec/internal/logfile"
)

// syncBuffer is a goroutine-safe writer for a command's output.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemoAnswersFirstQuery runs the README's main command and its first
// query: the workspace must hold the synthetic events and the bundled logs.
func TestDemoAnswersFirstQuery(t *testing.T) {
	data := t.TempDir()
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--data", data, "--listen", "127.0.0.1:" + strconv.Itoa(port), "--events", "3000"}, &out, &errs)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("demo did not get ready: %s %s", out.String(), errs.String())
		}
		select {
		case code := <-done:
			t.Fatalf("demo exited %d: %s", code, errs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	keys, _ := auth.Open(data, auth.Options{})
	ws := keys.List()[0]
	if !strings.Contains(out.String(), ws.ID) || ws.Name != "demo" {
		t.Errorf("demo output lacks the workspace: %s", out.String())
	}
	url := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	token := demoPrintedLogin(t, url, out.String())
	c, _ := client.New(url, ws.ID, ws.PrimaryKey, client.Options{Token: token})
	res, err := c.Query(context.Background(), "SecurityEvent | summarize count() by Activity | top 10 by count_", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables[0].Rows) != 10 {
		t.Errorf("first query: %d rows", len(res.Tables[0].Rows))
	}
	// Every Security event of the bundled logs is in the workspace.
	want := 0
	files, _ := logfile.Expand([]string{"samples"})
	for _, f := range files {
		logfile.Read(context.Background(), f, logfile.Options{}, func(evs []*event.Event) int {
			n := 0
			for _, e := range evs {
				if e.System.Channel == "Security" {
					n++
				}
			}
			return n
		}, func(n int) error { want += n; return nil })
	}
	res, _ = c.Query(context.Background(), "SecurityEvent | where TimeGenerated < ago(30d) | count", "")
	if n := int(res.Tables[0].Rows[0][0].(float64)); n != want || want == 0 {
		t.Errorf("bundled real logs: %d Security events in the workspace, the files hold %d", n, want)
	}
	demoIncidents(t, url, ws, token)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("demo exit %d after Ctrl-C: %s", code, errs.String())
	}
	// A second start keeps the data and does not load it twice.
	ctx2, cancel2 := context.WithCancel(context.Background())
	var errs2 syncBuffer
	go func() {
		done <- run(ctx2, []string{"demo", "--data", data, "--listen", "127.0.0.1:" + strconv.Itoa(port)}, io.Discard, &errs2)
	}()
	for !strings.Contains(errs2.String(), "already holds") {
		if time.Now().After(deadline) {
			t.Fatalf("second start: %s", errs2.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel2()
	<-done
}

// demoPrintedLogin checks that the demo printed the web page, a working login for
// user admin and a CLI token, and returns the token.
func demoPrintedLogin(t *testing.T, url, out string) string {
	t.Helper()
	m := regexp.MustCompile(`Open (\S+)/ in a browser and log in as user admin, password (\S+) \(one-time`).FindStringSubmatch(out)
	tm := regexp.MustCompile(`export WSEC_TOKEN='(\S+)'`).FindStringSubmatch(out)
	if m == nil || m[1] != url || tm == nil {
		t.Fatalf("demo output lacks the URL, the admin password or the token:\n%s", out)
	}
	body, _ := json.Marshal(access.LoginRequest{User: "admin", Password: m[2]})
	resp, err := http.Post(url+access.PathSession, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("login as admin with the printed password: status %d", resp.StatusCode)
	}
	return tm[1]
}

// demoIncidents checks that the demo's rule pack raised alerts and
// incidents, and works an incident through the CLI as an analyst would.
func demoIncidents(t *testing.T, url string, ws auth.Workspace, token string) {
	t.Helper()
	cmd := func(args ...string) string {
		t.Helper()
		var out, errs syncBuffer
		conn := []string{"--url", url, "--workspace", ws.ID, "--token", token}
		if args[0] == "query" { // its query is the last argument
			args = append(append([]string{"query"}, conn...), args[1:]...)
		} else {
			args = append(args, conn...)
		}
		if code := run(context.Background(), args, &out, &errs); code != 0 {
			t.Fatalf("wsec %v: exit %d: %s", args, code, errs.String())
		}
		return out.String()
	}
	if out := cmd("analytics", "list"); !strings.Contains(out, "Kerberoasting") || !strings.Contains(out, "true") {
		t.Errorf("analytics list:\n%s", out)
	}
	if out := cmd("query", "SecurityAlert | summarize count() by AlertName"); !strings.Contains(out, "Member added to") {
		t.Errorf("no privileged group alert in the demo:\n%s", out)
	}
	list := cmd("incidents", "list")
	if !strings.Contains(list, "New") {
		t.Fatalf("incidents list:\n%s", list)
	}
	cmd("incidents", "assign", "1", "--owner", "alice")
	cmd("incidents", "comment", "1", "--message", "looking into it", "--as", "alice")
	if out := cmd("incidents", "close", "1", "--classification", "TruePositive", "--reason", "SuspiciousActivity"); !strings.Contains(out, "Closed") {
		t.Errorf("close: %s", out)
	}
	out := cmd("query", "SecurityIncident | where IncidentNumber == 1 | summarize Versions = count(), Statuses = make_set(Status)")
	for _, want := range []string{"New", "Active", "Closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("incident 1 versions lack status %s:\n%s", want, out)
		}
	}
	if out := cmd("incidents", "reopen", "1"); !strings.Contains(out, "Active") {
		t.Errorf("reopen: %s", out)
	}
	demoInvestigation(t, cmd)
	// The built-in RDP rule scored the day: nina's logon from a new
	// address after a burst of failures is an anomaly with an incident.
	if out := cmd("query", `Anomalies | where UserName == "CONTOSO\\nina" | project SourceIpAddress, Description`); !strings.Contains(out, "45.83.64.12") || !strings.Contains(out, "FailedLogonBurst") {
		t.Errorf("no RDP anomaly in the demo:\n%s", out)
	}
	if out := cmd("incidents", "list"); !strings.Contains(out, `Anomalous RDP logon of CONTOSO\nina from 45.83.64.12`) {
		t.Errorf("no incident from the RDP anomaly:\n%s", out)
	}
}

// demoInvestigation investigates incident 1 and pivots on its entities:
// the events behind its alert are in the timeline and in the pivots.
func demoInvestigation(t *testing.T, cmd func(args ...string) string) {
	t.Helper()
	var inv investigate.Investigation
	if err := json.Unmarshal([]byte(cmd("incidents", "investigate", "1", "--json")), &inv); err != nil {
		t.Fatal(err)
	}
	behind := 0
	for _, it := range inv.Timeline {
		if len(it.Behind) > 0 {
			behind++
		}
	}
	if len(inv.Alerts) == 0 || behind == 0 {
		t.Fatalf("investigation of incident 1: %d alerts, %d events behind them: %+v", len(inv.Alerts), behind, inv)
	}
	if out := cmd("incidents", "investigate", "1"); !strings.Contains(out, "ALERT") || !strings.Contains(out, "wsec entity") {
		t.Errorf("investigate table:\n%s", out)
	}
	pivots := 0
	for _, e := range inv.Entities {
		if e.Kind == "" {
			continue
		}
		pivots++
		var p investigate.PivotResult
		out := cmd("entity", e.Kind, e.Value, "--from", inv.From.Format(time.RFC3339), "--to", inv.To.Format(time.RFC3339), "--json")
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Events) == 0 {
			t.Errorf("entity %s %q has no events over the incident's timeline", e.Kind, e.Value)
		}
	}
	if pivots == 0 {
		t.Errorf("incident 1 has no account, host or IP entity: %+v", inv.Entities)
	}
}
