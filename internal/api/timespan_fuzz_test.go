package api

import (
	"testing"
	"time"
)

// FuzzParseTimespan: the query timespan comes from the client. Any input
// gives a range or an error, never a panic; a range is non-empty, a
// duration positive and bounded, and a lone duration d is [now-d, now).
func FuzzParseTimespan(f *testing.F) {
	for _, s := range []string{
		"P1D", "PT1H30M", "P1W", "P1DT12H", "PT0.5S", "P1,5D", "pt1h", "P1Y", "P1M", "PT",
		"P1DT", "PT1H1H", "P99999999999999999999D", "PT1e3S", "2026-11-25T00:00:00Z/PT1H",
		"PT1H/2026-11-25T00:00:00Z", "2026-11-25T00:00:00Z/2026-11-26T00:00:00Z", "P1D/P2D", "/", "",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseISODuration(s); err == nil {
			if d <= 0 || d > maxTimespan {
				t.Fatalf("ParseISODuration(%q) = %v, outside (0, %v]", s, d, maxTimespan)
			}
			start, end, err := ParseTimespan(s, now)
			if err != nil || !end.Equal(now) || !start.Equal(now.Add(-d)) {
				t.Fatalf("ParseTimespan(%q) = %v, %v, %v; the duration is %v", s, start, end, err, d)
			}
		}
		start, end, err := ParseTimespan(s, now)
		if err != nil {
			if !start.IsZero() || !end.IsZero() {
				t.Fatalf("ParseTimespan(%q) failed (%v) but returned %v, %v", s, err, start, end)
			}
			return
		}
		if start.IsZero() != end.IsZero() || !start.IsZero() && !start.Before(end) {
			t.Fatalf("ParseTimespan(%q) = [%v, %v): not a range", s, start, end)
		}
	})
}
