package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/access"
	"wsec/internal/auth"
	"wsec/internal/client"
	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/kql"
	"wsec/internal/logfile"
	"wsec/internal/source/synthetic"

	"gopkg.in/yaml.v3"
	"wsec/internal/testtool"
)

// TestMain lets the test binary act as `wsec` itself, so tests can run the
// server as a separate process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("WSEC_TEST_AS_WSEC") == "1" {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// workspaceServer is a wsec serve running in this process on 127.0.0.1.
type workspaceServer struct {
	url  string
	ws   auth.Workspace
	data string
	// token is an admin API token of ws, for queries and management.
	token string
	stop  func()
}

func startServer(t testing.TB, opts ...func(*serveOptions)) *workspaceServer {
	t.Helper()
	data := t.TempDir()
	keys, err := auth.Open(data, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := keys.Create("e2e")
	if err != nil {
		t.Fatal(err)
	}
	token := adminToken(t, data, ws.ID) // before serve loads the access file
	return startServerOn(t, data, ws, token, opts...)
}

// startServerOn starts a server on an existing data directory (a restart
// after stop).
func startServerOn(t testing.TB, data string, ws auth.Workspace, token string, opts ...func(*serveOptions)) *workspaceServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	o := serveOptions{data: data, listen: "127.0.0.1:0", retentionEvery: time.Hour,
		logger: slog.New(slog.DiscardHandler), ready: func(a net.Addr) { addrc <- a }}
	for _, f := range opts {
		f(&o)
	}
	go func() { done <- serve(ctx, o) }()
	select {
	case a := <-addrc:
		s := &workspaceServer{url: "http://" + a.String(), ws: ws, data: data, token: token}
		var once sync.Once
		s.stop = func() {
			once.Do(func() {
				cancel()
				if err := <-done; err != nil && err != context.Canceled {
					t.Errorf("serve: %v", err)
				}
			})
		}
		t.Cleanup(s.stop)
		return s
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("server did not start in 60 s")
	}
	return nil
}

func (s *workspaceServer) env(t testing.TB) {
	t.Setenv("WSEC_URL", s.url)
	t.Setenv("WSEC_WORKSPACE", s.ws.ID)
	t.Setenv("WSEC_KEY", s.ws.PrimaryKey)
	t.Setenv("WSEC_TOKEN", s.token)
}

