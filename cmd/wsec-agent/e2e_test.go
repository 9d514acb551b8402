package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"wsec/internal/agent"
	"wsec/internal/client"
	"wsec/internal/dcr"
	"wsec/internal/event"
	"wsec/internal/filter"
	"wsec/internal/source/synthetic"
)

// The end-to-end test against a real workspace server (`wsec serve` on
// DuckDB) builds both binaries, so it runs only when asked:
//
//	WSEC_E2E=1 go test -run TestRealWorkspace -v ./cmd/wsec-agent
//	WSEC_E2E=1 WSEC_AGENT_E2E_COUNT=1000000 WSEC_AGENT_OUTAGE=30s go test -run TestRealWorkspace -timeout 1h -v ./cmd/wsec-agent

type e2eEnv struct {
	t        *testing.T
	bin      string
	data     string
	addr     string
	server   *exec.Cmd
	serveLog *os.File
}

func build(t *testing.T, dir, out, pkg string, cgo bool) string {
	t.Helper()
	path := filepath.Join(dir, out)
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", path, pkg)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+map[bool]string{true: "1", false: "0"}[cgo])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return path
}

func (e *e2eEnv) wsec(args ...string) []byte {
	e.t.Helper()
	out, err := exec.Command(filepath.Join(e.bin, "wsec"), args...).CombinedOutput()
	if err != nil {
		e.t.Fatalf("wsec %v: %v\n%s", args, err, out)
	}
	return out
}

