package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"wsec/internal/rdpanomaly"
	"wsec/internal/rdpanomaly/rdpsim"
	"wsec/internal/rdpscan"
)

// TestAnomaliesRDPEndToEnd is the product path: a labelled synthetic
// tenant written as event XML → wsec import → wsec anomalies rdp on a
// server given the synthetic GeoIP databases. The server's anomalies
// must be the ones the detector finds on the same logons in memory, and
// must catch the injected attacks.
// cellJSON is a dynamic cell of a query answer as JSON text.
func cellJSON(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAnomaliesRDPEndToEnd(t *testing.T) {
	ds, err := rdpsim.Generate(rdpsim.Options{Users: 80, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	city, asn := filepath.Join(dir, "city.mmdb"), filepath.Join(dir, "asn.mmdb")
	os.WriteFile(city, ds.CityMMDB, 0o600)
	os.WriteFile(asn, ds.ASNMMDB, 0o600)
	logs := filepath.Join(dir, "logs")
	os.Mkdir(logs, 0o700)
	f, err := os.Create(filepath.Join(logs, "rdp.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.WriteXML(f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s := startServer(t, func(o *serveOptions) { o.geoipCity, o.geoipASN = []string{city}, []string{asn} })
	s.env(t)
	if code, _, stderr := runCmd(t, "import", "--set", "All", logs); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	code, out, stderr := runCmd(t, "anomalies", "rdp", "--from", ds.ScoredFrom.Format(time.RFC3339),
		"--to", ds.End.Format(time.RFC3339), "--format", "json")
	if code != 0 {
		t.Fatalf("anomalies rdp: %s", stderr)
	}
	var res rdpscan.Response
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if !res.GeoIP.City || !res.GeoIP.ASN || res.Logons == 0 {
		t.Fatalf("scan: geo %+v, %d logon records", res.GeoIP, res.Logons)
	}
	want := rdpanomaly.New(ds.Logons, rdpanomaly.Config{}).Detect(ds.Logons, ds.ScoredFrom, ds.End)
	type key struct {
		user  string
		start time.Time
		score int
	}
	var got, exp []key
	for _, r := range res.Anomalies {
		got = append(got, key{r.UserName, r.StartTime.UTC(), r.Score})
		if r.AnomalyTemplateName != rdpscan.TemplateName || len(r.AnomalyReasons) == 0 ||
			!strings.Contains(r.Description, "active days") {
			t.Errorf("row %+v lacks template, reasons or counts", r)
		}
	}
	for _, a := range want {
		exp = append(exp, key{a.User, a.StartTime.UTC(), a.Score})
	}
	if !slices.Equal(got, exp) {
		t.Errorf("server anomalies differ from the in-memory detector:\n got %v\nwant %v", got, exp)
	}
	caught := 0
	for _, l := range ds.Labels {
		if !l.Malicious {
			continue
		}
		for _, r := range res.Anomalies {
			if r.UserName == l.User && !r.StartTime.Before(l.Start) && r.StartTime.Before(l.Start.Add(time.Hour)) {
				caught++
				break
			}
		}
	}
	if caught == 0 {
		t.Error("no injected attack caught through the product path")
	}
	t.Logf("%d anomalies, %d attacks caught through import → serve → anomalies rdp", len(res.Anomalies), caught)

	// KQL's geo_info_from_ip_address over the same databases.
	rows := s.query(t, `print g = geo_info_from_ip_address("`+res.Anomalies[0].SourceIPAddress+`"), p = geo_info_from_ip_address("10.1.2.3")`)
	var g struct{ Country, City string }
	if err := json.Unmarshal([]byte(cellJSON(rows[0][0])), &g); err != nil || g.Country != res.Anomalies[0].SourceLocation.CountryCode ||
		g.City != res.Anomalies[0].SourceLocation.City || rows[0][1] != nil {
		t.Errorf("geo_info_from_ip_address = %v, %v (%v); want the anomaly's location and null", rows[0][0], rows[0][1], err)
	}

	code, table, _ := runCmd(t, "anomalies", "rdp", "--from", ds.ScoredFrom.Format(time.RFC3339), "--to", ds.End.Format(time.RFC3339))
	if code != 0 || !strings.Contains(table, "UnusualGeo") || !strings.Contains(table, "DB-IP") {
		t.Errorf("table output lacks flags or the DB-IP credit:\n%s", table)
	}
}
