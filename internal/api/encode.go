package api

import (
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"

	"wsec/internal/event"
)

// datetimeLayout is how Log Analytics writes datetimes: UTC, up to seven
// fractional digits (100 ns ticks), trailing zeros dropped.
const datetimeLayout = "2006-01-02T15:04:05.9999999Z"

// flushBytes is how much encoded output is buffered before it is written.
const flushBytes = 64 << 10

// resultWriter streams a response: encoded bytes are written out every
// flushBytes, so a large result is not held twice in memory.
type resultWriter struct {
	w   io.Writer
	buf []byte
	err error
	bad int // cells of a type that could not be encoded (sent as null)
}

func (rw *resultWriter) flush(force bool) {
	if rw.err != nil || (!force && len(rw.buf) < flushBytes) {
		return
	}
	_, rw.err = rw.w.Write(rw.buf)
	rw.buf = rw.buf[:0]
}

// table writes {"name":..,"columns":[..],"rows":[..]} with at most maxRows
// rows (all when maxRows < 0).
func (rw *resultWriter) table(t *Table, maxRows int) {
	dst := append(rw.buf, `{"name":`...)
	dst = event.AppendJSONString(dst, t.Name)
	dst = append(dst, `,"columns":[`...)
	for i, c := range t.Columns {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = event.AppendJSONString(dst, c.Name)
		dst = append(dst, `,"type":`...)
		dst = event.AppendJSONString(dst, c.Type)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"rows":[`...)
	rows := t.Rows
	if maxRows >= 0 && len(rows) > maxRows {
		rows = rows[:maxRows]
	}
	for i, r := range rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		for j, v := range r {
			if j > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendCell(dst, v); !ok {
				rw.bad++
			}
		}
		dst = append(dst, ']')
		rw.buf = dst
		rw.flush(false)
		dst = rw.buf
	}
	rw.buf = append(dst, "]}"...)
}

// appendCell appends one value as Log Analytics encodes it.
func appendCell(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return event.AppendJSONString(dst, x), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(dst, x, 10), true
	case float64:
		return appendReal(dst, x), true
	case float32:
		return appendReal(dst, float64(x)), true
	case time.Time: // 0001-01-01 too: KQL's first datetime, not null (nil is)
		dst = append(dst, '"')
		dst = x.UTC().AppendFormat(dst, datetimeLayout)
		return append(dst, '"'), true
	case time.Duration:
		dst = append(dst, '"')
		dst = appendTimespan(dst, x)
		return append(dst, '"'), true
	case json.RawMessage:
		return event.AppendJSONString(dst, string(x)), true
	case []byte:
		return event.AppendJSONString(dst, string(x)), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...), false
	}
	return append(dst, b...), true
}

func appendReal(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// appendTimespan writes d as .NET's TimeSpan "c" format, which Log
// Analytics uses: [-][d.]hh:mm:ss[.fffffff].
func appendTimespan(dst []byte, d time.Duration) []byte {
	ticks := int64(d / 100) // 100 ns
	if ticks < 0 {
		dst = append(dst, '-')
		if ticks == math.MinInt64 {
			ticks = math.MaxInt64
		} else {
			ticks = -ticks
		}
	}
	const perSecond = int64(time.Second / 100)
	frac := ticks % perSecond
	secs := ticks / perSecond
	days := secs / 86400
	secs %= 86400
	if days > 0 {
		dst = strconv.AppendInt(dst, days, 10)
		dst = append(dst, '.')
	}
	dst = append2(dst, secs/3600)
	dst = append(dst, ':')
	dst = append2(dst, secs/60%60)
	dst = append(dst, ':')
	dst = append2(dst, secs%60)
	if frac > 0 {
		dst = append(dst, '.')
		s := strconv.FormatInt(frac, 10)
		for range 7 - len(s) {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	}
	return dst
}

func append2(dst []byte, v int64) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}
