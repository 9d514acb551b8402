package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"wsec/internal/event"
)

const nrtRule = `id: 5b0d5c1e-1111-4a4a-9a9a-000000000002
name: Failed logon (NRT)
description: Every failed logon, as soon as it is stored.
severity: Medium
kind: NRT
query: |
  SecurityEvent
  | where EventID == 4625
  | project TimeGenerated, Account, Computer, EventRecordID
tactics:
  - CredentialAccess
`

func TestIngestionSafe(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)}
	g := NewIngestion(clk.Now)
	t1 := clk.Now()
	if got := g.Safe("a"); !got.Equal(t1.Add(-time.Microsecond)) {
		t.Fatalf("nothing in flight: safe %v, want just before now %v", got, t1)
	}
	endA := g.begin("a")
	clk.Set(t1.Add(time.Second))
	endB := g.begin("a")
	clk.Set(t1.Add(2 * time.Second))
	if got := g.Safe("a"); !got.Equal(t1.Add(-time.Microsecond)) {
		t.Errorf("two appends in flight: safe %v, want just before the first began %v", got, t1)
	}
	if got := g.Safe("b"); !got.Equal(t1.Add(2*time.Second - time.Microsecond)) {
		t.Errorf("another workspace's appends hold back b: %v", got)
	}
	endA()
	if got := g.Safe("a"); !got.Equal(t1.Add(time.Second - time.Microsecond)) {
		t.Errorf("first append done: safe %v, want just before the second began", got)
	}
	endB()
	select {
	case <-g.Appended():
	default:
		t.Error("no signal after appends")
	}
	if got := g.Safe("a"); !got.Equal(t1.Add(2*time.Second - time.Microsecond)) {
		t.Errorf("all done: safe %v, want just before now", got)
	}
}

// failures is n failed logons with record IDs from rec.
func failures(at time.Time, rec uint64, n int) []*event.Event {
	evs := make([]*event.Event, n)
	for i := range evs {
		evs[i] = &event.Event{
			System: event.System{Provider: "Microsoft-Windows-Security-Auditing", EventID: 4625, TimeCreated: at,
				EventRecordID: rec + uint64(i), Channel: "Security", Computer: "dc1.contoso.local"},
			Section: event.SectionEventData,
			Data:    []event.Field{{Name: "TargetUserName", Value: "bob"}, {Name: "TargetDomainName", Value: "CONTOSO"}, {Name: "LogonType", Value: "3"}},
		}
	}
	return evs
}