// adminToken makes a user, admin of workspace ws in the data directory,
// and returns an admin API token of it.
func adminToken(t testing.TB, data, ws string) string {
	t.Helper()
	st, err := access.Open(data, access.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddUser("tester-"+ws[:8], "tester password", map[string]access.Role{ws: access.Admin}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := st.CreateToken("tester-"+ws[:8], "tests", ws, access.Admin, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (s *workspaceServer) query(t testing.TB, kql string) [][]any {
	t.Helper()
	c, err := client.New(s.url, s.ws.ID, s.ws.PrimaryKey, client.Options{Token: s.token})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(context.Background(), kql, "")
	if err != nil {
		t.Fatalf("query %q: %v", kql, err)
	}
	return res.Tables[0].Rows
}

// refEvent is what the reference parser says of one record.
type refEvent struct {
	EventID  int    `xml:"System>EventID"`
	RecordID uint64 `xml:"System>EventRecordID"`
	Channel  string `xml:"System>Channel"`
	Computer string `xml:"System>Computer"`
	Time     struct {
		SystemTime string `xml:"SystemTime,attr"`
	} `xml:"System>TimeCreated"`
}

// evtxexportEvents runs libevtx's evtxexport on path; ok is false when it
// could not read the whole file.
func evtxexportEvents(t *testing.T, path string) (evs []refEvent, ok bool) {
	out, err := exec.Command("evtxexport", "-f", "xml", path).Output()
	if err != nil {
		return nil, false
	}
	return refEvents(t, out, path), true
}

// refEvents reads evtxexport's XML output (out, made of name).
func refEvents(t *testing.T, out []byte, name string) (evs []refEvent) {
	// evtxexport copies control characters of values verbatim, which XML
	// 1.0 cannot carry; blank them for the decoder.
	for i, c := range out {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			out[i] = ' '
		}
	}
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatalf("evtxexport output of %s: %v", name, err)
		}
		if se, isStart := tok.(xml.StartElement); isStart && se.Name.Local == "Event" {
			var e refEvent
			if err := d.DecodeElement(&e, &se); err != nil {
				t.Fatalf("evtxexport output of %s: %v", name, err)
			}
			evs = append(evs, e)
		}
	}
}

// TestImportMatchesReferenceParserFixture is TestImportMatchesReferenceParser
// without the corpus or evtxexport: the three-chunk Security fixture
// (records 31878-32109 of Velocidex's Security.evtx), imported under two
// names, holds per EventID the events evtxexport's output of the whole log
// (internal/filter's fixture) has in that range, once each; importing
// again stores nothing.
func TestImportMatchesReferenceParserFixture(t *testing.T) {
	gz, err := os.Open(filepath.Join("..", "..", "internal", "filter", "testdata", "security-velocidex.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]int{}
	total := 0
	for _, e := range refEvents(t, out, "security-velocidex.xml.gz") {
		if e.RecordID >= 31878 && e.RecordID <= 32109 {
			want[e.EventID]++
			total++
		}
	}
	src, err := os.ReadFile(filepath.Join("..", "..", "internal", "source", "file", "testdata", "security-3chunks.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "Security.evtx"), filepath.Join(dir, "Security-copy.evtx")}
	for _, f := range files {
		if err := os.WriteFile(f, src, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := startServer(t)
	s.env(t)
	state := filepath.Join(t.TempDir(), "state.json")
	if code, _, errs := runCmd(t, append([]string{"import", "--set", "All", "--state", state}, files...)...); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	got := map[int]int{}
	for _, row := range s.query(t, "SecurityEvent | summarize n = count() by EventID") {
		got[int(row[0].(float64))] = int(row[1].(float64))
	}
	if total != 232 || !maps.Equal(got, want) {
		t.Errorf("workspace holds %v per EventID, evtxexport %v (%d events)", got, want, total)
	}
	code, _, errs := runCmd(t, append([]string{"import", "--force", "--set", "All", "--state", state}, files...)...)
	if code != 0 || !strings.Contains(errs, " 0 stored,") {
		t.Errorf("second import: exit %d, want 0 stored: %s", code, errs)
	}
}

// TestImportMatchesReferenceParser imports every EVTX of the corpus that
// libevtx reads completely and compares SecurityEvent counts per EventID
// with what evtxexport says the same files hold, after the same event-set
// filter (All: the Security and AppLocker channels) and the workspace's
// deduplication by (Computer, Channel, EventRecordID, TimeCreated) — the
// corpus holds some logs twice. Importing again stores nothing.
func TestImportMatchesReferenceParser(t *testing.T) {
	testtool.Need(t, testtool.Evtxexport)
	files, err := logfile.Expand([]string{corpustest.Dir(t, "evtx")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]int{}
	seen := map[string]bool{}
	var readable []string
	for _, f := range files {
		evs, ok := evtxexportEvents(t, f)
		if !ok {
			t.Logf("evtxexport cannot read %s completely; left out of the comparison", f)
			continue
		}
		readable = append(readable, f)
		for _, e := range evs {
			if e.Channel != "Security" && !strings.HasPrefix(strings.ToLower(e.Channel), "microsoft-windows-applocker/") {
				continue
			}
			ts, err := time.Parse(time.RFC3339Nano, e.Time.SystemTime)
			if err != nil {
				t.Fatalf("%s: record %d: time %q: %v", f, e.RecordID, e.Time.SystemTime, err)
			}
			key := fmt.Sprintf("%s|%s|%d|%d", strings.ToLower(e.Computer), e.Channel, e.RecordID, ts.UnixNano())
			if !seen[key] {
				seen[key] = true
				want[e.EventID]++
			}
		}
	}
	if len(readable) < 200 {
		t.Fatalf("only %d corpus files readable by evtxexport", len(readable))
	}
	s := startServer(t)
	s.env(t)
	state := filepath.Join(t.TempDir(), "state.json")
	args := append([]string{"import", "--set", "All", "--state", state}, readable...)
	if code, _, errs := runCmd(t, args...); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	got := map[int]int{}
	for _, row := range s.query(t, "SecurityEvent | summarize n = count() by EventID") {
		got[int(row[0].(float64))] = int(row[1].(float64))
	}
	total := 0
	for id, n := range want {
		total += n
		if got[id] != n {
			t.Errorf("EventID %d: workspace has %d, evtxexport %d", id, got[id], n)
		}
	}
	for id, n := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("EventID %d: workspace has %d, evtxexport none", id, n)
		}
	}
	t.Logf("%d files, %d distinct Security/AppLocker events in %d EventIDs match evtxexport", len(readable), total, len(want))

	code, _, errs := runCmd(t, append([]string{"import", "--force", "--set", "All", "--state", state}, readable...)...)
	if code != 0 || !strings.Contains(errs, " 0 stored,") {
		t.Errorf("second import: exit %d, want 0 stored: %s", code, errs)
	}
	rows := s.query(t, "SecurityEvent | count")
	if int(rows[0][0].(float64)) != total {
		t.Errorf("after the second import: %v rows, want %d", rows[0][0], total)
	}
	runSentinelRules(t, s)
}

// runSentinelRules runs every Sentinel analytic rule and hunting query of
// the corpus whose tables the workspace has through the query API of the
// real server and store, and reports parse / compile / run.
func runSentinelRules(t *testing.T, s *workspaceServer) {
	root := corpustest.Dir(t, "sentinel-rules")
	c, _ := client.New(s.url, s.ws.ID, s.ws.PrimaryKey, client.Options{Token: s.token})
	var total, inScope, ran int
	var failures []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var rule struct {
			Query string `yaml:"query"`
		}
		if yaml.Unmarshal(b, &rule) != nil || rule.Query == "" {
			return nil
		}
		total++
		rel, _ := filepath.Rel(root, path)
		q, err := kql.Parse(rule.Query)
		if err == nil {
			for _, tb := range kql.TableRefs(q) {
				if tb != "SecurityEvent" && tb != "Heartbeat" && tb != "WindowsEvent" && !strings.HasSuffix(tb, "_CL") {
					return nil // reads a table wsec does not have
				}
			}
		}
		inScope++
		if _, err := c.Query(context.Background(), rule.Query, ""); err != nil {
			failures = append(failures, rel+": "+err.Error())
			return nil
		}
		ran++
		return nil
	})
	t.Logf("Sentinel rules: %d total, %d in scope, %d ran through the query API", total, inScope, ran)
	for _, f := range failures {
		t.Logf("  failed: %s", f)
	}
	if inScope == 0 || float64(ran) < 0.9*float64(inScope) {
		t.Errorf("%d of %d in-scope Sentinel rules ran, want at least 90%%", ran, inScope)
	}
}

// TestQueryCommandFormats runs wsec query against a served workspace.
func TestQueryCommandFormats(t *testing.T) {
	s := startServer(t)
	s.env(t)
	dir := t.TempDir()
	want := 0 // the default --set All imports the Security and AppLocker events
	for _, e := range writeSyntheticXML(t, dir, 3000) {
		if ch := strings.ToLower(e.System.Channel); ch == "security" || strings.HasPrefix(ch, "microsoft-windows-applocker/") {
			want++
		}
	}
	if code, _, errs := runCmd(t, "import", "--state", filepath.Join(dir, "st.json"), dir); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	code, out, errs := runCmd(t, "query", "SecurityEvent | where EventID == 4625 | summarize count() by Account | order by Account asc")
	if code != 0 || !strings.HasPrefix(out, "Account") || !strings.Contains(out, `CONTOSO\`) {
		t.Fatalf("table: exit %d: %s %s", code, out, errs)
	}
	code, out, _ = runCmd(t, "query", "--format", "json", "SecurityEvent | count")
	var res struct {
		Tables []struct{ Rows [][]float64 } `json:"tables"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Tables[0].Rows[0][0] != float64(want) || want == 0 {
		t.Fatalf("json: exit %d: %s; want %d events", code, out, want)
	}
	code, out, _ = runCmd(t, "query", "--format", "csv", "SecurityEvent | summarize n=count() by EventID | where EventID == 4624")
	if code != 0 || !strings.HasPrefix(out, "EventID,n\n4624,") {
		t.Fatalf("csv: %q", out)
	}
	code, _, errs = runCmd(t, "query", "SecurityEvent | where EventId == 4625")
	if code != 1 || !strings.Contains(errs, "EventID") || !strings.Contains(errs, "line 1, column 23") {
		t.Errorf("unknown column: exit %d: %s", code, errs)
	}
}

// TestRulesCommand drives wsec dcr against a served workspace.
func TestRulesCommand(t *testing.T) {
	s := startServer(t)
	s.env(t)
	if code, _, errs := runCmd(t, "dcr", "create", "--name", "dc-logons", "--set", "Minimal",
		"--xpath", "Security!*[System[(EventID=4624 or EventID=4625)]]", "--group", "domain-controllers"); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	if code, _, errs := runCmd(t, "dcr", "assign", "--name", "dc-logons", "--group", "tier0"); code != 0 {
		t.Fatalf("assign: %s", errs)
	}
	code, out, _ := runCmd(t, "dcr", "list")
	if code != 0 || !strings.Contains(out, "domain-controllers,tier0") || !strings.Contains(out, "Minimal") {
		t.Errorf("list: %s", out)
	}
	if code, _, errs := runCmd(t, "dcr", "create", "--name", "bad", "--xpath", "Security!*[System[contains(EventID,'4')]]"); code != 1 || !strings.Contains(errs, "contains") {
		t.Errorf("invalid rule: exit %d: %s", code, errs)
	}
}

// TestKill9DuringIngest streams 200k events with retries while the server
// is killed with SIGKILL and restarted three times at random points;
// afterwards exactly 200k distinct events are stored.
func TestKill9DuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test runs a server process; skipped in -short")
	}
	const total, batch = 200_000, 2_000
	data := t.TempDir()
	keys, _ := auth.Open(data, auth.Options{})
	ws, _ := keys.Create("kill9")
	port := freePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	var mu sync.Mutex
	var srv *exec.Cmd
	start := func() {
		mu.Lock()
		defer mu.Unlock()
		srv = exec.Command(os.Args[0], "serve", "--data", data, "--listen", "127.0.0.1:"+strconv.Itoa(port), "--log-format", "text")
		srv.Env = append(os.Environ(), "WSEC_TEST_AS_WSEC=1")
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
	}
	kill := func() {
		mu.Lock()
		defer mu.Unlock()
		srv.Process.Kill() // SIGKILL
		srv.Wait()
	}
	start()
	t.Cleanup(kill)

	c, _ := client.New(url, ws.ID, ws.PrimaryKey, client.Options{Token: adminToken(t, data, ws.ID)})
	g := synthetic.New(synthetic.Options{Computer: "KILL9-HOST"})
	killAt := map[int]bool{}
	for len(killAt) < 3 {
		killAt[1+rand.IntN(total/batch-2)] = true
	}
	var e event.Event
	attempts := 0
	for b := 0; b < total/batch; b++ {
		var framed []byte
		for i := b * batch; i < (b+1)*batch; i++ {
			g.Event(uint64(i), &e)
			framed = e.AppendFramed(framed)
		}
		if killAt[b] {
			// Kill while this batch is in flight or right after its 200.
			go func() { time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond); kill(); start() }()
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			attempts++
			_, err := c.SendBatch(context.Background(), "kill9-agent", uint64(b+1), framed)
			if err == nil {
				break
			}
			if !client.Retryable(err) || time.Now().After(deadline) {
				t.Fatalf("batch %d: %v", b+1, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	kill()
	start()
	var rows [][]any
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := c.Query(context.Background(), "SecurityEvent | count", "")
		if err == nil {
			rows = res.Tables[0].Rows
			res, err = c.Query(context.Background(), "SecurityEvent | distinct Channel, EventRecordID | count", "")
		}
		if err == nil {
			rows = append(rows, res.Tables[0].Rows...)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query after restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	n, d := int(rows[0][0].(float64)), int(rows[1][0].(float64))
	if n != total || d != total {
		t.Errorf("after 3 kill -9: %d rows, %d distinct events; want exactly %d (%d send attempts)", n, d, total, attempts)
	}
	t.Logf("%d events, %d send attempts, 3 kills at batches %v", n, attempts, killAt)
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// BenchmarkIngest measures events/s through the HTTP API into the store:
// signed zstd batches of 5,000 synthetic Security events from 4 senders,
// each batch new events (its own record ID range), built in the senders.
func BenchmarkIngest(b *testing.B) {
	mix := benchMix(b)
	s := startServer(b)
	c, _ := client.New(s.url, s.ws.ID, s.ws.PrimaryKey, client.Options{Token: s.token})
	const perBatch, senders = 10_000, 4
	// Agents compress on their own machines: bodies are made before the
	// timer, each batch with record IDs of its own (nothing deduplicated).
	bodies := make([][]byte, b.N)
	var raw int64
	var buf []byte
	for i := range bodies {
		buf = buf[:0]
		for k := range perBatch {
			e := *mix[k%len(mix)]
			e.System.EventRecordID = uint64(i*perBatch + k + 1)
			buf = e.AppendFramed(buf)
		}
		raw += int64(len(buf))
		bodies[i] = c.CompressBatch(buf)
	}
	b.SetBytes(raw / int64(b.N))
	b.ResetTimer()
	var wg sync.WaitGroup
	work := make(chan int)
	for w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				res, err := c.SendCompressedBatch(context.Background(), "bench-"+strconv.Itoa(w), uint64(i+1), bodies[i])
				if err != nil || res.Stored != perBatch {
					b.Errorf("batch %d: stored %d of %d: %v", i, res.Stored, perBatch, err)
				}
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	b.ReportMetric(float64(b.N*perBatch)/b.Elapsed().Seconds(), "events/s")
}

// benchMix is a realistic SecurityEvent mix, the events the store's
// BenchmarkAppendEvents uses (its fixture was rendered from these files):
// the 739 records of a Windows 10 Security log and 60 Sysmon events (~8%).
func benchMix(b *testing.B) []*event.Event {
	root := corpustest.Dir(b, "evtx")
	var mix []*event.Event
	for _, f := range []struct {
		path string
		max  int
	}{
		{filepath.Join(root, "velocidex-evtx", "testdata", "Security.evtx"), 739},
		{filepath.Join(root, "omerbenamram-evtx", "samples", "sysmon.evtx"), 60},
	} {
		var evs []*event.Event
		_, err := logfile.Read(context.Background(), f.path, logfile.Options{},
			func(batch []*event.Event) []*event.Event { return batch },
			func(batch []*event.Event) error { evs = append(evs, batch...); return nil })
		if err != nil || len(evs) < f.max {
			b.Fatalf("%s: %d events (%v), want %d", f.path, len(evs), err, f.max)
		}
		mix = append(mix, evs[:f.max]...)
	}
	return mix
}
