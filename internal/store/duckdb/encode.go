package duckdb

import (
	"database/sql/driver"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/store/duckdb/bulk"
)

// rows is a batch of physical rows of one layout, column by column as the
// bulk appender takes them.
type rows struct {
	l    *layout
	n    int
	cols []*bulk.Column // one per physical column
	// keys and times are the identity hash and TimeCreated in Unix µs per
	// row (event tables only).
	keys  []key
	times []int64
	// terms holds the term hashes of the rows' payloads when the layout
	// has a term index.
	terms *termSet
}

// Text bytes reserved per row (typical sizes, so that most batches never
// grow a buffer): a hot string, and _Vals.
const (
	hotTextPerRow  = 32
	valsTextPerRow = 512
)

func newRows(l *layout, capacity int) *rows {
	r := &rows{l: l, cols: make([]*bulk.Column, len(l.cols))}
	for i, c := range l.cols {
		r.cols[i] = bulk.NewColumn(bulk.Of(c.typ), capacity)
		switch {
		case i == l.vals:
			r.cols[i].ReserveText(capacity * valsTextPerRow)
		case r.cols[i].Type() == bulk.Varchar:
			r.cols[i].ReserveText(capacity * hotTextPerRow)
		}
	}
	if l.terms != "" {
		r.terms = newTermSet()
	}
	if l.hasKey {
		r.keys = make([]key, 0, capacity)
		r.times = make([]int64, 0, capacity)
	}
	return r
}

func (r *rows) len() int { return r.n }

// next adds an all-null row, which the column setters then fill.
func (r *rows) next() {
	for _, c := range r.cols {
		c.AddNull()
	}
	r.n++
}

// driverRow returns row i as duckdb-go's appender takes it.
func (r *rows) driverRow(i int) []driver.Value {
	out := make([]driver.Value, len(r.cols))
	for ci, c := range r.cols {
		if c.IsNull(i) {
			continue
		}
		switch c.Type() {
		case bulk.Varchar:
			out[ci] = c.String(i)
		case bulk.Integer:
			out[ci] = int32(c.Int(i))
		case bulk.Timestamp:
			out[ci] = time.UnixMicro(c.Int(i)).UTC()
		case bulk.Double:
			out[ci] = c.Float(i)
		case bulk.Boolean:
			out[ci] = c.Int(i) != 0
		default:
			out[ci] = c.Int(i)
		}
	}
	return out
}

// micros converts Unix nanoseconds to DuckDB's TIMESTAMP microseconds,
// rounding down as time.Time.UnixMicro does.
func micros(ns int64) int64 {
	us := ns / 1000
	if ns%1000 < 0 {
		us--
	}
	return us
}

// encoder turns mapped rows into physical rows of one layout. It keeps
// per-column scratch so that encoding allocates only the values it boxes
// and the row's _Vals text. Not safe for concurrent use: one per goroutine.
type encoder struct {
	l   *layout
	reg *templates
	// per logical column: the stamp of the row that has a cell for it (and
	// the cell's index), of the row whose payload had a field of its name,
	// of the row in which it is settled (the view reproduces it).
	stamp                            uint32
	cellStamp, fieldStamp, doneStamp []uint32
	cellIdx                          []int32
	// per logical column: the stamp of the row with a hot cell for it, and
	// the cell's index (shared columns)
	hotStamp []uint32
	hotIdx   []int32
	// share, per payload field of the row: its value is the shared
	// column's (the token "^")
	share           []bool
	tplConst        []bool // per logical column: templateConstCols
	extras          []extra
	key             templateKey
	vals, out, text []byte
	clean           event.Event // payload with valid UTF-8, when e's is not
	// overflows counts int cells that did not fit the 32-bit int column.
	overflows int
}

// extra is a cold value the row (or its template) must carry: a cell, or an
// explicit null that overrides what the payload would give.
type extra struct {
	col  int
	cell *schema.Cell // nil: null
}

