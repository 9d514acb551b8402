// Package customlog is how Log Analytics' Data Collector API records become
// rows of a custom table (<Log-Type>_CL), independent of the engine storing
// them: which names are acceptable, which column a property lands in and
// with what type, and which time a record is generated at. A property's
// column is named after its value's type suffix, so a property sent once as
// text and once as a number lands in two columns (Name_s, Name_d) instead
// of failing, exactly as in Log Analytics:
//
//	string                → Name_s  (string)
//	number                → Name_d  (real)
//	bool                  → Name_b  (bool)
//	datetime-looking text → Name_t  (datetime)
//	GUID-looking text     → Name_g  (guid)
//
// Table and column names compare case-insensitively, as in Log Analytics.
package customlog

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"wsec/internal/schema"
)

// Limits of a custom table; ingest's limits agree with them, so a record
// refused here was refused with a 4xx there.
const (
	// Suffix ends every custom table's name.
	Suffix = "_CL"
	// MaxNameBytes bounds a table name: a Log-Type of up to 100 characters
	// (Log Analytics' limit) plus Suffix. Longer names are refused with
	// store.ErrInvalidName.
	MaxNameBytes = 100 + len(Suffix)
	// MaxColumns bounds the property columns of one table (Log Analytics
	// allows 500), not counting TimeGenerated and _TimeReceived: a record
	// with as many properties as ingest accepts (500) always fits a new
	// table. A record that would add a column beyond it is refused whole
	// with store.ErrTableFull, so a sender with a typo in a loop cannot
	// grow a table without bound.
	MaxColumns = 500
	// MaxColumnNameBytes bounds a column name: a property name of up to
	// 500 bytes (ingest's limit), the "_<n>" ingest adds to tell apart
	// names that differ in case only, and the type suffix. Longer names
	// are refused with store.ErrInvalidName.
	MaxColumnNameBytes = 512
)

// ValidTable reports whether name is "<Log-Type>_CL" with Log-Type of 1 or
// more letters, digits or underscores, at most MaxNameBytes, and not
// starting with the stores' internal prefix "wsec_" (any case).
func ValidTable(name string) bool {
	if len(name) > MaxNameBytes || !strings.HasSuffix(name, Suffix) || len(name) == len(Suffix) {
		return false
	}
	if strings.HasPrefix(strings.ToLower(name), "wsec_") {
		return false
	}
	return ValidName(name)
}

// ValidName reports whether s is 1 or more letters, digits or underscores.
func ValidName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// Value is a property's column type and its value converted: a string,
// float64, bool or time.Time (UTC). ok is false for nil (left out, as Log
// Analytics does) or an unsupported type.
func Value(v any) (t schema.Type, val any, ok bool) {
	switch x := v.(type) {
	case string:
		if ts, ok := ParseTime(x); ok {
			return schema.DateTime, ts, true
		}
		if guidRE.MatchString(x) {
			return schema.GUID, x, true
		}
		return schema.String, strings.ToValidUTF8(x, string(utf8.RuneError)), true
	case time.Time:
		return schema.DateTime, x.UTC(), true
	case bool:
		return schema.Bool, x, true
	case float64:
		return schema.Real, x, true
	case float32:
		return schema.Real, float64(x), true
	case int:
		return schema.Real, float64(x), true
	case int64:
		return schema.Real, float64(x), true
	case int32:
		return schema.Real, float64(x), true
	}
	return 0, nil, false
}

// Column is the column name of property name with a value of type t.
func Column(name string, t schema.Type) string {
	switch t {
	case schema.DateTime:
		return name + "_t"
	case schema.GUID:
		return name + "_g"
	case schema.Bool:
		return name + "_b"
	case schema.Real:
		return name + "_d"
	}
	return name + "_s"
}

// TypeOf is the type of a column named by Column (string when the name has
// no known suffix).
func TypeOf(column string) schema.Type {
	for _, t := range [...]schema.Type{schema.DateTime, schema.GUID, schema.Bool, schema.Real} {
		if strings.HasSuffix(column, Column("", t)) {
			return t
		}
	}
	return schema.String
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// timeLayouts are the datetime forms Log Analytics recognises in text
// (ISO 8601, with or without zone and fraction).
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// ParseTime reads text in one of the datetime forms, as UTC.
func ParseTime(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05") || len(s) > 40 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// TimeGenerated is a record's "TimeGenerated" (a time.Time, or text in a
// datetime form), else its timeField property, else received.
func TimeGenerated(rec map[string]any, timeField string, received time.Time) time.Time {
	pick := func(v any) (time.Time, bool) {
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), !x.IsZero()
		case string:
			return ParseTime(x)
		}
		return time.Time{}, false
	}
	if t, ok := pick(rec["TimeGenerated"]); ok {
		return t
	}
	if timeField != "" {
		if t, ok := pick(rec[timeField]); ok {
			return t
		}
	}
	return received
}