// TestNRTEachEventOnce appends failed logons from four concurrent senders
// through the tracked appender while NRT evaluations run concurrently and
// crash at every step in turn (a new engine after each, as a restarted
// server). Every event must be in exactly one alert's results: none
// missed (read before its append committed), none read twice.
func TestNRTEachEventOnce(t *testing.T) {
	env := newEnv(t, t.TempDir(), time.Now())
	ctx := context.Background()
	g := NewIngestion(nil) // the store's clock: time.Now
	app := g.Track(env.svc)
	newEngine := func(step func(string) error) *Engine {
		eng, err := New(Options{Dir: env.dir + "/analytics", Workspace: env.svc, Ingestion: g, testStep: step})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	eng := newEngine(nil)
	if _, err := eng.Import(ctx, testWS, []byte(nrtRule), false); err != nil {
		t.Fatal(err)
	}
	// Events stored before the rule first runs are not its business.
	if _, err := app.AppendEvents(ctx, testWS, "before", 1, failures(time.Now(), 1, 5), "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RunNRT(ctx, testWS); err != nil {
		t.Fatal(err)
	}
	const senders, batches, perBatch = 4, 20, 300
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				rec := uint64(100000*(s+1) + b*perBatch)
				if _, err := app.AppendEvents(ctx, testWS, "sender"+strconv.Itoa(s), uint64(b+1), failures(time.Now(), rec, perBatch), "test"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	crashes, attempt := 0, 0
	run := func() {
		attempt++
		n := 0
		e := newEngine(func(step string) error {
			n++
			if n == attempt%5+1 {
				crashes++
				return errCrash
			}
			return nil
		})
		if _, err := e.RunNRT(ctx, testWS); err != nil && !errors.Is(err, errCrash) {
			t.Fatal(err)
		}
	}
	for live := true; live; {
		select {
		case <-done:
			live = false
		default:
		}
		run()
	}
	for range 10 { // drain, crashing still
		run()
	}
	if _, err := newEngine(nil).RunNRT(ctx, testWS); err != nil {
		t.Fatal(err)
	}
	rows := env.query(t, "SecurityAlert | project SystemAlertId, ExtendedProperties")
	seen := map[string]bool{}
	total := 0
	for _, r := range rows {
		if seen[cellText(r[0])] {
			t.Errorf("alert %s stored twice", cellText(r[0]))
		}
		seen[cellText(r[0])] = true
		var ext map[string]string
		if err := json.Unmarshal([]byte(cellText(r[1])), &ext); err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(ext["Search Query Results Overall Count"])
		total += n
	}
	if want := senders * batches * perBatch; total != want {
		t.Errorf("alerts cover %d events, want each of the %d appended once", total, want)
	}
	if crashes < 10 {
		t.Errorf("only %d crashes", crashes)
	}
	t.Logf("%d alerts over %d events, %d evaluations, %d crashes", len(rows), total, attempt, crashes)
}

const nrtLatencyRule = `id: 5b0d5c1e-1111-4a4a-9a9a-000000000003
name: Failed logon latency (NRT)
severity: High
kind: NRT
query: |
  SecurityEvent
  | where EventID == 4625
  | summarize Received = min(_TimeReceived), Events = count()
  | where Events > 0
customDetails:
  Received: Received
`

// BenchmarkNRTLatency measures event → alert latency of an NRT rule under
// the engine's own loop (Run): one batch with a matching event per
// iteration, the next sent once its alert is stored. The latency of an
// alert is its ProcessingEndTime less the _TimeReceived of its first
// event: the store's commit, the signal, the query and the alert's append.
func BenchmarkNRTLatency(b *testing.B) {
	env := newEnv(b, b.TempDir(), time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := NewIngestion(nil)
	app := g.Track(env.svc)
	eng, err := New(Options{Dir: env.dir + "/analytics", Workspace: env.svc, Ingestion: g, Workspaces: func() []string { return []string{testWS} }})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := eng.Import(ctx, testWS, []byte(nrtLatencyRule), false); err != nil {
		b.Fatal(err)
	}
	if _, err := eng.RunNRT(ctx, testWS); err != nil { // the rule's start
		b.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() { eng.Run(ctx); close(stopped) }()
	b.ResetTimer()
	for i := range b.N {
		if _, err := app.AppendEvents(ctx, testWS, "bench", uint64(i+1), failures(time.Now(), uint64(i+1), 1), "test"); err != nil {
			b.Fatal(err)
		}
		for env.count(b, "SecurityAlert") < int64(i+1) {
			time.Sleep(time.Millisecond)
		}
	}
	b.StopTimer()
	cancel()
	<-stopped
	rows := env.query(b, "SecurityAlert | project ProcessingEndTime, ExtendedProperties")
	lat := make([]time.Duration, 0, len(rows))
	for _, r := range rows {
		var ext map[string]string
		var custom map[string][]string
		if json.Unmarshal([]byte(cellText(r[1])), &ext) != nil || json.Unmarshal([]byte(ext["Custom Details"]), &custom) != nil || len(custom["Received"]) == 0 {
			b.Fatalf("alert without its receive time: %v", r[1])
		}
		rec, err := time.Parse(time.RFC3339Nano, custom["Received"][0])
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, r[0].(time.Time).Sub(rec))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
