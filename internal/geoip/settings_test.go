package geoip_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"wsec/internal/geoip"
	"wsec/internal/geoip/geoiptest"
)

// TestSettingsPerWorkspace: a workspace without a setting uses the
// server's databases; Set gives one workspace its own (another keeps the
// server's), survives a restart, refuses a file that is no MaxMind DB
// without changing anything, and Reset returns to the server's. A saved
// setting whose file disappeared does not stop the server: that
// workspace runs without geography and says why.
func TestSettingsPerWorkspace(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	serverCity := write("server-city.mmdb", geoiptest.City(t, geoiptest.GeoLite2, 6, nets[:1]))
	wsCity := write("ws-city.mmdb", geoiptest.City(t, geoiptest.Flat, 6, nets))
	wsASN := write("ws-asn.mmdb", geoiptest.ASN(t, nets))
	junk := write("junk.mmdb", []byte("not a database"))
	settingsDir := filepath.Join(dir, "settings")

	s, err := geoip.OpenSettings(settingsDir, geoip.Paths{City: []string{serverCity}})
	if err != nil {
		t.Fatal(err)
	}
	country := func(s *geoip.Settings, ws, ip string) string {
		t.Helper()
		in, err := s.For(ws).Lookup(ip)
		if err != nil {
			t.Fatal(err)
		}
		return in.Country
	}
	if e := s.Get("ws1"); e.Source != geoip.FromServer || country(s, "ws1", "81.2.69.160") != "GB" || country(s, "ws1", "89.160.20.1") != "" {
		t.Fatalf("before any setting: %s, want the server's city file (GB only)", e.Source)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	if _, err := s.Set("ws1", geoip.Paths{City: []string{wsCity}, ASN: []string{wsASN}}, now); err != nil {
		t.Fatal(err)
	}
	if country(s, "ws1", "89.160.20.1") != "SE" || country(s, "ws2", "89.160.20.1") != "" {
		t.Error("ws1's own databases should answer SE, ws2 still the server's (no SE)")
	}
	if js, ok := s.GeoInfoJSON("ws1", "89.160.20.1"); !ok || js == "" {
		t.Error("GeoInfoJSON for ws1 answered null")
	}
	_, err = s.Set("ws1", geoip.Paths{City: []string{junk}}, now)
	if !errors.Is(err, geoip.ErrBadSetting) {
		t.Errorf("a file that is no MaxMind DB: err = %v, want ErrBadSetting", err)
	}
	if _, err := s.Set("ws1", geoip.Paths{City: []string{"relative.mmdb"}}, now); !errors.Is(err, geoip.ErrBadSetting) {
		t.Errorf("a relative path: err = %v, want ErrBadSetting", err)
	}
	if _, err := s.Set("../x", geoip.Paths{}, now); !errors.Is(err, geoip.ErrBadSetting) {
		t.Errorf("workspace ../x: err = %v, want ErrBadSetting", err)
	}
	if e := s.Get("ws1"); e.Source != geoip.FromWorkspace || len(e.Paths.ASN) != 1 || country(s, "ws1", "89.160.20.1") != "SE" {
		t.Errorf("a refused setting changed ws1: %+v", e)
	}
	if _, err := s.Set("ws2", geoip.Paths{}, now); err != nil {
		t.Fatal(err)
	}
	if e := s.Get("ws2"); e.Source != geoip.FromWorkspace || e.DB.HasCity() || country(s, "ws2", "81.2.69.160") != "" {
		t.Errorf("ws2 set to no databases still has geography: %+v", e)
	}
	s.Close()

	s, err = geoip.OpenSettings(settingsDir, geoip.Paths{City: []string{serverCity}})
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Get("ws1"); e.Source != geoip.FromWorkspace || !e.Updated.Equal(now) || country(s, "ws1", "89.160.20.1") != "SE" {
		t.Errorf("after a restart ws1 is %+v, want its own setting", e)
	}
	if e, err := s.Reset("ws1"); err != nil || e.Source != geoip.FromServer || country(s, "ws1", "89.160.20.1") != "" {
		t.Errorf("Reset: %+v, %v; want the server's databases", e, err)
	}
	if _, err := s.Set("ws3", geoip.Paths{City: []string{wsCity}}, now); err != nil {
		t.Fatal(err)
	}
	s.Close()

	if err := os.Remove(wsCity); err != nil {
		t.Fatal(err)
	}
	s, err = geoip.OpenSettings(settingsDir, geoip.Paths{})
	if err != nil {
		t.Fatalf("a saved setting whose file is gone stopped the server: %v", err)
	}
	defer s.Close()
	if e := s.Get("ws3"); e.Err == nil || e.DB.HasCity() {
		t.Errorf("ws3's file is gone: %+v; want no city and the reason", e)
	}
	if e := s.Get("ws1"); e.Source != geoip.FromNone {
		t.Errorf("no server databases and no setting: source %s, want none", e.Source)
	}
}
