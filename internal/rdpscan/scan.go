package rdpscan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"wsec/internal/api"
	"wsec/internal/geoip"
	"wsec/internal/rdpanomaly"
)

// The queries that read the baseline and the scored period. Successful
// RDP logons are summarised per hour (presence per day and hour is all
// the detector needs); failures per minute for the burst check.
const (
	logonQuery = `SecurityEvent
| where EventID == 4624 and LogonType == 10
| summarize Logons = count(), First = min(TimeGenerated) by Account, IpAddress, Computer, Hour = bin(TimeGenerated, 1h)
| project First, Logons, Account, IpAddress, Computer`
	failureQuery = `SecurityEvent
| where EventID == 4625 and LogonType == 10
| summarize Logons = count(), First = min(TimeGenerated) by Account, IpAddress, Computer, Minute = bin(TimeGenerated, 1m)
| project First, Logons, Account, IpAddress, Computer`
	// maxFailuresPerMinute bounds the failure records one summarised row
	// expands to: the burst check needs DefaultFailBurst of them, not more.
	maxFailuresPerMinute = 2 * rdpanomaly.DefaultFailBurst
)

// Scanner reads RDP logons from a workspace and scores them.
type Scanner struct {
	Querier api.Querier // required
	GeoIP   *geoip.DB   // nil: geo flags off
	// Settings, when set, gives each workspace its own databases (the
	// workspace's GeoIP setting or the server's) instead of GeoIP.
	Settings *geoip.Settings
	Config   rdpanomaly.Config
	Logger   *slog.Logger // nil: no logging
}

// Result is one scan.
type Result struct {
	From, To     time.Time
	BaselineFrom time.Time
	Logons       int // summarised success records read (baseline and period)
	Failures     int // failed logons read
	GeoIP        GeoStatus
	Anomalies    []rdpanomaly.Anomaly
}

// GeoStatus says which GeoIP data the scan used.
type GeoStatus struct {
	City        bool     `json:"city"`
	ASN         bool     `json:"asn"`
	Editions    []string `json:"editions,omitempty"`
	Attribution string   `json:"attribution,omitempty"`
	// LookupErrors counts addresses a damaged database failed to answer.
	LookupErrors int `json:"lookupErrors,omitempty"`
}

// db returns workspace ws's databases.
func (s *Scanner) db(ws string) *geoip.DB {
	if s.Settings != nil {
		return s.Settings.For(ws)
	}
	return s.GeoIP
}

// Status describes the databases of db (nil: none).
func Status(db *geoip.DB) GeoStatus {
	st := GeoStatus{City: db.HasCity(), ASN: db.HasASN()}
	for _, e := range db.Editions() {
		st.Editions = append(st.Editions, e.String())
	}
	if st.City || st.ASN {
		st.Attribution = Attribution
	}
	return st
}

// Attribution is the credit DB-IP's licence (CC BY 4.0) asks for where
// its data is shown.
const Attribution = "IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0; ASN data: RouteViews and DB-IP via ip-location-db"

// Scan scores the RDP logons of workspace ws with from ≤ TimeGenerated <
// to against the WindowDays before each logon's day.
func (s *Scanner) Scan(ctx context.Context, ws string, from, to time.Time) (*Result, error) {
	if !from.Before(to) {
		return nil, fmt.Errorf("scan RDP logons: %w: from %s is not before to %s", ErrBadRange, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	window := s.Config.WindowDays
	if window <= 0 {
		window = rdpanomaly.DefaultWindowDays
	}
	res := &Result{From: from, To: to, BaselineFrom: from.UTC().Truncate(24*time.Hour).AddDate(0, 0, -window)}
	geo := s.db(ws)
	res.GeoIP = Status(geo)
	ok, err := s.read(ctx, ws, logonQuery, res.BaselineFrom, to, rdpanomaly.EventLogon)
	if err != nil {
		return nil, err
	}
	failed, err := s.read(ctx, ws, failureQuery, from.Add(-rdpanomaly.DefaultFailBurstSpan), to, rdpanomaly.EventLogonFailed)
	if err != nil {
		return nil, err
	}
	res.Logons, res.Failures = len(ok), len(failed)
	logons := append(ok, failed...)
	cache := map[string]geoip.Info{}
	for i := range logons {
		l := &logons[i]
		g, seen := cache[l.IP]
		if !seen {
			var err error
			if g, err = geo.Lookup(l.IP); err != nil {
				res.GeoIP.LookupErrors++
				if s.Logger != nil {
					s.Logger.Warn("GeoIP lookup failed; the address is scored without geography", "ip", l.IP, "err", err)
				}
			}
			cache[l.IP] = g
		}
		l.Geo = g
	}
	res.Anomalies = rdpanomaly.New(logons, s.Config).Detect(logons, from, to)
	if res.Anomalies == nil {
		res.Anomalies = []rdpanomaly.Anomaly{}
	}
	return res, nil
}

// read runs one of the queries and turns its rows into logons.
func (s *Scanner) read(ctx context.Context, ws, query string, start, end time.Time, eventID int) ([]rdpanomaly.Logon, error) {
	t, err := s.Querier.Query(ctx, ws, query, start, end)
	if err != nil {
		return nil, fmt.Errorf("read RDP logons: %w", err)
	}
	if t.Partial != "" {
		return nil, fmt.Errorf("read RDP logons %s..%s: %s; scan a shorter range", start.Format(time.DateOnly), end.Format(time.DateOnly), t.Partial)
	}
	col := map[string]int{}
	for i, c := range t.Columns {
		col[c.Name] = i
	}
	for _, name := range []string{"First", "Logons", "Account", "IpAddress", "Computer"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("read RDP logons: the result has no column %s", name)
		}
	}
	var out []rdpanomaly.Logon
	for _, row := range t.Rows {
		at, ok := row[col["First"]].(time.Time)
		if !ok {
			continue
		}
		n := int(toInt(row[col["Logons"]]))
		l := rdpanomaly.Logon{Time: at, EventID: eventID, User: str(row[col["Account"]]),
			IP: str(row[col["IpAddress"]]), Computer: str(row[col["Computer"]]), Count: n}
		if eventID == rdpanomaly.EventLogonFailed {
			l.Count = 0
			for range min(max(n, 1), maxFailuresPerMinute) {
				out = append(out, l)
			}
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func toInt(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case int32:
		return int64(v)
	case int:
		return int64(v)
	case float64:
		return int64(v)
	}
	return 0
}

// ErrBadRange is a from/to the caller must fix.
var ErrBadRange = errors.New("bad time range")
