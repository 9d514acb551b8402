package eventxml

import (
	"errors"
	"time"
)

// errTimeFormat is returned for a SystemTime of the wrong shape.
var errTimeFormat = errors.New("want YYYY-MM-DDThh:mm:ss[.fffffff][Z|±hh:mm]")

// parseSystemTime parses TimeCreated/@SystemTime in the forms seen in the
// wild and returns it in UTC truncated to Windows' 100 ns tick:
//
//	2021-10-20T13:39:12.7319042Z     Windows (wevtutil, Get-WinEvent): 7 digits
//	2021-10-20T13:39:12.731904200Z   evtxexport: 9 digits
//	2021-10-20T13:39:12.731Z         fewer digits, or none
//	2021-10-20T13:39:12.7319042      no zone: UTC, as SystemTime always is
//	2021-10-20 13:39:12.731903       python-evtx: space, no zone
//	2021-10-20T15:39:12.7319042+02:00  explicit offset, converted to UTC
//
// Surrounding ASCII whitespace is ignored; "" means absent (zero time).
func parseSystemTime(b []byte) (time.Time, error) {
	b = trimSpace(b)
	if len(b) == 0 {
		return time.Time{}, nil
	}
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') ||
		b[13] != ':' || b[16] != ':' {
		return time.Time{}, errTimeFormat
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return time.Time{}, errTimeFormat
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, errors.New("date or time out of range")
	}
	rest := b[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		frac := rest[1:n]
		if len(frac) == 0 || len(frac) > 9 {
			return time.Time{}, errors.New("want 1 to 9 fractional digits")
		}
		for i := range 9 {
			nsec *= 10
			if i < len(frac) {
				nsec += int(frac[i] - '0')
			}
		}
		rest = rest[n:]
	}
	offset := 0
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := digits(rest[1:3])
		om, okm := digits(rest[4:6])
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, errTimeFormat
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, errTimeFormat
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec-nsec%100, time.UTC)
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	return t, nil
}

// digits parses a short run of ASCII digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
