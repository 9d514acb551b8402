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
	in := st.GetInputChunk()
	views := make([]duck.VectorView[string], in.ColumnCount())
	for i := range views {
		v, err := in.GetVector(i)
		if err != nil {
			return fmt.Errorf("%s input %d: %w", colFunc, i, err)
		}
		if views[i], err = duck.GetVectorView[string](v); err != nil {
			return fmt.Errorf("%s input %d: %w", colFunc, i, err)
		}
	}
	out, err := duck.GetVectorWriter[string](st.GetResultVector())
	if err != nil {
		return fmt.Errorf("%s result: %w", colFunc, err)
	}
	var scratch event.Event
	var row int
	var sharedErr error
	shared := func(k int) (string, bool) {
		if 2+k >= len(views) {
			return "", false
		}
		v, ok, err := views[2+k].GetValueBorrowed(row)
		if err != nil {
			sharedErr = err
		}
		return v, ok && err == nil
	}
	for row = range in.GetSize() {
		vals, ok1, err := views[0].GetValueBorrowed(row)
		if err != nil {
			return err
		}
		name, ok2, err := views[1].GetValueBorrowed(row)
		if err != nil {
			return err
		}
		v, found := "", false
		if ok1 && ok2 {
			v, found = colValue(u.reg, vals, name, &scratch, shared)
		}
		if sharedErr != nil {
			return sharedErr
		}
		if !found {
			err = out.SetNull(row)
		} else {
			err = out.Set(row, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// colValue is wsec_col for one row.
func colValue(reg *templates, vals, name string, scratch *event.Event, shared sharedValues) (string, bool) {
	r, ok := readVals(reg, vals)
	if !ok {
		return "", false
	}
	return r.column(name, payloadColumn, scratch, shared)
}
