package rdpsim

import (
	"time"

	"wsec/internal/event"
	"wsec/internal/rdpanomaly"
)

// DemoEvents are RDP logons for wsec demo: five users logging on to the
// jump host from the office every working day of the 28 days before now,
// then, three hours before now, a burst of failed logons on nina's account
// from an address the tenant never saw and her logon from it — an anomaly
// the built-in rule raises. Records are numbered from 1.
func DemoEvents(now time.Time) []*event.Event {
	day := now.UTC().Truncate(24 * time.Hour)
	const office, attacker = "81.2.69.10", "45.83.64.12"
	users := []string{`CONTOSO\nina`, `CONTOSO\omar`, `CONTOSO\paula`, `CONTOSO\quinn`, `CONTOSO\rita`}
	var ls []rdpanomaly.Logon
	for d := 28; d >= 1; d-- {
		at := day.AddDate(0, 0, -d)
		if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for i, u := range users {
			ls = append(ls, rdpanomaly.Logon{Time: at.Add(8*time.Hour + time.Duration(i)*7*time.Minute), EventID: rdpanomaly.EventLogon,
				User: u, IP: office, Computer: "JUMP01.contoso.local"})
		}
	}
	attack := now.UTC().Add(-3 * time.Hour).Truncate(time.Minute)
	for i := range 8 {
		ls = append(ls, rdpanomaly.Logon{Time: attack.Add(-time.Duration(8-i) * time.Minute), EventID: rdpanomaly.EventLogonFailed,
			User: `CONTOSO\nina`, IP: attacker, Computer: "JUMP01.contoso.local"})
	}
	ls = append(ls, rdpanomaly.Logon{Time: attack, EventID: rdpanomaly.EventLogon, User: `CONTOSO\nina`, IP: attacker, Computer: "JUMP01.contoso.local"})
	out := make([]*event.Event, len(ls))
	for i := range ls {
		out[i] = logonEvent(&ls[i], uint64(i+1))
	}
	return out
}
