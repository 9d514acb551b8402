package rdpanomaly

import (
	"strings"
	"testing"
	"time"

	"wsec/internal/geoip"
)

// FuzzDetect: logons with arbitrary accounts, addresses and computers (an
// event log is untrusted input) are scored without a panic, and every
// anomaly carries a flag, a score in 0..100 and a description.
func FuzzDetect(f *testing.F) {
	f.Add(`CORP\alice`, "81.2.69.10", "SRV1", `CORP\alice`, "178.62.1.2", uint8(3))
	f.Add(`-`, "-", "", `X$`, "::ffff:10.0.0.1", uint8(0))
	f.Add(`a\b`, "fe80::1%3", "h", `A\B`, "2001:db8::1", uint8(200))
	f.Fuzz(func(t *testing.T, user, ip, computer, user2, ip2 string, hour uint8) {
		var ls []Logon
		for d := 20; d >= 1; d-- {
			at := scoreDay.AddDate(0, 0, -d).Add(time.Duration(hour%24) * time.Hour)
			g, _ := (*geoip.DB)(nil).Lookup(ip)
			ls = append(ls, Logon{Time: at, EventID: EventLogon, User: user, IP: ip, Computer: computer, Geo: g})
		}
		g, _ := (*geoip.DB)(nil).Lookup(ip2)
		ls = append(ls, Logon{Time: scoreDay.Add(time.Hour), EventID: EventLogon, User: user2, IP: ip2, Computer: computer, Geo: g},
			Logon{Time: scoreDay, EventID: EventLogonFailed, User: user2, IP: ip2, Geo: g})
		for _, a := range New(ls, Config{}).Detect(ls, scoreDay, scoreDay.AddDate(0, 0, 1)) {
			if len(a.Reasons) == 0 || a.Score < 0 || a.Score > 100 || !strings.Contains(a.Description, "baseline") {
				t.Fatalf("bad anomaly %+v", a)
			}
		}
	})
}