func newEncoder(l *layout, reg *templates) *encoder {
	n := len(l.table.Columns)
	enc := &encoder{l: l, reg: reg, cellStamp: make([]uint32, n), fieldStamp: make([]uint32, n),
		doneStamp: make([]uint32, n), cellIdx: make([]int32, n), tplConst: make([]bool, n),
		hotStamp: make([]uint32, n), hotIdx: make([]int32, n)}
	for i, c := range l.table.Columns {
		enc.tplConst[i] = templateConstCols[c.Name]
	}
	return enc
}

// encode appends row (the mapping of e, which may be nil for tables without
// an event) to out. received (Unix ns) fills _TimeReceived when the row
// lacks it.
func (enc *encoder) encode(out *rows, e *event.Event, row *schema.Row, received int64) {
	l := enc.l
	enc.stamp++
	if enc.stamp == 0 { // wrapped: clear the stamps so no stale one matches
		clear(enc.cellStamp)
		clear(enc.fieldStamp)
		clear(enc.doneStamp)
		clear(enc.hotStamp)
		enc.stamp = 1
	}
	st := enc.stamp
	out.next()
	cols := l.table.Columns
	for ci := range row.Cells {
		c := &row.Cells[ci]
		if c.Col < 0 || c.Col >= len(cols) {
			continue // BUG in the mapper; never index out of range on it
		}
		if p := l.physOf[c.Col]; p >= 0 {
			enc.setHot(out.cols[p], c, cols[c.Col].Type)
			enc.hotStamp[c.Col] = st
			enc.hotIdx[c.Col] = int32(ci)
			continue
		}
		if l.constant[c.Col] != "" {
			continue // the table determines it (Type, TenantId)
		}
		enc.cellStamp[c.Col] = st
		enc.cellIdx[c.Col] = int32(ci)
	}
	if l.received >= 0 && out.cols[l.received].IsNull(out.n-1) {
		out.cols[l.received].SetInt(micros(received))
	}
	if l.vals < 0 {
		return
	}
	p := enc.payload(e)
	if out.terms != nil {
		out.terms.addEvent(p)
	}
	if p != nil {
		enc.checkPayload(p, row, st)
	}
	// Every cold cell the payload does not reproduce is an extra.
	for ci := range row.Cells {
		c := &row.Cells[ci]
		if c.Col < 0 || c.Col >= len(cols) || enc.cellStamp[c.Col] != st || enc.doneStamp[c.Col] == st {
			continue
		}
		enc.doneStamp[c.Col] = st
		enc.extras = append(enc.extras, extra{col: c.Col, cell: c})
	}
	out.cols[l.vals].SetBytes(enc.valsText(p))
	enc.extras = enc.extras[:0]
}

