package kql

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"wsec/internal/event"
)

// dynJSON renders a dynamic literal's value as JSON text.
func dynJSON(v any) string {
	var b strings.Builder
	writeDynJSON(&b, v)
	return b.String()
}

func writeDynJSON(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		b.Write(event.AppendJSONString(nil, v))
	case DynNumber:
		s := string(v)
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.HasPrefix(s, "0x") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				b.WriteString(strconv.FormatInt(n, 10))
			} else {
				b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			}
		} else if n, err := parseIntLit(s); err == nil {
			b.WriteString(strconv.FormatInt(n, 10))
		} else {
			b.WriteString("null")
		}
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeDynJSON(b, e)
		}
		b.WriteByte(']')
	case *DynObject:
		b.WriteByte('{')
		for i, k := range v.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(event.AppendJSONString(nil, k))
			b.WriteByte(':')
			writeDynJSON(b, v.Vals[i])
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

// dynArrayConsts returns the elements of a JSON array as constants (for in
// and has_any lists); ok is false when the text is not an array of scalars.
func dynArrayConsts(text string) ([]Scalar, bool) {
	var arr []any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&arr); err != nil {
		return nil, false
	}
	out := make([]Scalar, 0, len(arr))
	for _, el := range arr {
		switch el := el.(type) {
		case nil:
			out = append(out, Null(TDynamic))
		case bool:
			out = append(out, constBool(el))
		case string:
			out = append(out, constString(el))
		case json.Number:
			if n, err := el.Int64(); err == nil {
				out = append(out, constLong(n))
			} else if f, err := el.Float64(); err == nil {
				out = append(out, &Const{T: TReal, V: f})
			}
		default:
			b, _ := json.Marshal(el)
			out = append(out, &Const{T: TDynamic, V: Dynamic(b)})
		}
	}
	return out, true
}

// constText renders a constant as KQL's tostring() would.
func constText(k *Const) string {
	switch v := k.V.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case time.Time:
		return FormatDatetime(v)
	case time.Duration:
		return FormatTimespan(v)
	case Dynamic:
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
		return string(v)
	}
	return ""
}

// FormatDatetime renders a datetime as KQL's tostring() does: ISO 8601 UTC,
// with seven fractional digits when there is a fraction
// (2026-01-01T10:00:00Z, 2026-01-01T10:00:00.1234560Z).
func FormatDatetime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format(event.TimeLayout)
}

// FormatTimespan renders a timespan as KQL prints it: [-][d.]hh:mm:ss[.fffffff].
func FormatTimespan(d time.Duration) string {
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	ticks := int64(d / 100)
	days := ticks / (864000000000)
	ticks %= 864000000000
	h := ticks / 36000000000
	ticks %= 36000000000
	m := ticks / 600000000
	ticks %= 600000000
	s := ticks / 10000000
	frac := ticks % 10000000
	if days > 0 {
		b.WriteString(strconv.FormatInt(days, 10))
		b.WriteByte('.')
	}
	pad2 := func(n int64) {
		if n < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	pad2(h)
	b.WriteByte(':')
	pad2(m)
	b.WriteByte(':')
	pad2(s)
	if frac > 0 {
		f := strconv.FormatInt(frac+10000000, 10)[1:]
		b.WriteByte('.')
		b.WriteString(f)
	}
	return b.String()
}
