package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/geoip"
	"wsec/internal/geoip/geoiptest"
	"wsec/internal/rdpscan"
)

// TestGeoIPSettingEndToEnd: a server started without --geoip-city and
// --geoip-asn gets its databases from the workspace's settings (wsec
// geoip set, the API the Settings page calls): geo_info_from_ip_address()
// and the RDP scan use them at once, without a restart; a file that is no
// MaxMind DB is refused with its path and nothing changes; the setting
// survives a restart; wsec geoip reset turns geography off again.
func TestGeoIPSettingEndToEnd(t *testing.T) {
	dir := t.TempDir()
	nets := []geoiptest.Net{{Prefix: "81.2.69.0/24", Country: "GB", City: "London", ASN: 20712, Org: "Andrews & Arnold Ltd"}}
	city, asn, junk := filepath.Join(dir, "city.mmdb"), filepath.Join(dir, "asn.mmdb"), filepath.Join(dir, "junk.mmdb")
	for p, b := range map[string][]byte{city: geoiptest.City(t, geoiptest.Flat, 6, nets), asn: geoiptest.ASN(t, nets), junk: []byte("junk")} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := startServer(t)
	s.env(t)
	geoCountry := func() any {
		t.Helper()
		rows := s.query(t, `print g = tostring(geo_info_from_ip_address("81.2.69.160").country)`)
		return rows[0][0]
	}
	view := func(args ...string) rdpscan.GeoIPView {
		t.Helper()
		code, out, stderr := runCmd(t, append(append([]string{"geoip"}, args...), "--format", "json")...)
		var v rdpscan.GeoIPView
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Fatalf("wsec geoip %v: exit %d\n%s%s", args, code, out, stderr)
		}
		return v
	}
	if v := view("show"); v.Source != geoip.FromNone || v.Status.City || geoCountry() != "" {
		t.Fatalf("no databases anywhere: %+v, geo country %v", v, geoCountry())
	}
	code, _, stderr := runCmd(t, "geoip", "set", "--city", junk)
	if code == 0 || !strings.Contains(stderr, junk) || !strings.Contains(stderr, "MaxMind DB") {
		t.Errorf("set to a junk file: exit %d, %s; want a refusal naming the file", code, stderr)
	}
	v := view("set", "--city", city, "--asn", asn)
	if v.Source != geoip.FromWorkspace || !v.Status.City || !v.Status.ASN || len(v.Status.Editions) != 2 || !strings.Contains(v.Status.Attribution, "DB-IP") {
		t.Errorf("after set: %+v", v)
	}
	if got := geoCountry(); got != "GB" {
		t.Errorf("geo_info_from_ip_address after set: country %v, want GB", got)
	}
	code, out, _ := runCmd(t, "anomalies", "rdp")
	if code != 0 || !strings.Contains(out, "DB-IP") {
		t.Errorf("anomalies rdp does not use the workspace's databases:\n%s", out)
	}

	s.stop()
	s2 := startServerOn(t, s.data, s.ws, s.token)
	s2.env(t)
	if v := view("show"); v.Source != geoip.FromWorkspace || !v.Status.City {
		t.Errorf("after a restart: %+v", v)
	}
	if v := view("reset"); v.Source != geoip.FromNone || v.Status.City {
		t.Errorf("after reset: %+v", v)
	}
	s = s2
	if got := geoCountry(); got != "" {
		t.Errorf("geo_info_from_ip_address after reset: country %v, want none", got)
	}
}
