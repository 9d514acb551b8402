package sigma

import (
	"testing"
	"time"

	"wsec/internal/event"
)

const failedLogons = `title: failed logon
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
`

func logon(id uint16, user, ip string, at time.Duration) *event.Event {
	return &event.Event{
		System: event.System{Channel: "Security", EventID: id, TimeCreated: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).Add(at)},
		Data:   []event.Field{{Name: "TargetUserName", Value: user}, {Name: "IpAddress", Value: ip}},
	}
}

func correlate(t *testing.T, corr string, evs ...*event.Event) []CorrelationHit {
	t.Helper()
	rules, err := Parse("c.yml", []byte(failedLogons+corr))
	if err != nil {
		t.Fatal(err)
	}
	rs := Compile(rules, Options{})
	if len(rs.Problems) > 0 {
		t.Fatal(rs.Problems[0].Err)
	}
	c := rs.NewCorrelator()
	d := rs.NewDoc()
	for _, e := range evs {
		d.Reset(e)
		rs.Match(d, func(h Hit) {
			for _, o := range rs.Observe(nil, h.Rule, d) {
				c.Add(o)
			}
		})
	}
	return c.Finish()
}

func TestCorrelations(t *testing.T) {
	m := time.Minute
	brute := []*event.Event{
		logon(4625, "bob", "10.0.0.9", 0), logon(4625, "bob", "10.0.0.9", m), logon(4625, "alice", "10.0.0.9", 2*m),
		logon(4625, "bob", "10.0.0.9", 3*m), logon(4625, "bob", "10.0.0.9", 30*m), logon(4624, "bob", "10.0.0.9", 4*m),
	}
	f := func(name, corr string, want int, evs []*event.Event) {
		t.Helper()
		hits := correlate(t, corr, evs...)
		if len(hits) != want {
			t.Errorf("%s: %d hits %+v, want %d", name, len(hits), hits, want)
		}
	}
	f("event_count by user", "title: brute\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition:\n    gte: 3\n", 1, brute)
	f("event_count too few", "title: brute\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition:\n    gte: 4\n", 0, brute)
	f("value_count users per ip", "title: spray\ncorrelation:\n  type: value_count\n  rules: [failed_logon]\n  group-by: [IpAddress]\n  timespan: 10m\n  condition:\n    gte: 2\n    field: TargetUserName\n", 1, brute)
	f("temporal_ordered fail then success", "title: success after brute\ncorrelation:\n  type: temporal_ordered\n  rules: [failed_logon, logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n", 1, brute)
	f("temporal_ordered wrong order", "title: x\ncorrelation:\n  type: temporal_ordered\n  rules: [logon, failed_logon]\n  group-by: [TargetUserName]\n  timespan: 1m\n", 0, brute)
	f("temporal any order", "title: x\ncorrelation:\n  type: temporal\n  rules: [logon, failed_logon]\n  group-by: [TargetUserName]\n  timespan: 2m\n", 1, brute)
	hits := correlate(t, "title: brute\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition:\n    gte: 3\n", brute...)
	if len(hits) == 1 && (hits[0].Count != 3 || hits[0].Group[0].Value != "bob") {
		t.Errorf("hit %+v: want 3 events of bob", hits[0])
	}
}

// TestCorrelationBaseRulesQuiet: base rules of a correlation without
// generate: true do not report on their own.
func TestCorrelationBaseRulesQuiet(t *testing.T) {
	rules, err := Parse("c.yml", []byte(failedLogons+"title: brute\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  timespan: 5m\n  condition:\n    gte: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	rs := Compile(rules, Options{})
	for _, c := range rs.Rules {
		if got, want := rs.Reports(c), c.Rule.Name == "logon"; got != want {
			t.Errorf("%s reports: %v, want %v", c.Rule.Name, got, want)
		}
	}
}
