package hunt

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/sigma"
)

const failedLogonRules = `title: failed logon
name: failed_logon
level: low
logsource:
  product: windows
  service: security
detection:
  sel:
    EventID: 4625
  condition: sel
---
title: brute force
level: high
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 10m
  condition:
    gte: 3
`

// writeLogons writes n 4625 events of user bob one minute apart (and a
// 4624 between each) as event XML.
func writeLogons(t *testing.T, n int) (string, time.Time) {
	t.Helper()
	t0 := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	var buf []byte
	for i := range n {
		for j, id := range []uint16{4625, 4624} {
			e := &event.Event{System: event.System{Provider: "Microsoft-Windows-Security-Auditing", Channel: "Security", Computer: "dc1", EventID: id,
				EventRecordID: uint64(2*i + j + 1), TimeCreated: t0.Add(time.Duration(i) * time.Minute)}, Section: event.SectionEventData,
				Data: []event.Field{{Name: "TargetUserName", Value: "bob"}}}
			buf = append(e.AppendXML(buf), '\n')
		}
	}
	path := filepath.Join(t.TempDir(), "logons.xml")
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, t0
}

func TestRunCorrelationAndTimeBounds(t *testing.T) {
	path, t0 := writeLogons(t, 5)
	rules, err := sigma.Parse("r.yml", []byte(failedLogonRules))
	if err != nil {
		t.Fatal(err)
	}
	rs := sigma.Compile(rules, sigma.Options{})
	f := func(o Options, wantEvents int64, wantFindings, wantCorr int) {
		t.Helper()
		n := 0
		sum, err := Run(context.Background(), rs, []string{path}, o, func(Finding) error { n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if sum.Events != wantEvents || n != wantFindings || len(sum.Correlations) != wantCorr {
			t.Errorf("%+v: %d events, %d findings, %d correlation hits; want %d, %d, %d", o, sum.Events, n, len(sum.Correlations), wantEvents, wantFindings, wantCorr)
		}
	}
	// The base rule is quiet (the correlation does not generate), the
	// correlation fires once for bob's five failures.
	f(Options{}, 10, 0, 1)
	f(Options{From: t0.Add(3 * time.Minute)}, 4, 0, 0)
	f(Options{To: t0.Add(3 * time.Minute)}, 6, 0, 1)
	f(Options{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, 4, 0, 0)
}