// payload returns the event whose payload the row keeps (values with valid
// UTF-8), or nil when the layout keeps none.
func (enc *encoder) payload(e *event.Event) *event.Event {
	if !enc.l.keepPayload || e == nil {
		return nil
	}
	// Windows event payloads are nearly always ASCII, which one pass of
	// word-wide ORs proves for all strings at once.
	high := highBits(e.Binary) | highBits(e.UserDataName) | highBits(e.UserDataNS)
	for i := range e.Data {
		high |= highBits(e.Data[i].Name) | highBits(e.Data[i].Value)
	}
	if high&asciiMask == 0 {
		return e
	}
	clean := true
	for i := range e.Data {
		if !utf8.ValidString(e.Data[i].Value) || !utf8.ValidString(e.Data[i].Name) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(e.Binary) && utf8.ValidString(e.UserDataName) && utf8.ValidString(e.UserDataNS) {
		return e
	}
	c := &enc.clean
	c.Section, c.UserDataName, c.UserDataNS, c.Binary = e.Section, validUTF8(e.UserDataName), validUTF8(e.UserDataNS), validUTF8(e.Binary)
	c.Data = c.Data[:0]
	for _, f := range e.Data {
		c.Data = append(c.Data, event.Field{Name: validUTF8(f.Name), Value: validUTF8(f.Value)})
	}
	return c
}

// checkPayload settles the cold columns the kept payload reproduces: the
// rendered EventData, and each column a payload field of its name fills
// (first occurrence, as the mapper). A column whose field would give a
// value the mapper did not set gets an explicit null.
func (enc *encoder) checkPayload(p *event.Event, row *schema.Row, st uint32) {
	l := enc.l
	cols := l.table.Columns
	if pc := l.payloadCol; pc >= 0 {
		// The view renders EventData from the kept payload with
		// schema.EventDataXML, which is what the mapper's EventData is
		// (schema's contract; the store maps with MapKeepingPayload, so
		// the row has no text to compare).
		enc.doneStamp[pc] = st
	}
	enc.share = slices.Grow(enc.share[:0], len(p.Data))[:len(p.Data)]
	clear(enc.share)
	for fi := range p.Data {
		f := &p.Data[fi]
		col, ok := l.table.Col(f.Name)
		if !ok {
			continue
		}
		if l.shared[col] && enc.hotStamp[col] == st {
			enc.share[fi] = enc.sameAsHot(f.Value, &row.Cells[enc.hotIdx[col]], cols[col].Type)
			continue
		}
		if col == l.payloadCol || l.physOf[col] >= 0 || l.constant[col] != "" || enc.fieldStamp[col] == st {
			continue
		}
		enc.fieldStamp[col] = st
		t := cols[col].Type
		known, null, n := mirror(f.Value, t)
		if enc.cellStamp[col] == st {
			c := &row.Cells[enc.cellIdx[col]]
			if known && !null && ((t == schema.String && (c.S == f.Value || validUTF8(c.S) == f.Value)) || (t == schema.Int && c.I == n)) {
				enc.doneStamp[col] = st // the view reproduces it
			}
			continue // otherwise the cell becomes an extra
		}
		if known && null {
			continue // mapper null, view null
		}
		enc.doneStamp[col] = st
		enc.extras = append(enc.extras, extra{col: col})
	}
}

// sameAsHot reports whether payload value v reads back from the physical
// column holding cell c, cast to text, as v.
func (enc *encoder) sameAsHot(v string, c *schema.Cell, t schema.Type) bool {
	switch t {
	case schema.String:
		return c.S == v || validUTF8(c.S) == v
	case schema.Int:
		if c.I < math.MinInt32 || c.I > math.MaxInt32 {
			return false
		}
		enc.text = strconv.AppendInt(enc.text[:0], c.I, 10)
		return string(enc.text) == v
	}
	return false
}

// mirror predicts what the view gives for a payload value v of a column of
// type t (after the view's cast): known is false when it cannot be sure, and
// the value then travels as an extra. Strings come back as stored (v is
// valid UTF-8 here). Ints go through TRY_CAST(v AS INTEGER): plain decimal
// (no sign but '-', no leading zero, at most 9 digits) casts exactly, text
// without a digit casts to null, anything else is left to an extra.
func mirror(v string, t schema.Type) (known, null bool, n int64) {
	switch t {
	case schema.String:
		return true, false, 0
	case schema.Int:
	default:
		return false, false, 0
	}
	digits := 0
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			digits++
		}
	}
	if digits == 0 {
		return true, true, 0
	}
	d := strings.TrimPrefix(v, "-")
	if len(d) == 0 || len(d) > 9 || len(d) != digits || (d[0] == '0' && len(d) > 1) {
		return false, false, 0
	}
	x, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false, false, 0
	}
	return true, false, x
}

