package schema

import (
	"encoding/json"
	"time"
)

// Filler sets the cells of a row of table T by column name: the way the
// detection tables (SecurityAlert, SecurityIncident, Anomalies), mapped by
// hand rather than from events, are written. An unknown column name is a
// programming error (Table.MustCol panics).
type Filler struct {
	T *Table
	R *Row
}

// String sets col to v, unless v is empty (the column stays null).
func (f Filler) String(col, v string) {
	if v != "" {
		f.R.SetString(f.T.MustCol(col), v)
	}
}

// Time sets col to v, unless v is zero.
func (f Filler) Time(col string, v time.Time) {
	if !v.IsZero() {
		f.R.SetTime(f.T.MustCol(col), v)
	}
}

// JSON sets dynamic column col to v as JSON. v must marshal (plain data):
// a failure is a programming error.
func (f Filler) JSON(col string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("BUG: schema: marshal " + f.T.Name + "." + col + ": " + err.Error())
	}
	f.R.SetString(f.T.MustCol(col), string(b))
}
