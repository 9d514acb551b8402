package rdpanomaly

import (
	"slices"
	"strings"
	"testing"
	"time"

	"wsec/internal/geoip"
	"wsec/internal/geoip/geoiptest"
)

var testNets = []geoiptest.Net{
	{Prefix: "81.2.69.0/24", Country: "GB", City: "London", ASN: 20712, Org: "Andrews & Arnold Ltd"},
	{Prefix: "89.160.20.0/24", Country: "SE", City: "Linköping", ASN: 29518, Org: "Bredband2 AB"},
	{Prefix: "178.62.0.0/16", Country: "NL", City: "Amsterdam", ASN: 14061, Org: "DigitalOcean, LLC"},
}

type logonMaker struct {
	t  *testing.T
	db *geoip.DB
}

func (m logonMaker) logon(at time.Time, id int, user, ip, computer string) Logon {
	g, err := m.db.Lookup(ip)
	if err != nil {
		m.t.Fatal(err)
	}
	return Logon{Time: at, EventID: id, User: user, IP: ip, Computer: computer, Geo: g}
}

var scoreDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// office: 30 days of alice and bob from the office NAT to SRV1 at 09:00.
func office(m logonMaker, days int) []Logon {
	var ls []Logon
	for d := days; d >= 1; d-- {
		at := scoreDay.AddDate(0, 0, -d).Add(9 * time.Hour)
		ls = append(ls, m.logon(at, EventLogon, `CORP\alice`, "81.2.69.10", "SRV1"),
			m.logon(at.Add(time.Minute), EventLogon, `CORP\bob`, "81.2.69.10", "SRV1"))
	}
	return ls
}

func TestDetectFlagsAndExplains(t *testing.T) {
	m := logonMaker{t, geoiptest.DB(t, testNets)}
	at := scoreDay.Add(9 * time.Hour)
	scored := []Logon{
		m.logon(at, EventLogon, `CORP\alice`, "178.62.1.2", "SRV1"),
		m.logon(at.Add(5*time.Minute), EventLogon, `CORP\alice`, "178.62.1.2", "SRV2"),
		m.logon(at, EventLogon, `CORP\bob`, "81.2.69.10", "SRV1"),
		m.logon(at, EventLogon, `CORP\carol`, "81.2.69.10", "SRV1"),
		m.logon(at, EventLogon, `CORP\dave`, "89.160.20.7", "SRV1"),
		m.logon(at, EventLogon, `CORP\SRV9$`, "178.62.1.2", "SRV1"),
		m.logon(at, EventLogon, `CORP\erin`, "-", "SRV1"),
	}
	all := append(office(m, 30), scored...)
	got := New(all, Config{}).Detect(all, scoreDay, scoreDay.AddDate(0, 0, 1))
	if len(got) != 2 {
		t.Fatalf("got %d anomalies, want alice and dave: %+v", len(got), got)
	}
	a := got[0]
	if a.User != `CORP\alice` || !slices.Equal(a.Reasons, []string{FlagUnusualIP, FlagUnusualGeo}) {
		t.Errorf("alice: user %s reasons %v", a.User, a.Reasons)
	}
	if a.Score < 90 || a.Logons != 2 || !slices.Equal(a.Destinations, []string{"SRV1", "SRV2"}) {
		t.Errorf("alice: score %d logons %d destinations %v; want ≥ 90, 2 merged, SRV1+SRV2", a.Score, a.Logons, a.Destinations)
	}
	if !slices.Contains(a.Corroborations, CorrHosting) {
		t.Errorf("alice: corroborations %v lack %s", a.Corroborations, CorrHosting)
	}
	for _, want := range []string{
		"country NL: user 0 of 30 active days, tenant 0 of 30",
		"ASN AS14061: user 0 of 30 active days, tenant 0 of 30",
		"usual: GB 30 d", "baseline 2026-10-25..2026-11-23", "GeoIP city ipv6 2026-11-01",
	} {
		if !strings.Contains(a.Description, want) {
			t.Errorf("description %q lacks %q", a.Description, want)
		}
	}
	d := got[1]
	if d.User != `CORP\dave` || !slices.Equal(d.Reasons, []string{FlagNewUser}) || !d.LowConfidence {
		t.Errorf("dave: %s %v low confidence %v; want NewUser, low confidence", d.User, d.Reasons, d.LowConfidence)
	}
}

