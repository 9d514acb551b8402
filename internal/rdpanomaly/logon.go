package rdpanomaly

import (
	"strings"
	"time"

	"wsec/internal/geoip"
)

// Event IDs the detector reads.
const (
	EventLogon       = 4624 // successful logon; LogonType 10 is RDP
	EventLogonFailed = 4625 // failed logon; a burst before a success corroborates
)

// Logon is one RDP logon attempt (LogonType 10) as SecurityEvent holds it.
type Logon struct {
	Time     time.Time
	EventID  int    // EventLogon or EventLogonFailed
	User     string // Account: DOMAIN\user
	IP       string // IpAddress, "-" when none
	Computer string // the destination
	// Count is how many logons the record stands for when the caller
	// summarised identical ones (same hour, user, address, Computer); 0
	// means 1. Presence counts ignore it; an anomaly reports it.
	Count int
	// Geo is the address resolved by geoip.DB.Lookup (at least its class
	// and keys); the caller resolves it once per distinct address.
	Geo geoip.Info
}

// userKey normalises an account for baselines; "" means the logon is left
// out (machine accounts, no account).
func userKey(account string) string {
	a := strings.ToLower(strings.TrimSpace(account))
	if a == "" || a == "-" || strings.HasSuffix(a, "$") {
		return ""
	}
	return a
}

// day numbers UTC days since the Unix epoch.
func day(t time.Time) int32 {
	s := t.Unix()
	d := s / 86400
	if s < 0 && s%86400 != 0 {
		d--
	}
	return int32(d)
}

func dayStart(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }
