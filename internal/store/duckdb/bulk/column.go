package bulk

import (
	"fmt"

	"wsec/internal/schema"
)

// Type is a column's DuckDB type, as far as this package writes it.
type Type uint8

const (
	Varchar   Type = iota + 1 // text, valid UTF-8 (JSON columns too)
	Integer                   // int32
	BigInt                    // int64
	UBigInt                   // uint64
	Timestamp                 // microseconds since the Unix epoch, UTC
	Double                    // float64
	Boolean                   // bool
)

func (t Type) String() string {
	switch t {
	case Varchar:
		return "VARCHAR"
	case Integer:
		return "INTEGER"
	case BigInt:
		return "BIGINT"
	case UBigInt:
		return "UBIGINT"
	case Timestamp:
		return "TIMESTAMP"
	case Double:
		return "DOUBLE"
	case Boolean:
		return "BOOLEAN"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Column is the values of one table column, row by row. A row is added as
// null (AddNull) and its value then set (Set*): the setters set the last
// row, so a row's cells may be filled in any column order.
type Column struct {
	typ  Type
	null []bool
	// num holds Integer, BigInt, UBigInt (its bits), Timestamp and Boolean
	// (0 or 1) values; flt Double values.
	num []int64
	flt []float64
	// Varchar: row i is buf[end[i-1]:end[i]] (end[-1] = 0).
	buf []byte
	end []uint32
}

// NewColumn returns an empty column of type t with room for capacity rows.
func NewColumn(t Type, capacity int) *Column {
	c := &Column{typ: t, null: make([]bool, 0, capacity)}
	switch t {
	case Varchar:
		c.end = make([]uint32, 0, capacity)
	case Double:
		c.flt = make([]float64, 0, capacity)
	default:
		c.num = make([]int64, 0, capacity)
	}
	return c
}

// ReserveText makes room for n more bytes of text without reallocating.
func (c *Column) ReserveText(n int) {
	if cap(c.buf)-len(c.buf) < n {
		c.buf = append(make([]byte, 0, len(c.buf)+n), c.buf...)
	}
}

// Type returns the column's type.
func (c *Column) Type() Type { return c.typ }

// Len returns the number of rows.
func (c *Column) Len() int { return len(c.null) }

// AddNull adds a row holding null.
func (c *Column) AddNull() {
	c.null = append(c.null, true)
	switch c.typ {
	case Varchar:
		c.end = append(c.end, uint32(len(c.buf)))
	case Double:
		c.flt = append(c.flt, 0)
	default:
		c.num = append(c.num, 0)
	}
}

// SetInt sets the last row of an Integer, BigInt, UBigInt (as its bits),
// Timestamp (µs) or Boolean (non-zero is true) column.
func (c *Column) SetInt(v int64) {
	i := c.last()
	c.num[i] = v
	c.null[i] = false
}

// SetFloat sets the last row of a Double column.
func (c *Column) SetFloat(v float64) {
	i := c.last()
	c.flt[i] = v
	c.null[i] = false
}

// SetString sets the last row of a Varchar column to s, which must be valid
// UTF-8 of at most 4 GiB.
func (c *Column) SetString(s string) { setText(c, s) }

// SetBytes is SetString for text in a byte slice.
func (c *Column) SetBytes(b []byte) { setText(c, b) }

func setText[T string | []byte](c *Column, s T) {
	i := c.last()
	c.buf = append(c.buf[:c.start(i)], s...)
	c.end[i] = uint32(len(c.buf))
	c.null[i] = false
}

// IsNull reports whether row i is null.
func (c *Column) IsNull(i int) bool { return c.null[i] }

// Int returns row i of a column that SetInt sets.
func (c *Column) Int(i int) int64 { return c.num[i] }

// Float returns row i of a Double column.
func (c *Column) Float(i int) float64 { return c.flt[i] }

// String returns row i of a Varchar column.
func (c *Column) String(i int) string { return string(c.text(i)) }

func (c *Column) text(i int) []byte { return c.buf[c.start(i):c.end[i]] }

func (c *Column) start(i int) uint32 {
	if i == 0 {
		return 0
	}
	return c.end[i-1]
}

func (c *Column) last() int {
	if len(c.null) == 0 {
		panic("BUG: bulk: Set on a column without rows (AddNull first)")
	}
	return len(c.null) - 1
}

// Of is the column type a logical type is stored as: timespans
// as BIGINT nanoseconds (the view makes an INTERVAL), strings, guids and
// dynamic values (JSON text) as VARCHAR.
func Of(t schema.Type) Type {
	switch t {
	case schema.Int:
		return Integer
	case schema.Long, schema.TimeSpan:
		return BigInt
	case schema.Real:
		return Double
	case schema.Bool:
		return Boolean
	case schema.DateTime:
		return Timestamp
	}
	return Varchar
}
