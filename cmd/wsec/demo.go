package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"wsec/internal/access"
	"wsec/internal/analytics"
	"wsec/internal/analytics/pack"
	"wsec/internal/auth"
	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/event"
	"wsec/internal/logfile"
	"wsec/internal/rdpanomaly/rdpsim"
	"wsec/internal/server"
	"wsec/internal/source/synthetic"
)

//go:embed samples/*.evtx
var sampleLogs embed.FS

const demoWorkspaceName = "demo"

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	data := fs.String("data", envDefault("WSEC_DATA", "wsec-data"), "data directory")
	listen := fs.String("listen", server.DefaultAddr, "host:port to listen on")
	synth := fs.Int("events", 20000, "synthetic Security events to generate over the last 24 hours")
	verbose := fs.Bool("v", false, "print the server's request log")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	keys, err := auth.Open(*data, auth.Options{})
	if err != nil {
		return err
	}
	var ws auth.Workspace
	for _, w := range keys.List() {
		if w.Name == demoWorkspaceName {
			ws = w
		}
	}
	if ws.ID == "" {
		if ws, err = keys.Create(demoWorkspaceName); err != nil {
			return err
		}
	}
	password, token, err := demoAccess(*data, ws.ID)
	if err != nil {
		return err
	}
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveOptions{data: *data, listen: *listen, retentionEvery: time.Hour,
			logger: slog.New(slog.NewJSONHandler(logOut, nil)), ready: func(a net.Addr) { addrc <- a }})
	}()
	var url string
	select {
	case a := <-addrc:
		url = "http://" + a.String()
	case err := <-done:
		return err
	}
	c, err := client.New(url, ws.ID, ws.PrimaryKey, client.Options{SourceSystem: "wsec-demo", Token: token})
	if err != nil {
		return err
	}
	if err := loadDemo(ctx, c, *data, *synth, stderr); err == nil {
		err = demoAnalytics(ctx, c, stderr)
	}
	if err != nil {
		cancel()
		<-done
		return err
	}
	login := "the password printed when this demo first ran (reset it: wsec user password --data " + *data + " --name " + adminUser + ")"
	if password != "" {
		login = password + " (one-time: shown only now)"
	}
	fmt.Fprintf(stdout, `
wsec workspace %q is serving at %s (data in %s).
Open %s/ in a browser and log in as user %s, password %s.
In another terminal (the token is for the CLI; agents send with the workspace key):

  export WSEC_URL=%s WSEC_WORKSPACE=%s
  export WSEC_TOKEN='%s'
  go run ./cmd/wsec query 'SecurityEvent | summarize count() by Activity | top 10 by count_'
  go run ./cmd/wsec query 'SecurityEvent | where EventID == 4625 | summarize Attempts = count() by Account, IpAddress | top 5 by Attempts'
  go run ./cmd/wsec query 'SecurityEvent | where EventID == 4688 and CommandLine has "certutil" | project TimeGenerated, Computer, Account, CommandLine | take 5'
  go run ./cmd/wsec analytics list
  go run ./cmd/wsec incidents list
  go run ./cmd/wsec query 'SecurityAlert | summarize Alerts = count() by AlertName, AlertSeverity'

Metrics: %s/metrics. Press Ctrl-C to stop.
`, ws.Name, url, *data, url, adminUser, login, url, ws.ID, token, url)
	err = <-done
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// demoTokenName names the token each demo start makes for itself and
// prints; the previous start's is revoked.
const demoTokenName = "demo"

// demoAccess makes user admin an admin of the demo workspace (password is
// its one-time password when the user is new) and a fresh admin token for
// the demo's own client and the printed CLI lines.
func demoAccess(data, ws string) (password, token string, err error) {
	st, audit, err := openAccess(data, nil)
	if err != nil {
		return "", "", err
	}
	if password, err = grantAdmin(st, audit, ws); err != nil {
		return "", "", err
	}
	for _, t := range st.Tokens() {
		if t.User == adminUser && t.Name == demoTokenName {
			if _, err := st.RevokeToken(t.ID); err != nil {
				return "", "", err
			}
		}
	}
	token, _, err = st.CreateToken(adminUser, demoTokenName, ws, access.Admin, time.Time{})
	return password, token, err
}

