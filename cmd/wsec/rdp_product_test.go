package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/analytics"
	"wsec/internal/rdpanomaly"
	"wsec/internal/rdpanomaly/rdpsim"
	"wsec/internal/rdpscan"
)

// TestRDPBackfillProductPath is issue 12's product path end to end: the
// harness's labelled tenant (300 users, 60 days, seed 1) written as event
// XML → wsec import → the GeoIP databases given in the workspace's
// settings (wsec geoip set) → the default pack → wsec analytics backfill
// "Anomalous RDP Login Detection" over the scored 30 days, hour by hour
// as the scheduler runs it → the Anomalies and SecurityAlert rows read
// back with KQL and scored against the labels. Recall and precision must
// be those of the harness (rdpsim.Evaluate on the same logons in memory)
// within a small margin — hourly windows may split what one scan of the
// whole period merges — with ≤ 1 false alert per 1,000 users per day;
// every stored Description names the counts behind each flag; an alert is
// raised for every anomaly scoring ≥ 50 (the rule's threshold), with the
// anomaly's explanation as its description.
// rdpProductUsers is the tenant size of TestRDPBackfillProductPath: the
// harness figures are for 300 users; 100 keep the test to about a minute
// (the 30 labelled attacks do not depend on it).
const rdpProductUsers = 100

func TestRDPBackfillProductPath(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 40,000 logons and backfills 720 hourly windows")
	}
	ds, err := rdpsim.Generate(rdpsim.Options{Seed: 1, Users: rdpProductUsers})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	city, asn := filepath.Join(dir, "city.mmdb"), filepath.Join(dir, "asn.mmdb")
	logs := filepath.Join(dir, "logs")
	for p, b := range map[string][]byte{city: ds.CityMMDB, asn: ds.ASNMMDB} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(logs, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(logs, "rdp.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.WriteXML(f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s := startServer(t)
	s.env(t)
	for _, args := range [][]string{
		{"geoip", "set", "--city", city, "--asn", asn},
		{"import", "--set", "All", logs},
		{"analytics", "import", "--pack", "--disabled"},
	} {
		if code, out, stderr := runCmd(t, args...); code != 0 {
			t.Fatalf("wsec %s: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
	}
	start := time.Now()
	code, out, stderr := runCmd(t, "analytics", "backfill", rdpscan.RuleName,
		"--from", ds.ScoredFrom.Format(time.RFC3339), "--to", ds.End.Format(time.RFC3339), "--json")
	var bf analytics.BackfillResult
	if code != 0 || json.Unmarshal([]byte(out), &bf) != nil {
		t.Fatalf("backfill: exit %d\n%s%s", code, out, stderr)
	}
	t.Logf("backfill: %d windows, %d alerts in %s", bf.Windows, bf.Alerts, time.Since(start).Round(time.Second))

	rows := s.query(t, `Anomalies | where RuleName == "Anomalous RDP Login Detection"
		| project UserName, SourceIpAddress, StartTime, Score, AnomalyReasons, Description, ExtendedProperties | order by StartTime asc`)
	var stored []rdpanomaly.Anomaly
	alertable := map[string]string{} // user|ip|start → description, for Score ≥ 50
	for _, r := range rows {
		var a rdpanomaly.Anomaly
		if err := json.Unmarshal([]byte(cellJSON(r[6])), &a); err != nil {
			t.Fatalf("ExtendedProperties %v: %v", r[6], err)
		}
		var reasons []string
		if err := json.Unmarshal([]byte(cellJSON(r[4])), &reasons); err != nil {
			t.Fatalf("AnomalyReasons %v: %v", r[4], err)
		}
		desc, _ := r[5].(string)
		if err := rdpsim.ExplainsFlags(desc, reasons, a.Levels); err != nil {
			t.Errorf("Anomalies row of %v from %v: %v", r[0], r[1], err)
		}
		started, err := time.Parse(time.RFC3339Nano, fmt.Sprint(r[2]))
		if err != nil {
			t.Fatalf("StartTime %v: %v", r[2], err)
		}
		a.User, a.SourceIP, a.StartTime = fmt.Sprint(r[0]), fmt.Sprint(r[1]), started
		stored = append(stored, a)
		if score, _ := r[3].(float64); score >= 50 {
			alertable[a.User+"|"+a.SourceIP+"|"+started.Format(time.RFC3339)] = desc
		}
	}
	product := rdpsim.Score(ds, "product path", stored)
	harness := rdpsim.Evaluate(ds, "harness", rdpanomaly.Config{})
	var b strings.Builder
	rdpsim.WriteReports(&b, ds, []*rdpsim.Report{harness, product})
	t.Logf("Anomalies through import → backfill → KQL beside the in-memory harness (only the scored half was backfilled: the product path's warm-up row is not measured):\n%s", b.String())
	if product.Recall() < harness.Recall()-0.05 || product.Precision() < harness.Precision()-0.1 || product.FalsePerDayPer1000() > 1 {
		t.Errorf("product path: recall %.3f, precision %.3f, %.2f false/day/1000 users; harness: recall %.3f, precision %.3f",
			product.Recall(), product.Precision(), product.FalsePerDayPer1000(), harness.Recall(), harness.Precision())
	}

	alerts := s.query(t, `SecurityAlert | where AlertName startswith "Anomalous RDP logon of "
		| project Entities, Description, StartTime, AlertName`)
	matched := 0
	for _, r := range alerts {
		desc, _ := r[1].(string)
		for k, want := range alertable {
			user, rest, _ := strings.Cut(k, "|")
			ip, _, _ := strings.Cut(rest, "|")
			if want == desc && strings.Contains(fmt.Sprint(r[3]), user) && strings.Contains(fmt.Sprint(r[3]), ip) {
				matched++
				delete(alertable, k)
				break
			}
		}
	}
	if matched != len(alerts) || len(alertable) != 0 {
		t.Errorf("%d SecurityAlert rows, %d match an anomaly scoring ≥ 50 by user, address and description; %d such anomalies without an alert",
			len(alerts), matched, len(alertable))
	}
	t.Logf("%d Anomalies rows, %d SecurityAlert rows (Score ≥ 50)", len(rows), len(alerts))
}
