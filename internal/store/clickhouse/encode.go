package clickhouse

import (
	"encoding/binary"
	"io"
	"math"
	"net"
	"strings"

	"wsec/internal/schema"
)

// blockEncoder writes rows of one logical table as a block of ClickHouse's
// Native format, for INSERT INTO <local> (columns) FORMAT Native.
//
// Native is column by column: each column's values end to end, a Nullable
// column's null map (one byte a row) before its values. The server copies
// such a block into its columns with no parsing, where TabSeparated costs
// it an unescape and a number parse per cell of a table of 200 mostly null
// columns; and an encoder appending to one buffer per column never copies
// the whole batch as a growing row buffer does.
//
// Over HTTP (no protocol revision) a block is: column count and row count
// as varints, then per column its name and type (varint-length strings) and
// its data.
type blockEncoder struct {
	t        *schema.Table
	tenant   string
	received int64 // µs
	timeCol  int   // -1: none; null or absent TimeGenerated is the receive time
	recvCol  int   // the logical _TimeReceived: written from received
	typeCol  int   // -1: none
	tenCol   int

	timeGen, recv, key0, key1 []byte // the physical columns, fixed width
	cols                      []nativeColumn
	cur                       []int // per logical column: index+1 of its cell in the row being encoded
	rows                      int
}

// nativeColumn is one Nullable logical column's null map and values.
type nativeColumn struct {
	nulls []byte
	data  []byte
}

// newBlockEncoder makes an encoder for about rows rows (the fixed-width
// buffers are allocated for that many at once).
func newBlockEncoder(t *schema.Table, tenant string, receivedMicros int64, rows int) *blockEncoder {
	e := &blockEncoder{t: t, tenant: tenant, received: receivedMicros, timeCol: -1, recvCol: -1, typeCol: -1, tenCol: -1,
		cols: make([]nativeColumn, len(t.Columns)), cur: make([]int, len(t.Columns))}
	e.timeGen, e.recv, e.key0, e.key1 = make([]byte, 0, 8*rows), make([]byte, 0, 8*rows), make([]byte, 0, 8*rows), make([]byte, 0, 8*rows)
	for i, c := range t.Columns {
		e.cols[i].nulls = make([]byte, 0, rows)
		switch c.Type {
		case schema.String, schema.Dynamic, schema.GUID, schema.Bool:
			e.cols[i].data = make([]byte, 0, rows)
		default:
			e.cols[i].data = make([]byte, 0, 8*rows)
		}
		switch c.Name {
		case "TimeGenerated":
			e.timeCol = i
		case colReceived:
			e.recvCol = i
		case "Type":
			e.typeCol = i
		case "TenantId":
			e.tenCol = i
		}
	}
	return e
}

// logical reports whether column i is stored as its own Nullable column
// (TimeGenerated and _TimeReceived are physical Int64 columns).
func (e *blockEncoder) logical(i int) bool { return i != e.timeCol && i != e.recvCol }

// insertSQL is the INSERT statement the block is the body of.
func (e *blockEncoder) insertSQL(db, table string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + quoteIdent(db) + "." + quoteIdent(table) + " (`TimeGenerated`, `" + colReceived + "`, `" + colKey0 + "`, `" + colKey1 + "`")
	for i, c := range e.t.Columns {
		if e.logical(i) {
			b.WriteString(", " + quoteIdent(c.Name))
		}
	}
	b.WriteString(") FORMAT Native")
	return b.String()
}

// row appends r with identity key.
func (e *blockEncoder) row(r *schema.Row, key [2]uint64) {
	for i, c := range r.Cells {
		e.cur[c.Col] = i + 1 // a column set twice keeps its last value
	}
	tg := e.received
	if e.timeCol >= 0 {
		if ci := e.cur[e.timeCol]; ci > 0 {
			tg = schema.TicksMicros(r.Cells[ci-1].I)
		}
	}
	e.timeGen = binary.LittleEndian.AppendUint64(e.timeGen, uint64(tg))
	e.recv = binary.LittleEndian.AppendUint64(e.recv, uint64(e.received))
	e.key0 = binary.LittleEndian.AppendUint64(e.key0, key[0])
	e.key1 = binary.LittleEndian.AppendUint64(e.key1, key[1])
	for i := range e.cols {
		ci := e.cur[i]
		e.cur[i] = 0
		if !e.logical(i) {
			continue
		}
		col := &e.cols[i]
		typ := e.t.Columns[i].Type
		if ci == 0 {
			switch i {
			case e.typeCol:
				col.nulls = append(col.nulls, 0)
				col.data = appendNativeString(col.data, e.t.Name)
			case e.tenCol:
				col.nulls = append(col.nulls, 0)
				col.data = appendNativeString(col.data, e.tenant)
			default:
				col.nulls = append(col.nulls, 1)
				col.data = appendNativeZero(col.data, typ)
			}
			continue
		}
		c := &r.Cells[ci-1]
		col.nulls = append(col.nulls, 0)
		switch typ {
		case schema.String, schema.Dynamic, schema.GUID:
			col.data = appendNativeString(col.data, c.S)
		case schema.DateTime:
			col.data = binary.LittleEndian.AppendUint64(col.data, uint64(schema.TicksMicros(c.I)))
		case schema.TimeSpan:
			col.data = binary.LittleEndian.AppendUint64(col.data, uint64(c.I/10))
		case schema.Real:
			col.data = binary.LittleEndian.AppendUint64(col.data, math.Float64bits(c.F))
		case schema.Bool:
			col.data = append(col.data, byte(c.I))
		default:
			col.data = binary.LittleEndian.AppendUint64(col.data, uint64(c.I))
		}
	}
	e.rows++
}

// body is the Native block of the rows encoded so far: a reader over the
// column buffers, not a copy of them.
func (e *blockEncoder) body() io.Reader {
	var parts [][]byte
	head := binary.AppendUvarint(nil, uint64(4+len(e.cols)-e.skipped()))
	head = binary.AppendUvarint(head, uint64(e.rows))
	fixed := func(name, typ string, data []byte) {
		head = appendNativeString(appendNativeString(head, name), typ)
		parts = append(parts, head, data)
		head = nil
	}
	fixed("TimeGenerated", "Int64", e.timeGen)
	fixed(colReceived, "Int64", e.recv)
	fixed(colKey0, "UInt64", e.key0)
	fixed(colKey1, "UInt64", e.key1)
	for i, c := range e.t.Columns {
		if !e.logical(i) {
			continue
		}
		head = appendNativeString(appendNativeString(nil, c.Name), physType(c.Type))
		parts = append(parts, head, e.cols[i].nulls, e.cols[i].data)
	}
	bufs := net.Buffers(parts)
	return &bufs
}

// skipped is the number of logical columns that are not Nullable columns
// of their own.
func (e *blockEncoder) skipped() int {
	n := 0
	for i := range e.t.Columns {
		if !e.logical(i) {
			n++
		}
	}
	return n
}

func appendNativeString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendNativeZero appends the value a null cell of type typ holds under
// its null map.
func appendNativeZero(b []byte, typ schema.Type) []byte {
	switch typ {
	case schema.String, schema.Dynamic, schema.GUID:
		return append(b, 0)
	case schema.Bool:
		return append(b, 0)
	}
	return append(b, 0, 0, 0, 0, 0, 0, 0, 0)
}
