package api

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseTimespan reads the "timespan" of a query request as Log Analytics
// takes it, relative to now:
//
//	""                        unbounded (zero start and end)
//	"P1D", "PT1H", "P1DT12H"  the duration up to now
//	"<start>/<end>"           two RFC 3339 times
//	"<start>/<duration>"      from start, for the duration
//	"<duration>/<end>"        the duration up to end
//
// Durations are ISO 8601 with weeks, days, hours, minutes and seconds
// (fractions allowed); years and months are refused because their length
// varies. The range is start ≤ t < end and must not be empty.
func ParseTimespan(s string, now time.Time) (start, end time.Time, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, time.Time{}, nil
	}
	a, b, two := strings.Cut(s, "/")
	switch {
	case !two:
		d, err := ParseISODuration(a)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		start, end = now.Add(-d), now
	case isDuration(a) && isDuration(b):
		return time.Time{}, time.Time{}, fmt.Errorf("timespan %q has two durations; give a start or an end time", s)
	case isDuration(b):
		t, err := parseTime(a)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		d, err := ParseISODuration(b)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		start, end = t, t.Add(d)
	case isDuration(a):
		d, err := ParseISODuration(a)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		t, err := parseTime(b)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		start, end = t.Add(-d), t
	default:
		if start, err = parseTime(a); err != nil {
			return time.Time{}, time.Time{}, err
		}
		if end, err = parseTime(b); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, fmt.Errorf("timespan %q is empty: its start is not before its end", s)
	}
	return start.UTC(), end.UTC(), nil
}

func isDuration(s string) bool { return len(s) > 0 && (s[0] == 'P' || s[0] == 'p') }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timespan time %q is not RFC 3339 like 2026-11-25T00:00:00Z", s)
	}
	return t, nil
}

var errYearMonth = errors.New("years and months have no fixed length; use days (P30D)")

// ParseISODuration reads an ISO 8601 duration: PnW, or
// P[nD][T[nH][nM][nS]], each n a decimal number with an optional fraction.
func ParseISODuration(s string) (time.Duration, error) {
	fail := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("duration %q is not ISO 8601 like P1D or PT1H30M: %s", s, why)
	}
	if !isDuration(s) || len(s) < 3 {
		return fail("want P, then numbers with units")
	}
	rest := s[1:]
	inTime := false
	seen := ""
	var total float64 // nanoseconds; float so fractions of any unit work
	for len(rest) > 0 {
		if rest[0] == 'T' || rest[0] == 't' {
			if inTime {
				return fail("T twice")
			}
			inTime = true
			rest = rest[1:]
			if rest == "" {
				return fail("T without time units")
			}
			continue
		}
		i := 0
		for i < len(rest) && ('0' <= rest[i] && rest[i] <= '9' || rest[i] == '.' || rest[i] == ',') {
			i++
		}
		if i == 0 || i == len(rest) {
			return fail("a number must be followed by a unit")
		}
		num := strings.Replace(rest[:i], ",", ".", 1)
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return fail("bad number " + rest[:i])
		}
		unit := rest[i] | 0x20 // lower case
		rest = rest[i+1:]
		var u time.Duration
		switch {
		case !inTime && unit == 'w':
			u = 7 * 24 * time.Hour
		case !inTime && unit == 'd':
			u = 24 * time.Hour
		case inTime && unit == 'h':
			u = time.Hour
		case inTime && unit == 'm':
			u = time.Minute
		case inTime && unit == 's':
			u = time.Second
		case !inTime && (unit == 'y' || unit == 'm'):
			return 0, fmt.Errorf("duration %q: %w", s, errYearMonth)
		default:
			return fail(fmt.Sprintf("unit %q is not allowed here", string(unit)))
		}
		key := string(unit)
		if inTime {
			key = "T" + key
		}
		if strings.Contains(seen, key+",") {
			return fail("unit " + key + " twice")
		}
		seen += key + ","
		total += v * float64(u)
	}
	if total > float64(maxTimespan) || math.IsNaN(total) {
		return fail("longer than 200 years")
	}
	if total <= 0 {
		return fail("must be positive")
	}
	return time.Duration(math.Round(total)), nil
}
