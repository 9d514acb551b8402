package investigate_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"wsec/internal/analytics"
	"wsec/internal/analytics/investigate"
	"wsec/internal/event"
	"wsec/internal/store/duckdb"
	"wsec/internal/workspace"
)

const ws = "ws1"

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// logon is a 4624 or 4625 of user on computer from ip.
func logon(id uint16, rec uint64, at time.Time, computer, domain, user, ip string) *event.Event {
	return &event.Event{
		System: event.System{Provider: "Microsoft-Windows-Security-Auditing", EventID: id, TimeCreated: at,
			EventRecordID: rec, Channel: "Security", Computer: computer},
		Section: event.SectionEventData,
		Data: []event.Field{{Name: "TargetUserName", Value: user}, {Name: "TargetDomainName", Value: domain},
			{Name: "LogonType", Value: "10"}, {Name: "IpAddress", Value: ip}, {Name: "WorkstationName", Value: "KALI"}},
	}
}

// fixture stores an RDP brute force of CONTOSO\bob on DC1 from 10.1.2.3
// (six failures, then a success), bob's name in a System event, a late
// failure three hours on, and alice's unrelated logon on WS7.
func fixture(t *testing.T) *workspace.Service {
	t.Helper()
	st, err := duckdb.Open(filepath.Join(t.TempDir(), "store"), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w, err := st.Workspace(ws)
	if err != nil {
		t.Fatal(err)
	}
	const dc = "DC1.contoso.local"
	var evs []*event.Event
	for i := range 6 {
		evs = append(evs, logon(4625, uint64(100+i), t0.Add(time.Duration(i)*2*time.Minute), dc, "CONTOSO", "bob", "10.1.2.3"))
	}
	evs = append(evs,
		logon(4624, 110, t0.Add(12*time.Minute), dc, "CONTOSO", "bob", "10.1.2.3"),
		logon(4625, 111, t0.Add(3*time.Hour), dc, "CONTOSO", "bob", "10.1.2.3"),
		logon(4624, 112, t0.Add(-30*time.Minute), "WS7.contoso.local", "CONTOSO", "alice", "10.9.9.9"),
		&event.Event{System: event.System{Provider: "Service Control Manager", EventID: 7045, TimeCreated: t0.Add(5 * time.Minute),
			EventRecordID: 9, Channel: "System", Computer: "FS1.contoso.local"},
			Section: event.SectionEventData, Data: []event.Field{{Name: "ServiceName", Value: "updater"}, {Name: "AccountName", Value: `CONTOSO\bob`}}},
	)
	if _, err := w.AppendEvents(context.Background(), "test", 1, evs, "test"); err != nil {
		t.Fatal(err)
	}
	return workspace.New(func(string) (workspace.Store, error) { return st.Workspace(ws) }, workspace.Options{Now: func() time.Time { return t0.Add(4 * time.Hour) }})
}

func tally(evs []investigate.Event) string {
	n := map[string]int{}
	for _, e := range evs {
		n[fmt.Sprintf("%s/%d", e.Table, e.EventID)]++
	}
	return fmt.Sprint(n)
}

func TestPivot(t *testing.T) {
	svc := fixture(t)
	iv := &investigate.Investigator{Querier: svc}
	ctx := context.Background()
	from, to := t0.Add(-time.Hour), t0.Add(4*time.Hour)
	for _, c := range []struct{ kind, value, want string }{
		{investigate.Account, `CONTOSO\bob`, "map[SecurityEvent/4624:1 SecurityEvent/4625:7 WindowsEvent/7045:1]"},
		{investigate.Account, `contoso\BOB`, "map[SecurityEvent/4624:1 SecurityEvent/4625:7 WindowsEvent/7045:1]"},
		{investigate.Account, "bob", "map[SecurityEvent/4624:1 SecurityEvent/4625:7 WindowsEvent/7045:1]"},
		{investigate.Account, "alice", "map[SecurityEvent/4624:1]"},
		{investigate.Account, `bob" or EventID > 0 or "`, "map[]"},
		{investigate.Host, "dc1", "map[SecurityEvent/4624:1 SecurityEvent/4625:7]"},
		{investigate.Host, "DC1.contoso.local", "map[SecurityEvent/4624:1 SecurityEvent/4625:7]"},
		{investigate.Host, "fs1", "map[WindowsEvent/7045:1]"},
		{investigate.Host, "kali", "map[SecurityEvent/4624:2 SecurityEvent/4625:7]"}, // the workstation logons came from
		{investigate.IP, "10.9.9.9", "map[SecurityEvent/4624:1]"},
		{investigate.IP, "10.1.2.3", "map[SecurityEvent/4624:1 SecurityEvent/4625:7]"},
	} {
		p, err := iv.Pivot(ctx, ws, c.kind, c.value, from, to, 0)
		if err != nil {
			t.Fatalf("%s %s: %v", c.kind, c.value, err)
		}
		if got := tally(p.Events); got != c.want || p.Truncated {
			t.Errorf("%s %q: events %s (truncated %v), want %s", c.kind, c.value, got, p.Truncated, c.want)
		}
		var sum int64
		for _, n := range p.Counts {
			sum += n.Count
		}
		if sum != int64(len(p.Events)) {
			t.Errorf("%s %q: counts %v sum to %d, want %d", c.kind, c.value, p.Counts, sum, len(p.Events))
		}
		for i := 1; i < len(p.Events); i++ {
			if p.Events[i].Time.Before(p.Events[i-1].Time) {
				t.Errorf("%s %q: events out of order at %d", c.kind, c.value, i)
			}
		}
	}
	p, err := iv.Pivot(ctx, ws, investigate.Account, "bob", t0, t0.Add(time.Hour), 3)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Truncated || len(p.Events) != 3 || !p.Events[0].Time.Equal(t0) || p.Events[0].Account != `CONTOSO\bob` || p.Events[0].IPAddress != "10.1.2.3" {
		t.Errorf("limit 3 over the first hour: truncated %v, %+v", p.Truncated, p.Events)
	}
	if n := p.Counts[0]; n.EventID != 4625 || n.Count != 6 {
		t.Errorf("counts are not exact under a limit: %+v", p.Counts)
	}
	for _, bad := range [][2]string{{"user", "bob"}, {investigate.IP, "10.1.2"}, {investigate.Account, ""}, {investigate.Account, `CONTOSO\`}} {
		if _, err := iv.Pivot(ctx, ws, bad[0], bad[1], from, to, 0); !errors.Is(err, investigate.ErrBadRequest) {
			t.Errorf("%s %q: err %v, want ErrBadRequest", bad[0], bad[1], err)
		}
	}
	if _, err := iv.Pivot(ctx, ws, investigate.IP, "10.1.2.3", to, from, 0); !errors.Is(err, investigate.ErrBadRequest) {
		t.Errorf("reversed range: %v", err)
	}
}

const bruteForce = `id: 0c8e5c55-7d0e-4b8a-9d0f-000000000010
name: RDP brute force
description: Five or more failed RDP logons of an account.
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
  | summarize Failures = count(), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by Account, Computer, IpAddress
  | where Failures >= 5
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: Account
  - entityType: Host
    fieldMappings:
      - identifier: FullName
        columnName: Computer
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: IpAddress
eventGroupingSettings:
  aggregationKind: AlertPerResult
incidentConfiguration:
  createIncident: true
kind: Scheduled
`

func TestIncident(t *testing.T) {
	svc := fixture(t)
	ctx := context.Background()
	eng, err := analytics.New(analytics.Options{Dir: t.TempDir(), Workspace: svc, Now: func() time.Time { return t0.Add(4 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Import(ctx, ws, []byte(bruteForce), true); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Backfill(ctx, ws, "RDP brute force", t0.Add(-30*time.Minute), t0.Add(90*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	in, err := eng.Incident(ctx, ws, 1)
	if err != nil {
		t.Fatal(err)
	}
	iv := &investigate.Investigator{Querier: svc}
	inv, err := iv.Incident(ctx, ws, in, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Alerts) != 1 || inv.Alerts[0].ID != in.AlertIDs[0] || !inv.Alerts[0].Start.Equal(t0) || !inv.Alerts[0].End.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("alerts %+v", inv.Alerts)
	}
	pivots := map[string]string{}
	for _, e := range inv.Entities {
		pivots[e.Kind] = e.Value
	}
	if want := map[string]string{"account": `CONTOSO\bob`, "host": "DC1", "ip": "10.1.2.3"}; fmt.Sprint(pivots) != fmt.Sprint(want) {
		t.Errorf("entity pivots %v, want %v", pivots, want)
	}
	if !inv.From.Equal(t0.Add(-time.Hour)) || !inv.To.Equal(t0.Add(70*time.Minute)) {
		t.Errorf("range %v..%v", inv.From, inv.To)
	}
	var events []investigate.Event
	behind, alerts := 0, 0
	for i, it := range inv.Timeline {
		if i > 0 && it.Time.Before(inv.Timeline[i-1].Time) {
			t.Errorf("timeline out of order at %d", i)
		}
		switch it.Kind {
		case "alert":
			alerts++
		case "event":
			events = append(events, *it.Event)
			if len(it.Behind) > 0 {
				behind++
				if it.Behind[0] != in.AlertIDs[0] || it.Time.After(t0.Add(10*time.Minute)) {
					t.Errorf("event at %v behind %v", it.Time, it.Behind)
				}
			}
		}
	}
	// The six failures and bob's System event are behind the alert; the
	// success two minutes after the last failure is context; the late
	// failure and alice's logon are outside.
	if got, want := tally(events), "map[SecurityEvent/4624:1 SecurityEvent/4625:6 WindowsEvent/7045:1]"; got != want || alerts != 1 || behind != 7 {
		t.Errorf("timeline: %d alerts, events %s (%d behind the alert), want 1, %s, 7", alerts, got, behind, want)
	}
}