func TestDetectIsDeterministic(t *testing.T) {
	m := logonMaker{t, geoiptest.DB(t, testNets)}
	all := append(office(m, 30), m.logon(scoreDay.Add(3*time.Hour), EventLogon, `CORP\bob`, "89.160.20.9", "SRV1"))
	first := New(all, Config{}).Detect(all, scoreDay, scoreDay.AddDate(0, 0, 1))
	// Later data (the next day) must not change a given score.
	more := append(slices.Clone(all), m.logon(scoreDay.AddDate(0, 0, 1), EventLogon, `CORP\bob`, "178.62.9.9", "SRV1"))
	again := New(more, Config{}).Detect(more, scoreDay, scoreDay.AddDate(0, 0, 1))
	if len(first) != 1 || len(again) != 1 || first[0].Score != again[0].Score || first[0].Description != again[0].Description {
		t.Fatalf("rescoring changed the result: %+v vs %+v", first, again)
	}
}

func TestColdStartEmitsNothing(t *testing.T) {
	m := logonMaker{t, geoiptest.DB(t, testNets)}
	f := func(days, want int) {
		t.Helper()
		all := append(office(m, days), m.logon(scoreDay.Add(9*time.Hour), EventLogon, `CORP\alice`, "178.62.1.2", "SRV1"))
		if got := New(all, Config{}).Detect(all, scoreDay, scoreDay.AddDate(0, 0, 1)); len(got) != want {
			t.Errorf("%d days of history: %d anomalies, want %d", days, len(got), want)
		}
	}
	f(0, 0)
	f(DefaultMinTenantDays-1, 0)
	f(DefaultMinTenantDays, 1)
}

func TestSuppressionOnePerUserValueDay(t *testing.T) {
	m := logonMaker{t, geoiptest.DB(t, testNets)}
	all := office(m, 30)
	for h := range 5 {
		all = append(all, m.logon(scoreDay.Add(time.Duration(8+h)*time.Hour), EventLogon, `CORP\alice`, "178.62.1.2", "SRV1"))
	}
	// The next day the same value alerts again: suppression is per day.
	all = append(all, m.logon(scoreDay.AddDate(0, 0, 1).Add(9*time.Hour), EventLogon, `CORP\alice`, "178.62.1.3", "SRV1"))
	got := New(all, Config{}).Detect(all, scoreDay, scoreDay.AddDate(0, 0, 2))
	if len(got) != 2 || got[0].Logons != 5 || got[1].Logons != 1 {
		t.Fatalf("got %d anomalies %+v; want 2 (5 logons merged, then 1 the next day)", len(got), got)
	}
	if got[0].EndTime.Sub(got[0].StartTime) != 4*time.Hour {
		t.Errorf("merged anomaly spans %v, want 4h", got[0].EndTime.Sub(got[0].StartTime))
	}
}

func TestGeoOffStillScoresAddresses(t *testing.T) {
	m := logonMaker{t, nil}
	all := append(office(m, 30), m.logon(scoreDay.Add(9*time.Hour), EventLogon, `CORP\alice`, "178.62.1.2", "SRV1"))
	got := New(all, Config{}).Detect(all, scoreDay, scoreDay.AddDate(0, 0, 1))
	if len(got) != 1 || !slices.Equal(got[0].Reasons, []string{FlagUnusualIP}) ||
		!strings.Contains(got[0].Description, "geo off") {
		t.Fatalf("without GeoIP: %+v; want UnusualIP saying geo is off", got)
	}
}

func TestLoopbackAndFailureBurstCorroborate(t *testing.T) {
	m := logonMaker{t, geoiptest.DB(t, testNets)}
	at := scoreDay.Add(9 * time.Hour)
	all := office(m, 30)
	for i := range 8 {
		all = append(all, m.logon(at.Add(-time.Duration(i+1)*time.Minute), EventLogonFailed, `CORP\bob`, "81.2.69.77", "SRV1"))
	}
	all = append(all, m.logon(at, EventLogon, `CORP\bob`, "81.2.69.77", "SRV1"),
		m.logon(at, EventLogon, `CORP\alice`, "127.0.0.1", "SRV1"))
	got := New(all, Config{}).Detect(all, scoreDay, scoreDay.AddDate(0, 0, 1))
	byUser := map[string]Anomaly{}
	for _, a := range got {
		byUser[a.User] = a
	}
	if b := byUser[`CORP\bob`]; !slices.Contains(b.Corroborations, CorrFailedBurst) {
		t.Errorf("bob after 8 failures: %+v; want %s", b, CorrFailedBurst)
	}
	if a := byUser[`CORP\alice`]; !slices.Contains(a.Corroborations, CorrLoopback) || a.Score < 90 {
		t.Errorf("alice from loopback: %+v; want %s and score ≥ 90", a, CorrLoopback)
	}
	// Without the burst the same new address in the office /24 is weak.
	quiet := append(office(m, 30), m.logon(at, EventLogon, `CORP\bob`, "81.2.69.77", "SRV1"))
	for _, a := range New(quiet, Config{}).Detect(quiet, scoreDay, scoreDay.AddDate(0, 0, 1)) {
		t.Errorf("new IP in the office /24 without failures raised %+v", a)
	}
}