func (e *e2eEnv) startServer() {
	e.t.Helper()
	e.server = exec.Command(filepath.Join(e.bin, "wsec"), "serve", "--data", e.data, "--listen", e.addr, "--log-format", "text")
	e.server.Stdout, e.server.Stderr = e.serveLog, e.serveLog
	if err := e.server.Start(); err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := net.Dial("tcp", e.addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("wsec serve did not listen on %s", e.addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *e2eEnv) stopServer() {
	if e.server == nil {
		return
	}
	e.server.Process.Signal(syscall.SIGTERM)
	e.server.Wait()
	e.server = nil
}

type workspace struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PrimaryKey string `json:"primaryKey"`
	// Token is an admin API token of the workspace (adminToken): queries
	// and DCR changes need one, the key only sends.
	Token string `json:"-"`
}

// adminToken makes user admin (created by the first 'wsec workspace
// create' of data) an admin of w and returns an admin API token, using
// wsec (which runs the wsec binary and returns its standard output).
func adminToken(t *testing.T, wsec func(args ...string) []byte, data string, w workspace) string {
	t.Helper()
	wsec("user", "role", "--data", data, "--name", "admin", "--workspace", w.ID, "--role", "admin")
	var tv struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(wsec("token", "create", "--data", data, "--user", "admin", "--workspace", w.ID, "--role", "admin", "--json"), &tv); err != nil || tv.Token == "" {
		t.Fatalf("token create for %s: %v", w.Name, err)
	}
	return tv.Token
}

func TestRealWorkspace(t *testing.T) {
	if os.Getenv("WSEC_E2E") == "" {
		t.Skip("set WSEC_E2E=1 to build wsec (DuckDB, cgo) and run the agent against a real workspace server")
	}
	count := uint64(100_000)
	if s := os.Getenv("WSEC_AGENT_E2E_COUNT"); s != "" {
		count, _ = strconv.ParseUint(s, 10, 64)
	}
	down := 5 * time.Second
	if s := os.Getenv("WSEC_AGENT_OUTAGE"); s != "" {
		down, _ = time.ParseDuration(s)
	}
	dir := t.TempDir()
	e := &e2eEnv{t: t, bin: dir, data: filepath.Join(dir, "server")}
	build(t, dir, "wsec", "./cmd/wsec", true)
	agentBin := build(t, dir, "wsec-agent", "./cmd/wsec-agent", false)
	var err error
	if e.serveLog, err = os.Create(filepath.Join(dir, "serve.log")); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	e.addr = ln.Addr().String()
	ln.Close()
	for _, name := range []string{"all", "minimal", "rules"} {
		e.wsec("workspace", "create", "--data", e.data, "--name", name)
	}
	var wss []workspace
	if err := json.Unmarshal(e.wsec("workspace", "list", "--data", e.data, "--json", "--show-keys"), &wss); err != nil {
		t.Fatal(err)
	}
	ws := map[string]workspace{}
	for _, w := range wss {
		w.Token = adminToken(t, e.wsec, e.data, w)
		ws[w.Name] = w
	}
	e.startServer()
	defer e.stopServer()
	url := "http://" + e.addr

	// Phase 1: count events through one agent to two workspaces (All,
	// Minimal), with the server stopped for a while mid-stream and the
	// agent killed -9 three times.
	cfg := agent.Config{
		AgentID: "agent-e2e", DataDir: filepath.Join(dir, "agent"), Computer: "SRV-APP01",
		Sources: []agent.SourceConfig{{Kind: agent.KindSynthetic, Count: count, Rate: float64(count) / 20, Seed: 42}},
		Destinations: []agent.DestinationConfig{
			{Name: "all", URL: url, Workspace: ws["all"].ID, Key: ws["all"].PrimaryKey, EventSet: "All"},
			{Name: "minimal", URL: url, Workspace: ws["minimal"].ID, Key: ws["minimal"].PrimaryKey, EventSet: "Minimal"},
		},
		ExitWhenDone: true, LogFile: filepath.Join(dir, "agent.log"),
	}
	cfgPath := writeJSON(t, dir, "agent.json", cfg)
	start := time.Now()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for i := range 3 {
		a := exec.Command(agentBin, "run", "--config", cfgPath)
		if err := a.Start(); err != nil {
			t.Fatal(err)
		}
		d := time.Duration(500+rng.IntN(3000)) * time.Millisecond
		time.Sleep(d) // a random kill point
		if i == 1 {
			e.stopServer()
			t.Logf("workspace server stopped for %v", down)
			time.Sleep(down)
			e.startServer()
		}
		a.Process.Signal(syscall.SIGKILL)
		a.Wait()
		t.Logf("agent killed -9 after %v", d)
	}
	a := exec.Command(agentBin, "run", "--config", cfgPath)
	if out, err := a.CombinedOutput(); err != nil {
		t.Fatalf("last agent run: %v\n%s", err, out)
	}
	t.Logf("%d events delivered through faults in %v", count, time.Since(start))
	st, _ := exec.Command(agentBin, "status", "--config", cfgPath).CombinedOutput()
	t.Logf("wsec-agent status:\n%s", st)

	g := synthetic.New(synthetic.Options{Seed: 42})
	for _, d := range cfg.Destinations {
		set, _ := filter.ParseSet(d.EventSet)
		want := oracle(t, g, count, filter.Policy{Set: set})
		got := summarize(t, url, ws[d.Name])
		for ch, w := range want {
			if got[ch] != w {
				t.Errorf("workspace %s, %s: holds %+v, want %+v", d.Name, ch, got[ch], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("workspace %s: channels %v, want %v", d.Name, got, want)
		}
		t.Logf("workspace %s: %+v", d.Name, got)
	}

	// Phase 2: a rule assigned in the workspace reaches a running agent
	// without a restart.
	rc := agent.Config{
		AgentID: "agent-rules", DataDir: filepath.Join(dir, "agent-rules"), Computer: "SRV-APP02",
		Groups: []string{"servers"}, EventSet: "None",
		Sources:       []agent.SourceConfig{{Kind: agent.KindSynthetic, Rate: 500, Seed: 7, EventComputer: "SRV-APP02.contoso.local"}},
		Destinations:  []agent.DestinationConfig{{Name: "rules", URL: url, Workspace: ws["rules"].ID, Key: ws["rules"].PrimaryKey}},
		RulesInterval: agent.Duration(2 * time.Second), LogFile: filepath.Join(dir, "agent-rules.log"),
	}
	ra := exec.Command(agentBin, "run", "--config", writeJSON(t, dir, "rules.json", rc))
	if err := ra.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { ra.Process.Signal(syscall.SIGTERM); ra.Wait() }()
	cl, err := client.New(url, ws["rules"].ID, ws["rules"].PrimaryKey, client.Options{Token: ws["rules"].Token})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cl.PutRule(ctx, dcr.Rule{Name: "logons", EventSet: "None", XPathQueries: []string{"Security!*[System[(EventID=4624)]]"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.AssignRule(ctx, "logons", "servers", false); err != nil {
		t.Fatal(err)
	}
	assigned := time.Now()
	for {
		ids := eventIDs(t, cl)
		if len(ids) > 0 {
			t.Logf("the rule reached the agent: events by ID %v %v after it was assigned", ids, time.Since(assigned).Round(time.Second))
			if len(ids) != 1 || ids["4624"] == 0 {
				t.Errorf("events by ID %v, want 4624 only", ids)
			}
			break
		}
		if time.Since(assigned) > time.Minute {
			t.Fatal("no event a minute after the rule was assigned")
		}
		time.Sleep(time.Second)
	}
}

func writeJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	b, _ := json.MarshalIndent(v, "", "  ")
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// channelSummary is what a workspace holds of a channel: count, distinct
// record IDs, smallest, largest and sum of record IDs.
type channelSummary struct{ N, Distinct, Min, Max, Sum uint64 }

func oracle(t *testing.T, g *synthetic.Generator, count uint64, p filter.Policy) map[string]channelSummary {
	rules, err := filter.Compile(p, filter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]channelSummary{}
	var e event.Event
	for n := range count {
		g.Event(n, &e)
		if !rules.Keep(&e) {
			continue
		}
		s := out[e.System.Channel]
		id := e.System.EventRecordID
		if s.N == 0 || id < s.Min {
			s.Min = id
		}
		s.Max = max(s.Max, id)
		s.N++
		s.Distinct++ // record IDs are unique per channel in the synthetic stream
		s.Sum += id
		out[e.System.Channel] = s
	}
	return out
}

func summarize(t *testing.T, url string, w workspace) map[string]channelSummary {
	t.Helper()
	cl, err := client.New(url, w.ID, w.PrimaryKey, client.Options{Token: w.Token})
	if err != nil {
		t.Fatal(err)
	}
	res, err := cl.Query(context.Background(), "SecurityEvent | summarize n=count(), d=dcount(EventRecordID), lo=min(EventRecordID), hi=max(EventRecordID), s=sum(EventRecordID) by Channel", "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]channelSummary{}
	for _, row := range res.Tables[0].Rows {
		num := func(v any) uint64 { f, _ := strconv.ParseFloat(fmt.Sprint(v), 64); return uint64(f) }
		out[fmt.Sprint(row[0])] = channelSummary{num(row[1]), num(row[2]), num(row[3]), num(row[4]), num(row[5])}
	}
	return out
}

func eventIDs(t *testing.T, cl *client.Client) map[string]int {
	t.Helper()
	res, err := cl.Query(context.Background(), "SecurityEvent | summarize n=count() by EventID", "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, row := range res.Tables[0].Rows {
		n, _ := strconv.Atoi(fmt.Sprint(row[1]))
		out[fmt.Sprint(row[0])] = n
	}
	return out
}
