package duckdb

import (
	"database/sql/driver"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"wsec/internal/event"
	"wsec/internal/schema"
)

// rows is a batch of physical rows of one layout, ready for the appender:
// row i is vals[i*width : (i+1)*width].
type rows struct {
	l     *layout
	width int
	vals  []driver.Value
	// keys and days are the identity hash and its UTC day per row (event
	// tables only).
	keys []key
	days []int64
}

func newRows(l *layout, capacity int) *rows {
	r := &rows{l: l, width: len(l.cols)}
	r.vals = make([]driver.Value, 0, capacity*r.width)
	if l.hasKey {
		r.keys = make([]key, 0, capacity)
		r.days = make([]int64, 0, capacity)
	}
	return r
}

func (r *rows) len() int { return len(r.vals) / r.width }

func (r *rows) row(i int) []driver.Value { return r.vals[i*r.width : (i+1)*r.width] }

// next appends an all-null row and returns it.
func (r *rows) next() []driver.Value {
	n := len(r.vals)
	r.vals = append(r.vals, make([]driver.Value, r.width)...)
	return r.vals[n : n+r.width]
}

// encoder turns mapped rows into physical rows of one layout. It keeps
// per-column scratch so that encoding allocates only the values it boxes.
// Not safe for concurrent use: one per goroutine.
type encoder struct {
	l     *layout
	stamp uint32
	// per logical column: the stamp of the row that has a cell for it, and
	// that cell's index; the stamp of the row whose payload had a field of
	// its name (first occurrence only).
	cellStamp, fieldStamp, doneStamp, dupStamp, nullStamp []uint32
	cellIdx                                               []int32
	rest                                                  []byte
	// overflows counts int cells that did not fit the 32-bit int column.
	overflows int
}

func newEncoder(l *layout) *encoder {
	n := len(l.table.Columns)
	return &encoder{l: l, cellStamp: make([]uint32, n), fieldStamp: make([]uint32, n),
		doneStamp: make([]uint32, n), dupStamp: make([]uint32, n), nullStamp: make([]uint32, n),
		cellIdx: make([]int32, n)}
}

// encode appends row (the mapping of e, which may be nil for tables without
// an event) to out. received fills _TimeReceived when the row lacks it.
func (enc *encoder) encode(out *rows, e *event.Event, row *schema.Row, received time.Time) {
	l := enc.l
	enc.stamp++
	if enc.stamp == 0 { // wrapped: clear the stamps so no stale one matches
		clear(enc.cellStamp)
		clear(enc.fieldStamp)
		clear(enc.doneStamp)
		clear(enc.dupStamp)
		clear(enc.nullStamp)
		enc.stamp = 1
	}
	st := enc.stamp
	vals := out.next()
	cols := l.table.Columns
	for ci := range row.Cells {
		c := &row.Cells[ci]
		if c.Col < 0 || c.Col >= len(cols) {
			continue // BUG in the mapper; never index out of range on it
		}
		if p := l.physOf[c.Col]; p >= 0 {
			vals[p] = enc.hotValue(c, cols[c.Col].Type)
			continue
		}
		if l.constant[c.Col] != "" {
			continue // the table determines it (Type, TenantId)
		}
		enc.cellStamp[c.Col] = st
		enc.cellIdx[c.Col] = int32(ci)
	}
	if i, ok := l.table.Col("_TimeReceived"); ok {
		if p := l.physOf[i]; p >= 0 && vals[p] == nil {
			vals[p] = received
		}
	}
	if l.rest < 0 {
		return
	}
	enc.rest = enc.rest[:0]
	if l.extract && e != nil && e.Section != event.SectionUserData && enc.standardEventData(vals) {
		enc.checkExtraction(e, row, st)
	}
	for ci := range row.Cells {
		c := &row.Cells[ci]
		if c.Col < 0 || c.Col >= len(cols) || enc.cellStamp[c.Col] != st || enc.doneStamp[c.Col] == st {
			continue
		}
		enc.doneStamp[c.Col] = st
		enc.restValue(cols[c.Col], c)
	}
	if len(enc.rest) > 0 {
		enc.rest = append(enc.rest, '}')
		vals[l.rest] = string(enc.rest)
	}
}

// standardEventData reports whether the row's EventData is the element form
// the view's extraction reads.
func (enc *encoder) standardEventData(vals []driver.Value) bool {
	s, _ := vals[enc.l.eventData].(string)
	return strings.HasPrefix(s, "<EventData")
}

