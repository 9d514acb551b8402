package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wsec/internal/access"
	"wsec/internal/agent"
	"wsec/internal/auth"
	"wsec/internal/client"
	"wsec/internal/geoip/geoiptest"
	"wsec/internal/testtool"
	"wsec/internal/ui"
)

// The browser tests drive the web interface in headless Chromium against
// the demo workspace (wsec demo, started here on 127.0.0.1), as a person
// would: they sign in, open every page, run a query, build a workbook,
// change a DCR that a running agent then applies, work an incident, and
// check that a reader is kept out of admin pages. A screenshot of each
// page goes to $WSEC_ARTIFACTS (or the test's temporary directory).

// browserEnv is a running demo workspace and a browser tab.
type browserEnv struct {
	t        *testing.T
	url      string // the browser's
	server   string // the agent's and the API client's: url, unless a test puts something between
	ws       auth.Workspace
	admin    [2]string // user, password
	token    string    // the API token wsec demo prints
	ctx      context.Context
	out      string // screenshots
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

// demoLogin finds the login wsec demo prints: the user and the one-time
// password.
var demoLogin = regexp.MustCompile(`(?i)user\W+(\w+)\W+password\W+(\S+)`)

func startBrowserEnv(t *testing.T) *browserEnv {
	chromium := testtool.Need(t, testtool.Chromium)[0]
	data := t.TempDir()
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--data", data, "--listen", "127.0.0.1:" + strconv.Itoa(port), "--events", "3000"}, &out, &errs)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	deadline := time.Now().Add(3 * time.Minute)
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
	e := &browserEnv{t: t, url: "http://127.0.0.1:" + strconv.Itoa(port)}
	e.server = e.url
	if !strings.Contains(out.String(), e.url+"/") && !strings.Contains(out.String(), e.url+" ") {
		t.Errorf("demo does not print the interface's URL %s:\n%s", e.url, out.String())
	}
	keys, err := auth.Open(data, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.ws = keys.List()[0]
	if m := regexp.MustCompile(`export WSEC_TOKEN='(\S+)'`).FindStringSubmatch(out.String()); m != nil {
		e.token = m[1]
	} else {
		t.Fatalf("wsec demo printed no API token:\n%s", out.String())
	}
	if m := demoLogin.FindStringSubmatch(out.String()); m != nil {
		e.admin = [2]string{m[1], m[2]}
	} else {
		t.Logf("wsec demo printed no login; the test adds its own admin")
		users, err := access.Open(data, access.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e.admin = [2]string{"uiadmin", "ui-admin-password-1234"}
		if _, err := users.AddUser(e.admin[0], e.admin[1], map[string]access.Role{e.ws.ID: access.Admin}); err != nil {
			t.Fatal(err)
		}
	}

	e.startBrowser(chromium)
	return e
}

// startBrowser starts headless Chromium and collects the console.
func (e *browserEnv) startBrowser(chromium string) {
	t := e.t
	e.out = os.Getenv("WSEC_ARTIFACTS")
	if e.out == "" {
		e.out = t.TempDir()
	}
	if err := os.MkdirAll(e.out, 0o755); err != nil {
		t.Fatal(err)
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.WindowSize(1360, 900), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true))...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	tctx, tcancel := context.WithTimeout(bctx, 8*time.Minute)
	t.Cleanup(tcancel)
	e.ctx = tctx
	if err := chromedp.Do(e.ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	msgs := chromedp.Console(e.ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			e.mu.Lock()
			e.messages = append(e.messages, m)
			e.mu.Unlock()
		}
	}()
}

func (e *browserEnv) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	if err := chromedp.Do(e.ctx, steps...); err != nil {
		e.shot("failed-" + what)
		e.t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](e *browserEnv, js string) T {
	e.t.Helper()
	v, err := chromedp.Run(e.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		e.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS waits until the expression is truthy.
func (e *browserEnv) waitJS(what, js string) {
	e.t.Helper()
	if _, err := chromedp.Run(e.ctx, chromedp.Poll[bool]("!!("+js+")", chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		e.shot("failed-" + what)
		body, _ := chromedp.Run(e.ctx, chromedp.Evaluate[string]("document.body.innerText.slice(0, 2000)"))
		e.t.Fatalf("%s: %v\npage:\n%s", what, err, body)
	}
}

// consoleErrors returns the errors the page logged since mark, without
// the refusals the step expects (a 401 before signing in, a reader's 403).
func (e *browserEnv) consoleErrors(mark int, expected ...string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, m := range e.messages[mark:] {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
			continue
		}
		s := m.String() + " " + m.URL
		if !slices.ContainsFunc(expected, func(x string) bool { return strings.Contains(s, x) }) {
			out = append(out, s)
		}
	}
	return out
}

func (e *browserEnv) mark() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.messages)
}

func (e *browserEnv) shot(name string) {
	buf, err := chromedp.Run(e.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		e.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(e.out, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		e.t.Fatal(err)
	}
	e.t.Logf("screenshot: %s", path)
}

// settled is true when the page shows its heading and nothing is loading.
const settled = `document.querySelector('main h1, main h2') && !document.querySelector('[aria-busy="true"]') && !/Loading/.test(document.querySelector('main').innerText)`

func (e *browserEnv) login(user, password string) {
	e.t.Helper()
	e.do("open the sign-in page", chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.CSS("#user")))
	e.do("sign in as "+user,
		chromedp.SendKeys(chromedp.CSS("#user"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(".login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("nav[aria-label=Pages]")))
}

func (e *browserEnv) logout() {
	e.t.Helper()
	e.do("sign out", chromedp.Click(chromedp.CSS("header button")), chromedp.WaitVisible(chromedp.CSS("#user")))
}

// api calls the JSON API as user with a session of its own (not the
// browser's).
type apiSession struct {
	c    *http.Client
	url  string
	csrf string
}

func (e *browserEnv) apiLogin(user, password string) *apiSession {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &apiSession{c: &http.Client{Jar: jar, Timeout: 30 * time.Second}, url: e.url}
	var body struct{ CSRF string }
	if st := s.call(e.t, "POST", "/v1/session", map[string]string{"user": user, "password": password}, &body); st != 200 {
		e.t.Fatalf("log in as %s: %d", user, st)
	}
	s.csrf = body.CSRF
	return s
}

func (s *apiSession) call(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var rd io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if s.csrf != "" {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	res, err := s.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestBrowserUI(t *testing.T) {
	e := startBrowserEnv(t)
	h, err := ui.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bundle: %d bytes gzip (scripts and styles)", h.GzipSize())

	// Sign in; the first answer of GET /v1/session is the expected 401.
	mark := e.mark()
	e.login(e.admin[0], e.admin[1])
	if errs := e.consoleErrors(mark, "401"); len(errs) > 0 {
		t.Errorf("console errors while signing in: %v", errs)
	}

	// Every page loads, shows its heading and has no console error.
	for _, p := range []struct{ name, path, ready string }{
		{"overview", "/", `document.querySelectorAll('.tile').length >= 8 && !document.querySelector('.tile[aria-busy="true"]')`},
		{"logs", "/logs", `document.querySelector('.cm-content')`},
		{"workbooks", "/workbooks?id=overview", `document.querySelectorAll('.tile').length >= 8 && !document.querySelector('.tile[aria-busy="true"]')`},
		{"incidents", "/incidents", `document.querySelector('table.grid tbody tr')`},
		{"analytics", "/analytics", `document.querySelector('table.grid tbody tr') && /RDP/.test(document.body.innerText)`},
		{"connectors", "/connectors", `/Data collection rules/.test(document.body.innerText)`},
		{"settings", "/settings", `/Users and roles/.test(document.body.innerText) && document.querySelector('table.grid')`},
	} {
		mark := e.mark()
		start := time.Now()
		e.do("open "+p.path, chromedp.Navigate(e.url+p.path))
		e.waitJS(p.name+" ready", settled+" && "+p.ready)
		t.Logf("page %s usable after %v", p.name, time.Since(start).Round(time.Millisecond))
		if errs := e.consoleErrors(mark); len(errs) > 0 {
			t.Errorf("%s: console errors: %v", p.name, errs)
		}
		if bad := eval[[]string](e, `[...document.querySelectorAll('.tile-error, main .error')].map(x => x.closest('.tile')?.getAttribute('aria-label') + ': ' + x.innerText)`); len(bad) > 0 {
			t.Errorf("%s shows errors: %v", p.name, bad)
		}
		e.shot(p.name)
	}

	t.Run("query draws its timechart", func(t *testing.T) { browserQuery(t, e) })
	t.Run("workbook tile survives a reload", func(t *testing.T) { browserWorkbook(t, e) })
	t.Run("incident assigned, commented, closed", func(t *testing.T) { browserIncident(t, e) })
	t.Run("DCR change reaches a running agent", func(t *testing.T) { browserDCR(t, e) })
	t.Run("Sigma and Sentinel rules imported in Analytics", func(t *testing.T) { browserImportRules(t, e) })
	t.Run("agent key rotated in Settings", func(t *testing.T) { browserKeyRotation(t, e) })
	t.Run("retention set in Settings", func(t *testing.T) { browserRetention(t, e) })
	t.Run("users and tokens managed in Settings", func(t *testing.T) { browserUsersTokens(t, e) })
	t.Run("GeoIP databases set in Settings", func(t *testing.T) { browserGeoIP(t, e) })
	t.Run("reader kept out of admin pages", func(t *testing.T) { browserReader(t, e) })
	t.Run("first paint and first query result", func(t *testing.T) { browserTimings(t, e) })
}

func browserQuery(t *testing.T, e *browserEnv) {
	q := "SecurityEvent\n| summarize Events = count() by bin(TimeGenerated, 1h), Channel\n| render timechart"
	mark := e.mark()
	e.do("open Logs with a query", chromedp.Navigate(e.url+"/logs?q="+urlQuery(q)+"&t=P1D"))
	e.waitJS("editor", `document.querySelector('.cm-content') && /render timechart/.test(document.querySelector('.cm-content').innerText)`)
	e.do("run", chromedp.Click(chromedp.CSS("button.primary")))
	e.waitJS("timechart drawn", `document.querySelector('.chart canvas') && document.querySelector('.grid tbody tr')`)
	if series := eval[int](e, `document.querySelectorAll('.u-legend .u-series').length`); series < 2 {
		t.Errorf("the timechart has %d legend entries, want time plus at least one channel", series)
	}
	e.shot("logs-timechart")
	if errs := e.consoleErrors(mark); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}

	// A wrong column is underlined where it is, with the compiler's message.
	e.do("open Logs with a mistake", chromedp.Navigate(e.url+"/logs?q="+urlQuery("SecurityEvent\n| where EventId == 4625")))
	e.waitJS("editor", `document.querySelector('.cm-content')`)
	e.do("run", chromedp.Click(chromedp.CSS("button.primary")))
	e.waitJS("error underlined", `document.querySelector('.cm-lintRange-error')`)
	if got := eval[string](e, `document.querySelector('.cm-lintRange-error').innerText`); got != "EventId" {
		t.Errorf("underlined %q, want the unknown column EventId", got)
	}
	if msg := eval[string](e, `document.querySelector('pre.error').innerText`); !strings.Contains(msg, "EventId") {
		t.Errorf("error message %q does not name the column", msg)
	}

	// Completion offers the live schema's columns.
	e.do("type", chromedp.Click(chromedp.CSS(".cm-content")), chromedp.KeyEvent("\n| where LogonTyp"))
	e.waitJS("completion", `[...document.querySelectorAll('.cm-tooltip-autocomplete li')].some(li => /LogonTypeName/.test(li.innerText))`)
	e.shot("logs-completion")
}

func urlQuery(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", "#", "%23", "\n", "%0A", " ", "%20", "|", "%7C", "=", "%3D", "\"", "%22").Replace(s)
}

func browserWorkbook(t *testing.T, e *browserEnv) {
	e.do("open Workbooks", chromedp.Navigate(e.url+"/workbooks"), chromedp.WaitVisible(chromedp.CSS("#wb-new")))
	e.do("create a workbook", chromedp.SendKeys(chromedp.CSS("#wb-new"), "Logon triage"), chromedp.Click(chromedp.CSS("form:has(#wb-new) button[type=submit]")))
	e.waitJS("workbook open", `/Logon triage/.test(document.querySelector('.content h2')?.innerText ?? '')`)
	e.do("edit", chromedp.Click(chromedp.CSS(`.content button[aria-pressed]`)), chromedp.WaitVisible(chromedp.CSS("#tile-title")))
	e.do("add a tile",
		chromedp.SendKeys(chromedp.CSS("#tile-title"), "Failed logons per hour"),
		chromedp.SendKeys(chromedp.CSS("#tile-query"), "SecurityEvent | where EventID == 4625 | summarize Failures = count() by bin(TimeGenerated, 1h) | render columnchart"),
		chromedp.Click(chromedp.CSS(`form[aria-label="Add a tile"] button[type=submit]`)))
	e.waitJS("tile drawn", `[...document.querySelectorAll('.tile')].some(t => /Failed logons per hour/.test(t.innerText) && t.querySelector('canvas'))`)
	e.do("reload", chromedp.Reload())
	e.waitJS("tile after reload", `[...document.querySelectorAll('.tile')].some(t => /Failed logons per hour/.test(t.innerText) && t.querySelector('canvas'))`)
	e.shot("workbook-tile")
}

func browserIncident(t *testing.T, e *browserEnv) {
	e.do("open Incidents", chromedp.Navigate(e.url+"/incidents"))
	e.waitJS("queue", `document.querySelector('table.grid tbody tr a')`)
	n := eval[string](e, `document.querySelector('table.grid tbody tr td').innerText`)
	e.do("open incident "+n, chromedp.Click(chromedp.CSS("table.grid tbody tr a")))
	e.waitJS("detail", `document.querySelector('#owner') && /Alerts/.test(document.body.innerText)`)
	e.shot("incident")
	e.do("assign", chromedp.Clear(chromedp.CSS("#owner")), chromedp.SendKeys(chromedp.CSS("#owner"), "alice@contoso.com"), chromedp.Click(chromedp.CSS("form:has(#owner) button[type=submit]")))
	e.waitJS("assigned", `/alice@contoso.com/.test(document.querySelector('[data-testid=owner]').innerText)`)
	e.do("comment", chromedp.SendKeys(chromedp.CSS("#comment"), "Checked the source host; the account was locked."), chromedp.Click(chromedp.CSS("form:has(#comment) button[type=submit]")))
	e.waitJS("commented", `/the account was locked/.test(document.querySelector('.comments').innerText)`)
	e.do("close", chromedp.SendKeys(chromedp.CSS("#reason"), "SuspiciousActivity"), chromedp.Click(chromedp.CSS("form:has(#reason) button[type=submit]")))
	e.waitJS("closed", `/Closed/.test(document.querySelector('[data-testid=status]').innerText)`)

	// The workspace holds what the page said.
	s := e.apiLogin(e.admin[0], e.admin[1])
	var in struct {
		Status         string
		Classification string
		Owner          struct{ AssignedTo string }
		Comments       []struct{ Message string }
	}
	if st := s.call(t, "GET", "/v1/workspaces/"+e.ws.ID+"/incidents/"+n, nil, &in); st != 200 {
		t.Fatalf("GET incident %s: %d", n, st)
	}
	if in.Status != "Closed" || in.Classification != "TruePositive" || in.Owner.AssignedTo != "alice@contoso.com" ||
		!slices.ContainsFunc(in.Comments, func(c struct{ Message string }) bool { return strings.Contains(c.Message, "locked") }) {
		t.Errorf("incident %s after the page's changes: %+v", n, in)
	}
}

func browserDCR(t *testing.T, e *browserEnv) {
	// A running agent of group "browser" with no rule of its own yet.
	dir := t.TempDir()
	cfg := &agent.Config{
		AgentID: "agent-browser", DataDir: filepath.Join(dir, "agent"), Computer: "WS-BROWSER01",
		Groups: []string{"browser"}, EventSet: "None",
		Sources: []agent.SourceConfig{{Kind: agent.KindSynthetic, Rate: 200, Seed: 3, Start: time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
			EventComputer: "WS-BROWSER01.contoso.local"}},
		Destinations:  []agent.DestinationConfig{{Name: "demo", URL: e.server, Workspace: e.ws.ID, Key: e.ws.PrimaryKey}},
		RulesInterval: agent.Duration(time.Second), HeartbeatInterval: agent.Duration(time.Second),
	}
	actx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- agent.Run(actx, agent.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler)}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}()

	e.do("open Data connectors", chromedp.Navigate(e.url+"/connectors"))
	e.waitJS("host listed", `/WS-BROWSER01/.test(document.body.innerText)`)
	e.do("new rule", chromedp.Click(chromedp.CSS(`main > section > button`)), chromedp.WaitVisible(chromedp.CSS("#dcr-name")))
	e.do("fill the rule",
		chromedp.SendKeys(chromedp.CSS("#dcr-name"), "browser-logons"),
		chromedp.Click(chromedp.CSS(`input[name=eventSet][value=None]`)),
		chromedp.SendKeys(chromedp.CSS("#dcr-xpath"), "Security!*[System[(EventId=4624)]]"),
		chromedp.SendKeys(chromedp.CSS("#dcr-groups"), "browser"))

	// The live preview points at the mistake, then counts what the rule
	// keeps of the demo host's latest events, as a query over them does.
	e.waitJS("mistake shown", `/Query 1, column \d+: .*EventId/.test(document.querySelector('[data-testid=dcr-problems]')?.innerText)`)
	e.clear("#dcr-xpath")
	e.do("fix the query", chromedp.SendKeys(chromedp.CSS("#dcr-xpath"), "Security!*[System[(EventID=4624)]]"), chromedp.SendKeys(chromedp.CSS("#dcr-scope"), "SRV-APP01"))
	e.waitJS("preview", `!document.querySelector('[data-testid=dcr-problems]') && /of SRV-APP01/.test(document.querySelector('[data-testid=dcr-preview-summary]')?.innerText) && document.querySelector('[data-testid=dcr-preview]').getAttribute('aria-busy') === 'false'`)
	e.shot("connectors-preview")
	summary := eval[string](e, `document.querySelector('[data-testid=dcr-preview-summary]').innerText`)
	oracle, err := client.New(e.server, e.ws.ID, "", client.Options{Token: e.token})
	if err != nil {
		t.Fatal(err)
	}
	res, err := oracle.Query(context.Background(), `SecurityEvent | where Computer startswith "SRV-APP01." | top 1000 by TimeGenerated desc | summarize Kept = countif(EventID == 4624), Seen = count()`, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Would keep %v of the last %v events of SRV-APP01", res.Tables[0].Rows[0][0], res.Tables[0].Rows[0][1]); !strings.HasPrefix(summary, want) {
		t.Errorf("preview says %q, the events say %q", summary, want)
	} else {
		t.Logf("preview: %s", summary)
	}
	e.do("save", chromedp.Click(chromedp.CSS(`form[aria-label="Data collection rule"] button[type=submit]`)))
	e.waitJS("saved", `/Saved browser-logons/.test(document.body.innerText)`)
	e.shot("connectors-rule")

	c, err := client.New(e.server, e.ws.ID, e.ws.PrimaryKey, client.Options{Token: e.token})
	if err != nil {
		t.Fatal(err)
	}
	saved := time.Now()
	for {
		res, err := c.Query(context.Background(), `SecurityEvent | where Computer startswith "WS-BROWSER01" | summarize n = count() by EventID`, "")
		if err != nil {
			t.Fatal(err)
		}
		if rows := res.Tables[0].Rows; len(rows) > 0 {
			t.Logf("the rule reached the agent %v after it was saved: %v", time.Since(saved).Round(100*time.Millisecond), rows)
			if len(rows) != 1 || fmt.Sprint(rows[0][0]) != "4624" {
				t.Errorf("events of the agent by ID %v, want 4624 only", rows)
			}
			break
		}
		if time.Since(saved) > time.Minute {
			t.Fatal("no event from the agent a minute after the rule was saved")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// browserImportRules imports, in Analytics, a Sigma file of three rules
// and a Sentinel rule: the Sigma correlation rule (with its base rule) and
// the Sentinel rule become rules of the workspace; a Linux rule is listed
// as refused, with its reason.
func browserImportRules(t *testing.T, e *browserEnv) {
	dir := t.TempDir()
	files := map[string]string{
		"rdp-sigma.yml": `title: RDP logon failure (browser test)
id: 5d3c9f1e-2b4a-4c6d-8e7f-0a1b2c3d4e5f
name: rdp_failure
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
title: RDP brute force (browser test)
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
`,
		"failed-logons.yaml": `id: 3b9c7d2e-1f4a-4b5c-9d6e-7f8a9b0c1d2e
name: Failed logons per account (browser test)
description: Many failed logons for one account.
severity: Medium
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics:
  - CredentialAccess
query: |
  SecurityEvent
  | where EventID == 4625
  | summarize Failures = count() by TargetAccount
  | where Failures > 20
`,
	}
	var paths []string
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	mark := e.mark()
	e.do("open Analytics", chromedp.Navigate(e.url+"/analytics"))
	e.waitJS("rules listed", `document.querySelector('table.grid tbody tr') && document.querySelector('#rule-files')`)
	e.do("choose files", chromedp.SetUploadFiles(chromedp.CSS("#rule-files"), paths))
	e.do("import", chromedp.Click(chromedp.CSS(`form[aria-label="Import rules"] button[type=submit]`)))
	e.waitJS("imported", `/2 imported, 1 refused/.test(document.querySelector('[data-testid=import-summary]')?.innerText)`)
	e.shot("analytics-import")
	refused := eval[string](e, `document.querySelector('table[aria-label="Refused rules"]').innerText`)
	for _, want := range []string{"Sudo on Linux", "cannot run in the workspace"} {
		if !strings.Contains(refused, want) {
			t.Errorf("the refused rules do not say %q:\n%s", want, refused)
		}
	}
	e.waitJS("rules table updated", `/RDP brute force \(browser test\)/.test(document.querySelector('main table.grid').innerText) && /Failed logons per account \(browser test\)/.test(document.querySelector('main table.grid').innerText)`)
	if errs := e.consoleErrors(mark); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// countEvents counts the events of computers starting with prefix.
func (e *browserEnv) countEvents(t *testing.T, prefix string) int64 {
	t.Helper()
	c, err := client.New(e.server, e.ws.ID, e.ws.PrimaryKey, client.Options{Token: e.token})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(context.Background(), fmt.Sprintf(`SecurityEvent | where Computer startswith %q | count`, prefix), "")
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(fmt.Sprint(res.Tables[0].Rows[0][0]), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// browserKeyRotation rotates, in Settings, the key a running agent signs
// with: the agent is refused (403) and keeps its events spooled; once the
// new key the page shows is written to its key file it sends again,
// without a restart, and every event arrives.
func browserKeyRotation(t *testing.T, e *browserEnv) {
	const events = 1500
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "workspace.key")
	if err := os.WriteFile(keyFile, []byte(e.ws.PrimaryKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &agent.Config{
		AgentID: "agent-keys", DataDir: filepath.Join(dir, "agent"), Computer: "WS-KEYS01", EventSet: "All",
		// Paced from now: 100 a second over 15 s, so most are sent after the rotation.
		Sources: []agent.SourceConfig{{Kind: agent.KindSynthetic, Rate: 100, Count: events, Seed: 5,
			Start: time.Now().UTC().Format(time.RFC3339), EventComputer: "WS-KEYS01.contoso.local"}},
		Destinations:  []agent.DestinationConfig{{Name: "demo", URL: e.server, Workspace: e.ws.ID, KeyFile: keyFile}},
		RulesInterval: agent.Duration(time.Second), HeartbeatInterval: agent.Duration(time.Second),
		FlushInterval: agent.Duration(100 * time.Millisecond),
	}
	var agentLog syncBuffer
	actx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(actx, agent.Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(&agentLog, nil))})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}()
	for start := time.Now(); e.countEvents(t, "WS-KEYS01") == 0; time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > time.Minute {
			t.Fatalf("no event from the agent within a minute:\n%s", agentLog.String())
		}
	}

	e.do("open Settings", chromedp.Navigate(e.url+"/settings"))
	e.waitJS("keys listed", `document.querySelectorAll('table[aria-label="Agent keys"] tbody tr').length === 2`)
	if hint := eval[string](e, `document.querySelector('table[aria-label="Agent keys"] tbody tr td.mono').innerText`); !strings.HasSuffix(e.ws.PrimaryKey, strings.TrimPrefix(hint, "…")) {
		t.Errorf("the primary key's hint %q is not the end of the key", hint)
	}
	eval[bool](e, `(window.confirm = () => true, true)`)
	e.do("rotate the primary key", chromedp.Click(chromedp.CSS(`button[aria-label="Rotate the primary key"]`)))
	e.waitJS("new key shown", `document.querySelector('dd[data-key=primary]')?.innerText.length > 20`)
	e.shot("settings-keys")
	newKey := strings.TrimSpace(eval[string](e, `document.querySelector('dd[data-key=primary]').innerText`))
	if newKey == e.ws.PrimaryKey {
		t.Fatal("the page shows the old primary key after rotating it")
	}
	e.waitJS("rotation audited, newest first", `/keys\/primary\/rotate/.test(document.querySelector('table[aria-label=Audit] tbody tr')?.innerText)`)
	if note := eval[string](e, `document.querySelector('[data-testid=keys-note]').innerText`); !strings.Contains(note, "spooled") {
		t.Errorf("the page does not say what happens to agents holding the old key: %q", note)
	}

	for start := time.Now(); !strings.Contains(agentLog.String(), "HTTP 403"); time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > time.Minute {
			t.Fatalf("the agent signing with the rotated key was not refused within a minute:\n%s", agentLog.String())
		}
	}
	refused := e.countEvents(t, "WS-KEYS01")
	if refused >= events {
		t.Fatalf("all %d events were stored before the agent was refused: the rotation held nothing back", events)
	}
	if err := os.WriteFile(keyFile, []byte(newKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for n := refused; n < events; n = e.countEvents(t, "WS-KEYS01") {
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("%d of %d events stored two minutes after the new key was written (%d when refused):\n%s", n, events, refused, agentLog.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("refused with %d of %d events stored; all %d stored %v after the new key was written to the key file", refused, events, events, time.Since(start).Round(100*time.Millisecond))
	if n := e.countEvents(t, "WS-KEYS01"); n != events {
		t.Errorf("%d events stored, want %d", n, events)
	}
	e.ws.PrimaryKey = newKey
}

// browserRetention gives two tables their own retention in Settings; the
// page shows them after a reload and the API holds them.
func browserRetention(t *testing.T, e *browserEnv) {
	e.do("open Settings", chromedp.Navigate(e.url+"/settings"))
	e.waitJS("tables listed", `document.querySelector('#ret-SecurityEvent') && document.querySelector('#ret-Heartbeat')`)
	if ph := eval[string](e, `document.querySelector('#ret-SecurityEvent').placeholder`); !strings.Contains(ph, "90") {
		t.Errorf("an unset table's field shows %q, want the default 90 days", ph)
	}
	e.do("set retention",
		chromedp.SendKeys(chromedp.CSS("#ret-SecurityEvent"), "30"),
		chromedp.SendKeys(chromedp.CSS("#ret-Heartbeat"), "7"),
		chromedp.Click(chromedp.CSS(`form[aria-label=Retention] button[type=submit]`)))
	e.waitJS("saved", `/Retention saved/.test(document.querySelector('[data-testid=retention-note]').innerText)`)
	e.shot("settings-retention")
	e.do("reload", chromedp.Reload())
	e.waitJS("shown after a reload", `document.querySelector('#ret-SecurityEvent')?.value === '30' && document.querySelector('#ret-Heartbeat').value === '7' && document.querySelector('#ret-WindowsEvent').value === ''`)
	s := e.apiLogin(e.admin[0], e.admin[1])
	var got struct{ Tables map[string]int }
	if st := s.call(t, "GET", "/v1/workspaces/"+e.ws.ID+"/retention", nil, &got); st != 200 || len(got.Tables) != 2 || got.Tables["SecurityEvent"] != 30 || got.Tables["Heartbeat"] != 7 {
		t.Errorf("GET retention: %d %v", st, got.Tables)
	}
}

// browserGeoIP sets the workspace's GeoIP databases in Settings: a file
// that is no MaxMind DB is refused with its path, real ones apply at once
// to geo_info_from_ip_address(), and the workspace can go back to the
// server's databases.
func browserGeoIP(t *testing.T, e *browserEnv) {
	dir := t.TempDir()
	nets := []geoiptest.Net{{Prefix: "81.2.69.0/24", Country: "GB", City: "London", ASN: 20712, Org: "Andrews & Arnold Ltd"}}
	city, asn, junk := filepath.Join(dir, "city.mmdb"), filepath.Join(dir, "asn.mmdb"), filepath.Join(dir, "junk.mmdb")
	for p, b := range map[string][]byte{city: geoiptest.City(t, geoiptest.Flat, 6, nets), asn: geoiptest.ASN(t, nets), junk: []byte("junk")} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	country := func() string {
		t.Helper()
		c, err := client.New(e.server, e.ws.ID, "", client.Options{Token: e.token})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Query(context.Background(), `print c = tostring(geo_info_from_ip_address("81.2.69.160").country)`, "")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(res.Tables[0].Rows[0][0])
	}
	before := country()

	e.do("open Settings", chromedp.Navigate(e.url+"/settings"))
	e.waitJS("GeoIP shown", `document.querySelector('[data-testid=geoip-status]') && document.querySelector('#geo-city')`)
	e.clear("#geo-city")
	e.do("a junk file", chromedp.SendKeys(chromedp.CSS("#geo-city"), junk),
		chromedp.Click(chromedp.CSS(`form[aria-label="GeoIP databases"] button[type=submit]`)))
	e.waitJS("refused", `[...document.querySelectorAll('main [role=alert]')].some(a => a.innerText.includes(`+strconv.Quote(junk)+`) && /MaxMind DB/.test(a.innerText))`)
	if got := country(); got != before {
		t.Errorf("a refused setting changed geo_info_from_ip_address: %q, was %q", got, before)
	}
	e.clear("#geo-city")
	e.clear("#geo-asn")
	e.do("real databases", chromedp.SendKeys(chromedp.CSS("#geo-city"), city), chromedp.SendKeys(chromedp.CSS("#geo-asn"), asn),
		chromedp.Click(chromedp.CSS(`form[aria-label="GeoIP databases"] button[type=submit]`)))
	e.waitJS("saved", `/saved/.test(document.querySelector('[data-testid=geoip-note]').innerText) && /this workspace/.test(document.querySelector('[data-testid=geoip-status]').innerText) && /DB-IP/.test(document.querySelector('[data-testid=geoip-status]').innerText)`)
	e.shot("settings-geoip")
	if got := country(); got != "GB" {
		t.Errorf("geo_info_from_ip_address after the page set the databases: country %q, want GB", got)
	}
	e.do("use the server's", chromedp.Click(chromedp.CSS(`form[aria-label="GeoIP databases"] button[type=button]`)))
	e.waitJS("reset", `/server’s GeoIP databases again/.test(document.querySelector('[data-testid=geoip-note]').innerText) && !/this workspace/.test(document.querySelector('[data-testid=geoip-status]').innerText)`)
	if got := country(); got != before {
		t.Errorf("after going back to the server's databases: country %q, want %q as before", got, before)
	}
	var audit struct {
		Entries []struct{ User, Action string }
	}
	s := e.apiLogin(e.admin[0], e.admin[1])
	if st := s.call(t, "GET", "/v1/workspaces/"+e.ws.ID+"/audit?limit=2", nil, &audit); st != 200 || len(audit.Entries) != 2 ||
		audit.Entries[0].Action != "DELETE /v1/workspaces/{id}/geoip" || audit.Entries[1].Action != "PUT /v1/workspaces/{id}/geoip" {
		t.Errorf("audit after setting and resetting GeoIP: %d %+v", st, audit.Entries)
	}
}

// clear empties a text field as a person would (an input event).
func (e *browserEnv) clear(selector string) {
	e.t.Helper()
	eval[bool](e, fmt.Sprintf(`(s => (s.value = '', s.dispatchEvent(new Event('input', {bubbles: true})), true))(document.querySelector(%q))`, selector))
}

// choose picks value in a select as a person would (a change event).
func (e *browserEnv) choose(selector, value string) {
	e.t.Helper()
	eval[bool](e, fmt.Sprintf(`(s => (s.value = %q, s.dispatchEvent(new Event('change', {bubbles: true})), true))(document.querySelector(%q))`, value, selector))
}

// bearer calls the API with an API token; it returns the status.
func (e *browserEnv) bearer(t *testing.T, token, method, path string) int {
	t.Helper()
	req, _ := http.NewRequest(method, e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// browserUsersTokens: an admin adds a user with a generated password,
// changes the user's role, makes an API token that works with its role
// and no more, revokes it, and deletes the user — all in Settings.
func browserUsersTokens(t *testing.T, e *browserEnv) {
	e.do("open Settings", chromedp.Navigate(e.url+"/settings"))
	e.waitJS("users listed", `document.querySelector('table[aria-label=Users] tbody tr')`)
	eval[bool](e, `(window.confirm = () => true, true)`)
	e.do("add a user", chromedp.SendKeys(chromedp.CSS("#nu-name"), "sam"))
	e.choose("#nu-role", "responder")
	e.do("submit", chromedp.Click(chromedp.CSS(`form[aria-label="Add a user"] button[type=submit]`)))
	e.waitJS("user added", `/User sam created with role responder/.test(document.querySelector('[data-testid=settings-note]').innerText) && document.querySelector('tr[data-user=sam]')`)
	password := strings.TrimSpace(eval[string](e, `document.querySelector('[data-testid=secret]').innerText`))
	if got := eval[string](e, `document.querySelector('select[aria-label="Role of sam"]').value`); got != "responder" {
		t.Errorf("sam's role shows %q, want responder", got)
	}
	sam := e.apiLogin("sam", password) // the generated password the page showed works
	var who struct{ Workspaces []struct{ ID, Role string } }
	if st := sam.call(t, "GET", "/v1/session", nil, &who); st != 200 || len(who.Workspaces) != 1 || who.Workspaces[0].Role != "responder" {
		t.Errorf("sam's session: %d %+v", st, who)
	}

	e.choose(`select[aria-label="Role of sam"]`, "reader")
	e.waitJS("role changed", `/sam is now reader/.test(document.querySelector('[data-testid=settings-note]').innerText)`)
	if st := sam.call(t, "GET", "/v1/session", nil, &who); st != 200 || who.Workspaces[0].Role != "reader" {
		t.Errorf("after the change sam's session says %d %+v, want reader", st, who)
	}

	e.do("create a token", chromedp.SendKeys(chromedp.CSS("#nt-name"), "nightly-report"), chromedp.SendKeys(chromedp.CSS("#nt-days"), "30"))
	e.do("submit", chromedp.Click(chromedp.CSS(`form[aria-label="Create a token"] button[type=submit]`)))
	e.waitJS("token shown", `/^wsec_/.test(document.querySelector('[data-testid=secret]')?.innerText) && document.querySelector('tr[data-token=nightly-report]')`)
	e.shot("settings-users-tokens")
	token := strings.TrimSpace(eval[string](e, `document.querySelector('[data-testid=secret]').innerText`))
	if expires := eval[string](e, `document.querySelector('tr[data-token=nightly-report]').children[4].innerText`); expires == "never" {
		t.Error("the token made to expire after 30 days shows no expiry")
	}
	ws := "/v1/workspaces/" + e.ws.ID
	if st := e.bearer(t, token, "GET", ws+"/tables"); st != 200 {
		t.Errorf("the reader token reading tables: %d, want 200", st)
	}
	if st := e.bearer(t, token, "POST", ws+"/keys/reveal"); st != 403 {
		t.Errorf("the reader token asking for the agent keys: %d, want 403", st)
	}
	e.do("revoke", chromedp.Click(chromedp.CSS(`button[aria-label="Revoke token nightly-report"]`)))
	e.waitJS("revoked", `!document.querySelector('tr[data-token=nightly-report]')`)
	if st := e.bearer(t, token, "GET", ws+"/tables"); st != 401 {
		t.Errorf("the revoked token: %d, want 401", st)
	}

	e.do("delete sam", chromedp.Click(chromedp.CSS(`button[aria-label="Delete user sam"]`)))
	e.waitJS("deleted", `!document.querySelector('tr[data-user=sam]')`)
	if st := sam.call(t, "GET", "/v1/session", nil, nil); st != 401 {
		t.Errorf("the deleted user's session: %d, want 401", st)
	}
	if eval[bool](e, `!!document.querySelector('button[aria-label="Delete user `+e.admin[0]+`"]')`) {
		t.Error("the page offers the signed-in admin to delete themself")
	}
}

func browserReader(t *testing.T, e *browserEnv) {
	s := e.apiLogin(e.admin[0], e.admin[1])
	const pw = "reader-password-1234"
	if st := s.call(t, "POST", "/v1/users", map[string]any{"name": "rita", "password": pw, "roles": map[string]string{e.ws.ID: "reader"}}, nil); st != 200 && st != 201 {
		t.Fatalf("create reader: %d", st)
	}
	e.logout()
	mark := e.mark()
	e.login("rita", pw)
	if links := eval[[]string](e, `[...document.querySelectorAll('nav a')].map(a => a.innerText)`); slices.Contains(links, "Settings") || slices.Contains(links, "Data connectors") {
		t.Errorf("a reader's navigation offers admin pages: %v", links)
	}
	for _, p := range []string{"/settings", "/connectors", "/analytics"} {
		e.do("open "+p, chromedp.Navigate(e.url+p))
		e.waitJS(p+" refused", `/403/.test(document.querySelector('main h1')?.innerText ?? '')`)
	}
	e.shot("reader-403")
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/users"}, {"GET", "/v1/workspaces/" + e.ws.ID + "/audit"},
		{"POST", "/v1/workspaces/" + e.ws.ID + "/analytics/rules/x/disable"}, {"POST", "/v1/workspaces/" + e.ws.ID + "/keys/reveal"},
		{"POST", "/v1/workspaces/" + e.ws.ID + "/keys/primary/rotate"}, {"PUT", "/v1/workspaces/" + e.ws.ID + "/retention"}, {"PUT", "/v1/workspaces/" + e.ws.ID + "/rules/x"},
	} {
		st := eval[int](e, fmt.Sprintf(`fetch(%q, {method: %q, credentials: 'same-origin', headers: {'Content-Type': 'application/json'}, body: %s}).then(r => r.status)`,
			c.path, c.method, map[bool]string{true: "undefined", false: `'{"eventSet":"All"}'`}[c.method == "GET" || c.method == "POST"]))
		if st != 403 {
			t.Errorf("reader %s %s: %d, want 403", c.method, c.path, st)
		}
	}
	if errs := e.consoleErrors(mark, "401", "403"); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
	e.logout()
	if st := eval[int](e, `fetch('/v1/session', {credentials: 'same-origin'}).then(r => r.status)`); st != 401 {
		t.Errorf("GET /v1/session after signing out: %d, want 401", st)
	}
	e.login(e.admin[0], e.admin[1])
}

// browserTimings measures, on the demo workspace, the time to first
// contentful paint of the Overview and from Run to the first result rows
// in Logs; medians of 5.
func browserTimings(t *testing.T, e *browserEnv) {
	var paint, result []float64
	for range 5 {
		e.do("open Overview", chromedp.Navigate(e.url+"/"))
		e.waitJS("painted", `performance.getEntriesByName('first-contentful-paint').length > 0`)
		paint = append(paint, eval[float64](e, `performance.getEntriesByName('first-contentful-paint')[0].startTime`))
	}
	q := "SecurityEvent | where EventID == 4625 | summarize Failures = count() by Account, IpAddress | top 10 by Failures"
	for range 5 {
		e.do("open Logs", chromedp.Navigate(e.url+"/logs?q="+urlQuery(q)+"&t=P1D"))
		e.waitJS("editor", `document.querySelector('.cm-content')`)
		result = append(result, eval[float64](e, `new Promise(done => {
			const t0 = performance.now();
			document.querySelector('button.primary').click();
			const tick = () => document.querySelector('.grid tbody tr') ? done(performance.now() - t0) : requestAnimationFrame(tick);
			tick();
		})`))
	}
	t.Logf("first contentful paint (Overview): median %.0f ms of %v", median(paint), paint)
	t.Logf("first query result (Logs, Run to rows shown): median %.0f ms of %v", median(result), result)
}
