package duckdb

import (
	"context"
	"fmt"

	duck "github.com/duckdb/duckdb-go/v2"

	"wsec/internal/event"
)

// colFunc is the name of the SQL function the views read cold columns with:
// wsec_col(_Vals, name) is the text of logical column name of the row,
// taken from _Vals (vals.go): an extra value of the row or of its template,
// EventData rendered from the kept payload with schema.EventDataXML, or the
// first payload field called name. NULL when none applies (or _Vals is not
// understood); the view casts the text to the column's type. For EventData
// the view passes the row's shared columns after the name
// (layout.sharedArgs), the values of the payload's "^" tokens.
//
// It is a Go function rather than SQL because the views need a decoder of
// _Vals, and because DuckDB binds a view's whole select list for every query
// that names the view: ~200 cold columns as SQL expressions cost ~100 ms of
// binding per query, as one call each ~3 ms (doc.go).
const colFunc = "wsec_col"

// registerColFunc registers wsec_col on w's database (DuckDB keeps scalar
// functions in the database's system catalog: every connection sees it).
func registerColFunc(w *Workspace) error {
	if err := duck.RegisterScalarUDF(w.wconn, colFunc, colUDF{reg: w.tpl}); err != nil {
		return fmt.Errorf("register %s: %w", colFunc, err)
	}
	return nil
}

type colUDF struct{ reg *templates }

func (colUDF) Config() duck.ScalarFuncConfig {
	vc, err := duck.NewTypeInfo(duck.TYPE_VARCHAR)
	if err != nil {
		panic("BUG: duckdb: VARCHAR type info: " + err.Error())
	}
	return duck.ScalarFuncConfig{InputTypeInfos: []duck.TypeInfo{vc, vc}, VariadicTypeInfo: vc, ResultTypeInfo: vc,
		SpecialNullHandling: true} // a null shared column is no null result
}

// Executor has no ScalarBinder on purpose: duckdb-go's bind callback
// aborts the process (a C++ InternalException) when an argument folds to a
// NULL constant, and a query may write wsec_col(NULL, NULL) itself.
func (u colUDF) Executor() duck.ScalarFuncExecutor {
	return duck.ScalarFuncExecutor{ChunkContextExecutor: u.execute}
}

// execute runs wsec_col over one chunk, reading the inputs in place.
func (u colUDF) execute(_ context.Context, st *duck.ChunkIteratorState) error {
	c, err := readChunk(colFunc, st, 2)
	if err != nil {
		return err
	}
	var scratch event.Event
	for c.row = range c.size {
		vals, ok1, err := c.views[0].GetValueBorrowed(c.row)
		if err != nil {
			return err
		}
		name, ok2, err := c.views[1].GetValueBorrowed(c.row)
		if err != nil {
			return err
		}
		v, found := "", false
		if ok1 && ok2 {
			v, found = colValue(u.reg, vals, name, &scratch, c.shared)
		}
		if c.err != nil {
			return c.err
		}
		if !found {
			err = c.out.SetNull(c.row)
		} else {
			err = c.out.Set(c.row, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// udfChunk is one chunk of a VARCHAR scalar function over _Vals (wsec_col,
// wsec_has): its inputs read in place, its result, and the row's shared
// columns, passed from input firstShared on (sharedValues).
type udfChunk struct {
	views       []duck.VectorView[string]
	out         duck.VectorWriter[string]
	size        int
	firstShared int
	row         int   // the row being computed
	err         error // the first error reading a shared column
}

func readChunk(fn string, st *duck.ChunkIteratorState, firstShared int) (*udfChunk, error) {
	in := st.GetInputChunk()
	c := &udfChunk{views: make([]duck.VectorView[string], in.ColumnCount()), size: in.GetSize(), firstShared: firstShared}
	for i := range c.views {
		v, err := in.GetVector(i)
		if err != nil {
			return nil, fmt.Errorf("%s input %d: %w", fn, i, err)
		}
		if c.views[i], err = duck.GetVectorView[string](v); err != nil {
			return nil, fmt.Errorf("%s input %d: %w", fn, i, err)
		}
	}
	var err error
	if c.out, err = duck.GetVectorWriter[string](st.GetResultVector()); err != nil {
		return nil, fmt.Errorf("%s result: %w", fn, err)
	}
	return c, nil
}

// shared is sharedValues for the current row.
func (c *udfChunk) shared(k int) (string, bool) {
	if c.firstShared+k >= len(c.views) {
		return "", false
	}
	v, ok, err := c.views[c.firstShared+k].GetValueBorrowed(c.row)
	if err != nil && c.err == nil {
		c.err = err
	}
	return v, ok && err == nil
}

// colValue is wsec_col for one row.
func colValue(reg *templates, vals, name string, scratch *event.Event, shared sharedValues) (string, bool) {
	r, ok := readVals(reg, vals)
	if !ok {
		return "", false
	}
	return r.column(name, payloadColumn, scratch, shared)
}