// valsText builds the row's _Vals: the template (payload shape, constant
// extras, extra columns) is looked up or added, and the row keeps the
// values. The text is valid until the next call.
func (enc *encoder) valsText(p *event.Event) []byte {
	cols := enc.l.table.Columns
	sortExtras(enc.extras)
	k := &enc.key
	k.reset()
	enc.vals = enc.vals[:0]
	if p != nil {
		k.num(int(p.Section))
		k.str(p.UserDataName)
		k.str(p.UserDataNS)
		k.num(btoi(p.Binary != ""))
		k.num(len(p.Data))
		for i := range p.Data {
			k.str(p.Data[i].Name)
			if enc.share[i] {
				enc.vals = append(enc.vals, sharedToken)
			} else {
				enc.vals = appendVal(enc.vals, p.Data[i].Value)
			}
		}
		if p.Binary != "" {
			enc.vals = appendVal(enc.vals, p.Binary)
		}
	} else {
		k.num(0)
		k.str("")
		k.str("")
		k.num(0)
		k.num(0)
	}
	nconst := 0
	for _, x := range enc.extras {
		if enc.tplConst[x.col] {
			nconst++
		}
	}
	k.num(nconst)
	text := enc.text
	for _, x := range enc.extras {
		if !enc.tplConst[x.col] {
			continue
		}
		k.str(cols[x.col].Name)
		if x.cell == nil {
			k.null()
			continue
		}
		text = enc.extraText(text[:0], cols[x.col], x.cell)
		k.b = appendLenString(k.b, text)
	}
	k.num(len(enc.extras) - nconst)
	for _, x := range enc.extras {
		if enc.tplConst[x.col] {
			continue
		}
		k.str(cols[x.col].Name)
		if x.cell == nil {
			enc.vals = appendNull(enc.vals)
			continue
		}
		text = enc.extraText(text[:0], cols[x.col], x.cell)
		enc.vals = appendVal(enc.vals, text)
	}
	enc.text = text
	t := enc.reg.get(k.b)
	enc.out = appendValsHeader(enc.out[:0], t, k.b)
	enc.out = append(enc.out, enc.vals...)
	return enc.out
}

// sortExtras orders extras by column (few elements: insertion sort), so that
// equal shapes give equal template definitions.
func sortExtras(x []extra) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j].col < x[j-1].col; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}

// extraText writes a cell as the text the view casts back (restExpr).
func (enc *encoder) extraText(b []byte, col schema.Column, c *schema.Cell) []byte {
	switch col.Type {
	case schema.Int, schema.Long, schema.TimeSpan:
		if col.Type == schema.Int && (c.I < math.MinInt32 || c.I > math.MaxInt32) {
			enc.overflows++
			return b // empty text casts to null
		}
		return strconv.AppendInt(b, c.I, 10)
	case schema.Real:
		switch {
		case math.IsNaN(c.F):
			return append(b, "nan"...)
		case math.IsInf(c.F, 1):
			return append(b, "inf"...)
		case math.IsInf(c.F, -1):
			return append(b, "-inf"...)
		}
		return strconv.AppendFloat(b, c.F, 'g', -1, 64)
	case schema.Bool:
		return strconv.AppendBool(b, c.I != 0)
	case schema.DateTime:
		return schema.TicksTime(c.I).AppendFormat(b, "2006-01-02 15:04:05.999999")
	}
	return append(b, validUTF8(c.S)...)
}

// setHot sets a cell of a physical column (the last row of c).
func (enc *encoder) setHot(c *bulk.Column, cell *schema.Cell, t schema.Type) {
	switch t {
	case schema.Int:
		if cell.I < math.MinInt32 || cell.I > math.MaxInt32 {
			enc.overflows++
			return // null
		}
		c.SetInt(cell.I)
	case schema.Long, schema.TimeSpan, schema.Bool:
		c.SetInt(cell.I)
	case schema.Real:
		c.SetFloat(cell.F)
	case schema.DateTime:
		c.SetInt(schema.TicksMicros(cell.I))
	default:
		c.SetString(validUTF8(cell.S))
	}
}

// asciiMask selects the high bit of each byte of a word: a string whose
// highBits has none set is ASCII, hence valid UTF-8.
const asciiMask = 0x8080808080808080

// highBits ORs s together a word at a time: cheaper per call than
// utf8.ValidString, which matters for the dozens of short strings of a row.
func highBits(s string) uint64 {
	var acc uint64
	for len(s) >= 8 {
		acc |= binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8))
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		acc |= uint64(s[i])
	}
	return acc
}

// validUTF8 returns s with each byte of invalid UTF-8 replaced by U+FFFD
// (as schema.EventDataXML does): DuckDB refuses invalid
// text.
func validUTF8(s string) string {
	if highBits(s)&asciiMask == 0 || utf8.ValidString(s) {
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
