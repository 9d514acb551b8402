package analytics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/sigma"
)

const correlationRules = `title: failed logon
name: failed_logon
logsource:
  product: windows
  service: security
detection:
  sel:
    EventID: 4625
  condition: sel
---
title: logon
name: logon
logsource:
  product: windows
  service: security
detection:
  sel:
    EventID: 4624
  condition: sel
---
title: brute force
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 5m
  condition:
    gte: 4
---
title: password spray
correlation:
  type: value_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 10m
  condition:
    gte: 3
    field: TargetUserName
---
title: failure and success
correlation:
  type: temporal
  rules: [failed_logon, logon]
  group-by: [TargetUserName]
  timespan: 5m
---
title: success after failure
correlation:
  type: temporal_ordered
  rules: [failed_logon, logon]
  group-by: [TargetUserName]
  timespan: 5m
  generate: true
`

// TestSigmaCorrelationsThroughWorkspace: the four correlation types,
// imported as analytics rules (sigma.AnalyticsRules, as 'wsec analytics
// import' does) and backfilled over a day of logons, raise exactly the
// alerts wsec hunt's correlator finds on the same events, group by
// group. The events sit inside the rules' windows (a burst across two
// windows is the documented difference: the workspace counts fixed
// windows, hunt a sliding one).
func TestSigmaCorrelationsThroughWorkspace(t *testing.T) {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*event.Event
	rec := uint64(0)
	add := func(id uint16, user, ip string, at time.Duration) {
		rec++
		evs = append(evs, &event.Event{
			System: event.System{Provider: "Microsoft-Windows-Security-Auditing", Channel: "Security", EventID: id, Computer: "DC1.corp.local",
				EventRecordID: rec, TimeCreated: day.Add(at)},
			Section: event.SectionEventData,
			Data:    []event.Field{{Name: "TargetUserName", Value: user}, {Name: "IpAddress", Value: ip}, {Name: "LogonType", Value: "3"}},
		})
	}
	m := time.Minute
	// 09:00-09:05: bob fails 5 times, then succeeds (brute force,
	// temporal, ordered); alice fails twice (no brute force).
	for i := range 5 {
		add(4625, "bob", "10.0.0.9", 9*time.Hour+time.Duration(i)*20*time.Second)
	}
	add(4624, "bob", "10.0.0.9", 9*time.Hour+3*m)
	add(4625, "alice", "10.0.0.7", 9*time.Hour+m)
	add(4625, "alice", "10.0.0.7", 9*time.Hour+2*m)
	// 11:00-11:10: one address tries four users (spray).
	for i, u := range []string{"carol", "dave", "erin", "frank"} {
		add(4625, u, "203.0.113.5", 11*time.Hour+time.Duration(i)*2*m)
	}
	// 14:00-14:05: gina succeeds, then fails (temporal, not ordered).
	add(4624, "gina", "10.0.0.3", 14*time.Hour+m)
	add(4625, "gina", "10.0.0.3", 14*time.Hour+2*m)

	rules, err := sigma.Parse("corr.yml", []byte(correlationRules))
	if err != nil {
		t.Fatal(err)
	}
	rs := sigma.Compile(rules, sigma.Options{})
	want := map[string]map[string]int{} // rule → group → hits
	c := rs.NewCorrelator()
	d := rs.NewDoc()
	for _, e := range evs {
		d.Reset(e)
		rs.Match(d, func(h sigma.Hit) {
			for _, o := range rs.Observe(nil, h.Rule, d) {
				c.Add(o)
			}
		})
	}
	for _, h := range c.Finish() {
		if want[h.Rule.Rule.Title] == nil {
			want[h.Rule.Rule.Title] = map[string]int{}
		}
		want[h.Rule.Rule.Title][h.Group[0].Value]++
	}

	env := newEnv(t, t.TempDir(), day.Add(48*time.Hour))
	env.appendEvents(t, "corr", 1, evs)
	eng := env.engine(t, nil)
	ctx := context.Background()
	ars, problems, err := sigma.AnalyticsRules("corr.yml", []byte(correlationRules))
	if err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	for _, ar := range ars {
		if _, err := eng.Add(ctx, testWS, ar, true); err != nil {
			t.Fatalf("%s: %v\n%s", ar.Name, err, ar.Query)
		}
		if _, err := eng.Backfill(ctx, testWS, ar.Name, day, day.Add(24*time.Hour), nil); err != nil {
			t.Fatalf("%s: backfill: %v\n%s", ar.Name, err, ar.Query)
		}
	}
	if len(ars) != 4 {
		t.Errorf("%d analytics rules, want the 4 correlations (their base rules feed correlations without generate: true)", len(ars))
	}
	for _, title := range []string{"brute force", "password spray", "failure and success", "success after failure"} {
		rows := env.query(t, fmt.Sprintf(`SecurityAlert | where AlertName == %q | project ExtendedProperties`, title))
		got := len(rows)
		n := 0
		for _, v := range want[title] {
			n += v
		}
		if got != n || n == 0 {
			t.Errorf("%s: %d alerts in the workspace, hunt's correlator %d (%v)", title, got, n, want[title])
		}
		t.Logf("%s: %d alerts, hunt's correlator %v", title, got, want[title])
	}
	if rows := env.query(t, `SecurityAlert | where AlertName in ("failed logon", "logon") | count`); rows[0][0] != int64(0) {
		t.Errorf("base rules alerted on their own: %v", rows)
	}
}
