package analytics

import (
	"context"
	"strings"
	"testing"
	"time"

	"wsec/internal/analytics/pack"
	"wsec/internal/event"
	"wsec/internal/geoip/geoiptest"
	"wsec/internal/rdpscan"
)

// rdpLogon is a 4624 or 4625 RDP logon (LogonType 10).
func rdpLogon(id uint16, rec uint64, at time.Time, user, ip, computer string) *event.Event {
	dom, name, _ := strings.Cut(user, `\`)
	return &event.Event{
		System: event.System{Provider: "Microsoft-Windows-Security-Auditing", EventID: id, TimeCreated: at,
			EventRecordID: rec, Channel: "Security", Computer: computer},
		Section: event.SectionEventData,
		Data: []event.Field{{Name: "TargetUserName", Value: name}, {Name: "TargetDomainName", Value: dom},
			{Name: "LogonType", Value: "10"}, {Name: "IpAddress", Value: ip}},
	}
}

// TestRDPRuleRaisesAlertsFromAnomalies: thirty days of alice and bob
// logging on from the office, then alice from a foreign hosting network
// and bob from a new address after a burst of failures. Backfilling the
// built-in rule "Anomalous RDP Login Detection" over the day stores the
// two anomalies in Anomalies (with their explanation) and raises an alert
// and an incident for each, the alert's description the anomaly's; a
// second backfill stores nothing new.
func TestRDPRuleRaisesAlertsFromAnomalies(t *testing.T) {
	day0 := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	env := newEnv(t, t.TempDir(), day0.Add(48*time.Hour))
	var evs []*event.Event
	rec := uint64(1)
	add := func(id uint16, at time.Time, user, ip, computer string) {
		evs = append(evs, rdpLogon(id, rec, at, user, ip, computer))
		rec++
	}
	for d := 30; d >= 1; d-- {
		at := day0.AddDate(0, 0, -d).Add(9 * time.Hour)
		add(4624, at, `CORP\alice`, "81.2.69.10", "SRV1.corp.local")
		add(4624, at, `CORP\bob`, "81.2.69.10", "SRV1.corp.local")
	}
	for i := range 6 {
		add(4625, day0.Add(14*time.Hour-time.Duration(i+1)*time.Minute), `CORP\bob`, "81.2.69.99", "SRV1.corp.local")
	}
	add(4624, day0.Add(9*time.Hour+10*time.Minute), `CORP\alice`, "178.62.1.2", "SRV2.corp.local")
	add(4624, day0.Add(14*time.Hour), `CORP\bob`, "81.2.69.99", "SRV1.corp.local")
	env.appendEvents(t, "rdp", 1, evs)

	geo := geoiptest.DB(t, []geoiptest.Net{
		{Prefix: "81.2.69.0/24", Country: "GB", City: "London", ASN: 20712, Org: "Andrews & Arnold Ltd"},
		{Prefix: "178.62.0.0/16", Country: "NL", City: "Amsterdam", ASN: 14061, Org: "DigitalOcean, LLC"}})
	rec2 := &rdpscan.Recorder{Scanner: &rdpscan.Scanner{Querier: env.svc, GeoIP: geo}, Store: env.svc, Now: env.clk.Now}
	ctx := context.Background()
	eng, err := New(Options{Dir: env.dir + "/analytics", Workspace: env.svc, Now: env.clk.Now,
		Detectors: map[string]Detector{rdpscan.RuleID: rec2}})
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := pack.Files()
	if err != nil {
		t.Fatal(err)
	}
	ent, err := eng.Import(ctx, testWS, files["rules/anomalous-rdp-login.yaml"], true)
	if err != nil {
		t.Fatal(err)
	}
	if ent.Rule.ID != rdpscan.RuleID || ent.Rule.Name != rdpscan.RuleName {
		t.Fatalf("the pack's rule is %s %q, the detector's %s %q", ent.Rule.ID, ent.Rule.Name, rdpscan.RuleID, rdpscan.RuleName)
	}
	for range 2 {
		if _, err := eng.Backfill(ctx, testWS, rdpscan.RuleName, day0, day0.Add(24*time.Hour), nil); err != nil {
			t.Fatal(err)
		}
	}
	anomalies := env.query(t, "Anomalies | project UserName, SourceIpAddress, Score, Description, AnomalyReasons = tostring(AnomalyReasons), TimeGenerated | order by UserName asc")
	if len(anomalies) != 2 || anomalies[0][0] != `CORP\alice` || anomalies[1][0] != `CORP\bob` {
		t.Fatalf("anomalies %v", anomalies)
	}
	if d := anomalies[0][3].(string); !strings.Contains(d, "country NL: user 0 of 30 active days, tenant 0 of 30") || !strings.Contains(anomalies[0][4].(string), "UnusualGeo") {
		t.Errorf("alice's anomaly: %v", anomalies[0])
	}
	alerts := env.query(t, "SecurityAlert | project AlertName, Description, CompromisedEntity, Entities = tostring(Entities) | order by AlertName asc")
	if len(alerts) != 2 || alerts[0][0] != `Anomalous RDP logon of CORP\alice from 178.62.1.2` || alerts[0][1] != anomalies[0][3] ||
		!strings.Contains(alerts[0][3].(string), "178.62.1.2") {
		t.Errorf("alerts %v", alerts)
	}
	if n := env.count(t, "SecurityIncident | summarize by IncidentNumber"); n != 2 {
		t.Errorf("%d incidents, want one per user", n)
	}
}
