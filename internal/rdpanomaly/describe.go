package rdpanomaly

import (
	"fmt"
	"strings"
	"time"

	"wsec/internal/geoip"
)

// describe writes the anomaly's explanation: for every rare level, most
// general first, the user's and the tenant's presence counts; the user's
// usual countries; what corroborated; the baseline and the GeoIP data.
func describe(a *Anomaly) string {
	var parts []string
	for _, e := range a.Levels {
		if !e.Rare {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s: user %d of %d active days, tenant %d of %d",
			e.Level, e.Value, e.UserDays, e.UserActiveDays, e.TenantDays, e.TenantActiveDays))
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("IP %s (%s): no level rare for the user", a.SourceIP, a.Class))
	}
	if len(a.Usual) > 0 {
		usual := make([]string, len(a.Usual))
		for i, u := range a.Usual {
			usual[i] = fmt.Sprintf("%s %d d", u.Value, u.Days)
		}
		parts = append(parts, "usual: "+strings.Join(usual, ", "))
	}
	if len(a.Corroborations) > 0 {
		parts = append(parts, "corroborated by "+strings.Join(a.Corroborations, ", "))
	}
	if a.Logons > 1 {
		parts = append(parts, fmt.Sprintf("%d logons to %s", a.Logons, strings.Join(a.Destinations, ", ")))
	}
	if a.LowConfidence {
		parts = append(parts, "low confidence: few active days for the user")
	}
	parts = append(parts, fmt.Sprintf("baseline %s..%s", a.BaselineFrom.Format(time.DateOnly),
		a.BaselineTo.Add(-time.Nanosecond).Format(time.DateOnly)))
	switch {
	case a.GeoDB != "":
		parts = append(parts, "GeoIP "+a.GeoDB)
	case a.Class == geoip.Public.String():
		parts = append(parts, "geo off (no GeoIP database answered)")
	}
	return strings.Join(parts, "; ")
}