// loadDemo fills an empty workspace with synthetic events of the last 24
// hours and the bundled real attack logs. A workspace that already has
// events is left as it is, so restarting the demo does not double them.
func loadDemo(ctx context.Context, c *client.Client, data string, synth int, stderr io.Writer) error {
	res, err := c.Query(ctx, "SecurityEvent | count", "")
	if err != nil {
		return fmt.Errorf("check demo workspace: %w", err)
	}
	if len(res.Tables) > 0 && len(res.Tables[0].Rows) > 0 && cellText(res.Tables[0].Rows[0][0]) != "0" {
		fmt.Fprintf(stderr, "wsec demo: workspace already holds %s events; not loading samples again\n", cellText(res.Tables[0].Rows[0][0]))
		return nil
	}
	start := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Minute)
	g := synthetic.New(synthetic.Options{Computer: "SRV-APP01.contoso.local", Start: start,
		Step: 24 * time.Hour / time.Duration(max(synth, 1))})
	imp := &fileImport{ctx: ctx, warn: stderr, c: c, sender: "demo-synthetic-" + start.Format("20060102T1504")}
	evs := make([]*event.Event, 0, synth)
	var sparse demoSparse
	for n := range synth {
		e := new(event.Event)
		g.Event(uint64(n), e)
		if sparse.keep(e) {
			evs = append(evs, e)
		}
	}
	if err := imp.add(evs); err != nil {
		return err
	}
	if err := imp.add(rdpsim.DemoEvents(time.Now())); err != nil { // RDP history and an anomalous logon
		return err
	}
	if err := imp.flush(); err != nil {
		return err
	}
	dir := filepath.Join(data, "samples")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	entries, _ := sampleLogs.ReadDir("samples") // embedded: cannot fail
	stored := imp.stored
	for _, en := range entries {
		b, _ := sampleLogs.ReadFile("samples/" + en.Name())
		path := filepath.Join(dir, en.Name())
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return fmt.Errorf("write sample %s: %w", path, err)
		}
		fi := &fileImport{ctx: ctx, warn: stderr, c: c, sender: "demo-sample-" + en.Name()}
		if _, err := logfile.Read(ctx, path, logfile.Options{}, func(evs []*event.Event) []*event.Event { return evs }, fi.add); err != nil {
			return fmt.Errorf("load sample %s: %w", en.Name(), err)
		}
		if err := fi.flush(); err != nil {
			return err
		}
		stored += fi.stored
	}
	fmt.Fprintf(stderr, "wsec demo: loaded %d events (%d synthetic over the last 24 h, the rest from %d real attack logs)\n", stored, imp.stored, len(entries))
	return nil
}

// demoSparse thins the synthetic source's planted traces of privileged
// group changes and RC4 service tickets to a few each: at the source's
// rate they would raise hundreds of alerts a day and bury the RDP anomaly
// and the real attack logs the demo is there to show.
type demoSparse struct{ groupChanges, rc4Tickets int }

const demoTracesKept = 3

func (d *demoSparse) keep(e *event.Event) bool {
	switch {
	case e.System.EventID == 4728 || e.System.EventID == 4732 || e.System.EventID == 4756:
		d.groupChanges++
		return d.groupChanges <= demoTracesKept
	case e.System.EventID == 4769 && e.Value("TicketEncryptionType") == "0x17":
		d.rc4Tickets++
		return d.rc4Tickets <= demoTracesKept
	}
	return true
}

// demoAnalytics enables the default rule pack and backfills it over the
// last 24 hours, so the demo shows alerts and incidents at once; the
// scheduler then runs the pack every hour. Repeating it stores nothing twice.
func demoAnalytics(ctx context.Context, c *client.Client, stderr io.Writer) error {
	files, names, err := pack.Files()
	if err != nil {
		return err
	}
	to := time.Now().UTC().Add(-analytics.DefaultIngestionDelay).Truncate(time.Hour)
	from := to.Add(-24 * time.Hour)
	alerts := 0
	for _, n := range names {
		var ri analytics.RuleInfo
		if err := c.Analytics(ctx, http.MethodPost, "", files[n], &ri); err != nil {
			return fmt.Errorf("enable demo rule %s: %w", n, err)
		}
		var res analytics.BackfillResult
		q := "/" + url.PathEscape(ri.ID) + "/backfill?from=" + from.Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339)
		if err := c.Analytics(ctx, http.MethodPost, q, nil, &res); err != nil {
			return fmt.Errorf("backfill demo rule %s: %w", ri.Name, err)
		}
		alerts += res.Alerts
	}
	var out struct {
		Incidents []json.RawMessage `json:"incidents"`
	}
	if err := c.Incidents(ctx, http.MethodGet, "", nil, &out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wsec demo: %d analytics rules enabled; the last 24 h raised %d alerts in %d incidents\n", len(names), alerts, len(out.Incidents))
	return nil
}
