package ingest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// reservedProperties may not appear in a Data Collector record; Azure
// refuses them too ("Reserved properties" in its documentation).
var reservedProperties = [...]string{"tenant", "TimeGenerated", "RawData"}

// validLogType: 1..MaxLogTypeBytes of ASCII letters, digits, underscore.
func validLogType(s string) bool {
	if s == "" || len(s) > MaxLogTypeBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// sanitizeName maps a JSON property name to a column name: every character
// other than an ASCII letter, digit or underscore becomes '_', then leading
// underscores go ("@timestamp" → "timestamp", "log.level" → "log_level").
// Leading underscores are removed so that no client writes a system
// column (_ResourceId, _TimeReceived).
func sanitizeName(k string) string {
	var b strings.Builder
	b.Grow(len(k))
	for _, c := range k {
		if c < 0x80 && isWordByte(byte(c)) {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return strings.TrimLeft(b.String(), "_")
}

// customStats counts what parsing changed.
type customStats struct {
	truncated int // string values cut to MaxPropertyBytes
	dropped   int // properties without a usable name
}

// parseCustomRecords decodes a Data Collector body: a JSON array of flat
// objects, or one object. Each record gets "TimeGenerated" (time.Time,
// UTC) from timeField (the property name as the client sent it) when that
// holds an ISO 8601 time, else received.
func parseCustomRecords(body []byte, timeField string, received time.Time, lim Limits) ([]map[string]any, customStats, *refusal) {
	var st customStats
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, st, badData("empty_body", "the body is empty; send a JSON array of records, e.g. [{\"Field\":\"value\"}]")
	}
	d := json.NewDecoder(bytes.NewReader(trimmed))
	var raw []json.RawMessage
	switch trimmed[0] {
	case '[':
		if err := d.Decode(&raw); err != nil {
			return nil, st, badData("malformed_body", "the body is not valid JSON (%v); send a JSON array of objects", err)
		}
	case '{':
		var one json.RawMessage
		if err := d.Decode(&one); err != nil {
			return nil, st, badData("malformed_body", "the body is not valid JSON (%v); send a JSON array of objects", err)
		}
		raw = []json.RawMessage{one}
	default:
		return nil, st, badData("malformed_body", "the body must be a JSON array of objects or one object; it starts with %q", clip(string(trimmed[:min(len(trimmed), 16)])))
	}
	if d.More() {
		return nil, st, badData("malformed_body", "the body has data after its JSON value; send one array")
	}
	if len(raw) > lim.MaxRecordsPerPost {
		return nil, st, refused(http.StatusRequestEntityTooLarge, codePayloadTooLarge, "too_many_records",
			"the post has %d records, more than the %d allowed; split it", len(raw), lim.MaxRecordsPerPost)
	}
	recs := make([]map[string]any, 0, len(raw))
	for i, rm := range raw {
		rec, ref := customRecord(i, rm, timeField, received, lim, &st)
		if ref != nil {
			return nil, st, ref
		}
		recs = append(recs, rec)
	}
	return recs, st, nil
}

func customRecord(i int, rm json.RawMessage, timeField string, received time.Time, lim Limits, st *customStats) (map[string]any, *refusal) {
	var obj map[string]any
	if err := json.Unmarshal(rm, &obj); err != nil || obj == nil {
		return nil, badData("malformed_body", "record %d is not a JSON object of property: value; each record must be a flat object", i)
	}
	if len(obj) > lim.MaxPropertiesPerRecord {
		return nil, badData("too_many_properties", "record %d has %d properties, more than the %d allowed", i, len(obj), lim.MaxPropertiesPerRecord)
	}
	t := received
	if timeField != "" {
		if s, ok := obj[timeField].(string); ok {
			if pt, ok := parseISOTime(s); ok {
				t = pt
			}
		}
	}
	names, ref := columnNames(i, obj, st)
	if ref != nil {
		return nil, ref
	}
	rec := make(map[string]any, len(obj)+1)
	for k, v := range obj {
		name, ok := names[k]
		if !ok {
			continue
		}
		var s string
		switch x := v.(type) {
		case nil:
			continue
		case float64, bool:
			rec[name] = x
			continue
		case string:
			s = x
		default: // nested object or array: kept as its JSON text
			b, err := json.Marshal(x)
			if err != nil {
				return nil, badData("malformed_body", "record %d: property %q: %v", i, clip(k), err)
			}
			s = string(b)
		}
		if len(s) > lim.MaxPropertyBytes {
			s = truncateUTF8(s, lim.MaxPropertyBytes)
			st.truncated++
		}
		rec[name] = s
	}
	rec["TimeGenerated"] = t.UTC()
	return rec, nil
}

// columnNames maps each property of obj to a column name, unique without
// regard to case (stores such as DuckDB match identifiers that way).
// Names that are valid as sent keep them; a sanitised name that collides
// gets "_2", "_3", ... ("@version" beside "Version" becomes "version_2"),
// so a real client's record is never refused for its names.
func columnNames(i int, obj map[string]any, st *customStats) (map[string]string, *refusal) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if len(k) > MaxPropertyNameBytes {
			return nil, badData("property_name_too_long", "record %d: property name %q is longer than %d bytes", i, clip(k), MaxPropertyNameBytes)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	names := make(map[string]string, len(keys))
	taken := make(map[string]bool, len(keys))
	for pass := 0; pass < 2; pass++ {
		for _, k := range keys {
			name := sanitizeName(k)
			if (name == k) != (pass == 0) {
				continue
			}
			if name == "" {
				st.dropped++
				continue
			}
			for _, r := range reservedProperties {
				if strings.EqualFold(name, r) {
					return nil, badData("reserved_property", "record %d: property %q is reserved (tenant, TimeGenerated, RawData); rename it (use time-generated-field to set TimeGenerated)", i, clip(k))
				}
			}
			base := name
			for n := 2; taken[strings.ToLower(name)]; n++ {
				name = base + "_" + strconv.Itoa(n)
			}
			taken[strings.ToLower(name)] = true
			names[k] = name
		}
	}
	return names, nil
}

func badData(reason, format string, args ...any) *refusal {
	return refused(http.StatusBadRequest, codeInvalidDataFormat, reason, format, args...)
}

// isoLayouts are the ISO 8601 forms accepted in a time-generated-field.
// Without a zone, UTC is assumed.
var isoLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseISOTime(s string) (time.Time, bool) {
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
