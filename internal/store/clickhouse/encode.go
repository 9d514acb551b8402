package clickhouse

import (
	"strconv"
	"strings"

	"wsec/internal/schema"
)

// rowEncoder writes rows of one logical table as TabSeparated for
// INSERT INTO <local> (columns) FORMAT TabSeparated.
type rowEncoder struct {
	t        *schema.Table
	tenant   string
	received int64 // µs
	timeCol  int
	recvCol  int // the logical _TimeReceived: written from received
	typeCol  int // -1: none
	tenCol   int
	vals     [][]byte // per logical column of the row being encoded; nil: null
	buf      []byte
	rows     int
}

func newRowEncoder(t *schema.Table, tenant string, receivedMicros int64) *rowEncoder {
	e := &rowEncoder{t: t, tenant: tenant, received: receivedMicros, timeCol: -1, recvCol: -1, typeCol: -1, tenCol: -1, vals: make([][]byte, len(t.Columns))}
	for i, c := range t.Columns {
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

// columns is the INSERT column list.
func (e *rowEncoder) insertSQL(db, table string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + quoteIdent(db) + "." + quoteIdent(table) + " (`TimeGenerated`, `" + colReceived + "`, `" + colKey0 + "`, `" + colKey1 + "`")
	for i, c := range e.t.Columns {
		if i != e.timeCol && i != e.recvCol {
			b.WriteString(", " + quoteIdent(c.Name))
		}
	}
	b.WriteString(") FORMAT TabSeparated")
	return b.String()
}

// row appends r with identity key.
func (e *rowEncoder) row(r *schema.Row, key [2]uint64) {
	for i := range e.vals {
		e.vals[i] = nil
	}
	var scratch []byte
	for _, c := range r.Cells {
		start := len(scratch)
		switch e.t.Columns[c.Col].Type {
		case schema.String, schema.Dynamic, schema.GUID:
			scratch = appendTSVString(scratch, c.S)
		case schema.DateTime:
			scratch = strconv.AppendInt(scratch, schema.TicksMicros(c.I), 10)
		case schema.TimeSpan:
			scratch = strconv.AppendInt(scratch, c.I/10, 10)
		case schema.Real:
			scratch = appendTSVFloat(scratch, c.F)
		default:
			scratch = strconv.AppendInt(scratch, c.I, 10)
		}
		e.vals[c.Col] = scratch[start:len(scratch):len(scratch)]
	}
	if e.typeCol >= 0 && e.vals[e.typeCol] == nil {
		e.vals[e.typeCol] = appendTSVString(nil, e.t.Name)
	}
	if e.tenCol >= 0 && e.vals[e.tenCol] == nil {
		e.vals[e.tenCol] = appendTSVString(nil, e.tenant)
	}
	b := e.buf
	if e.timeCol >= 0 && e.vals[e.timeCol] != nil {
		b = append(b, e.vals[e.timeCol]...)
	} else {
		b = strconv.AppendInt(b, e.received, 10)
	}
	b = append(b, '\t')
	b = strconv.AppendInt(b, e.received, 10)
	b = append(b, '\t')
	b = strconv.AppendUint(b, key[0], 10)
	b = append(b, '\t')
	b = strconv.AppendUint(b, key[1], 10)
	for i, v := range e.vals {
		if i == e.timeCol || i == e.recvCol {
			continue
		}
		b = append(b, '\t')
		if v == nil {
			b = append(b, `\N`...)
		} else {
			b = append(b, v...)
		}
	}
	e.buf = append(b, '\n')
	e.rows++
}