// checkExtraction walks e's payload: for each cold column a field fills,
// the view's extraction is kept only when it reproduces the mapper's value
// exactly; otherwise the value (or an explicit null) goes to _Rest. Columns
// settled here are marked done. A name that occurs twice is never left to
// extraction (the mapper takes the first field, while the view's text match
// may find a later one when the first is empty).
func (enc *encoder) checkExtraction(e *event.Event, row *schema.Row, st uint32) {
	l := enc.l
	cols := l.table.Columns
	for fi := range e.Data {
		f := &e.Data[fi]
		col, ok := l.table.Col(f.Name)
		if !ok || l.physOf[col] >= 0 || l.constant[col] != "" || !extractable(cols[col].Type) {
			continue
		}
		if enc.fieldStamp[col] == st { // a repeated name
			if enc.dupStamp[col] == st {
				continue
			}
			enc.dupStamp[col] = st
			switch {
			case enc.cellStamp[col] == st:
				enc.doneStamp[col] = 0 // the cell goes to _Rest below
			case enc.nullStamp[col] != st:
				enc.doneStamp[col] = st
				enc.nullStamp[col] = st
				enc.restNull(cols[col].Name)
			}
			continue
		}
		enc.fieldStamp[col] = st
		known, null, s, n := mirror(f.Value, cols[col].Type)
		if enc.cellStamp[col] == st {
			c := &row.Cells[enc.cellIdx[col]]
			if known && !null && ((cols[col].Type == schema.String && c.S == s) || (cols[col].Type == schema.Int && c.I == n)) {
				enc.doneStamp[col] = st // the view reproduces it
			}
			continue // otherwise the cell goes to _Rest below
		}
		if known && null {
			continue // mapper null, extraction null
		}
		enc.doneStamp[col] = st
		enc.nullStamp[col] = st
		enc.restNull(cols[col].Name)
	}
}

// mirror predicts what the view's extraction yields for a payload value of
// a column of type t, given how schema.EventDataXML writes element text (&
// < > escaped, LF written as CRLF, controls and non-XML characters replaced,
// empty values as <Data Name="X" />) and how the view undoes it (unescape,
// CRLF to LF). known is false when the prediction is not certain; the value
// then goes to _Rest.
func mirror(v string, t schema.Type) (known, null bool, s string, n int64) {
	if t == schema.String {
		for i := 0; i < len(v); {
			c := v[i]
			switch {
			case c == '\t' || c == '\n' || (c >= 0x20 && c < utf8.RuneSelf):
				i++
			case c < 0x20: // CR and the controls the rendering replaces
				return false, false, "", 0
			default:
				r, size := utf8.DecodeRuneInString(v[i:])
				if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
					return false, false, "", 0
				}
				i += size
			}
		}
		return true, false, v, 0
	}
	// Int: TRY_CAST(text AS INTEGER). Plain decimal (no sign but '-', no
	// leading zero, at most 9 digits) casts exactly; text without any
	// digit casts to null; anything else is left to _Rest.
	digits := 0
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			digits++
		}
	}
	if digits == 0 {
		return true, true, "", 0
	}
	d := strings.TrimPrefix(v, "-")
	if len(d) == 0 || len(d) > 9 || len(d) != digits || (d[0] == '0' && len(d) > 1) {
		return false, false, "", 0
	}
	x, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false, false, "", 0
	}
	return true, false, "", x
}

// hotValue converts a cell for a physical column.
func (enc *encoder) hotValue(c *schema.Cell, t schema.Type) driver.Value {
	switch t {
	case schema.Int:
		if c.I < math.MinInt32 || c.I > math.MaxInt32 {
			enc.overflows++
			return nil
		}
		return int32(c.I)
	case schema.Long, schema.TimeSpan:
		return c.I
	case schema.Real:
		return c.F
	case schema.Bool:
		return c.I != 0
	case schema.DateTime:
		return time.Unix(0, c.I).UTC()
	}
	return validUTF8(c.S)
}

// restKey starts the next member of the _Rest object.
func (enc *encoder) restKey(name string) {
	if len(enc.rest) == 0 {
		enc.rest = append(enc.rest, '{')
	} else {
		enc.rest = append(enc.rest, ',')
	}
	enc.rest = append(enc.rest, '"')
	enc.rest = append(enc.rest, name...) // identifiers: no escaping needed
	enc.rest = append(enc.rest, '"', ':')
}

func (enc *encoder) restNull(name string) {
	enc.restKey(name)
	enc.rest = append(enc.rest, "null"...)
}

// restValue writes a cell into _Rest in the form restExpr reads back.
func (enc *encoder) restValue(col schema.Column, c *schema.Cell) {
	enc.restKey(col.Name)
	switch col.Type {
	case schema.Int, schema.Long, schema.TimeSpan:
		if col.Type == schema.Int && (c.I < math.MinInt32 || c.I > math.MaxInt32) {
			enc.overflows++
			enc.rest = append(enc.rest, "null"...)
			return
		}
		enc.rest = strconv.AppendInt(enc.rest, c.I, 10)
	case schema.Real:
		if math.IsNaN(c.F) || math.IsInf(c.F, 0) {
			enc.rest = appendJSONString(enc.rest, strconv.FormatFloat(c.F, 'g', -1, 64))
			return
		}
		enc.rest = strconv.AppendFloat(enc.rest, c.F, 'g', -1, 64)
	case schema.Bool:
		enc.rest = strconv.AppendBool(enc.rest, c.I != 0)
	case schema.DateTime:
		enc.rest = append(enc.rest, '"')
		enc.rest = time.Unix(0, c.I).UTC().AppendFormat(enc.rest, "2006-01-02 15:04:05.999999")
		enc.rest = append(enc.rest, '"')
	default:
		enc.rest = appendJSONString(enc.rest, c.S)
	}
}

// validUTF8 returns s with each byte of invalid UTF-8 replaced by U+FFFD
// (as appendJSONString and schema.EventDataXML do): DuckDB refuses invalid
// text.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD so the text always parses.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
