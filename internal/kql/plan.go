package kql

import (
	"slices"
	"time"
)

// A Plan is the checked meaning of a query: a tree of relational operators
// (Rel) over typed scalar expressions (Scalar), with let statements and
// user functions inlined and every name resolved. It is dialect-free; the
// sql package turns it into one SQL statement.
type Plan struct {
	Root    Rel
	Columns []ColumnInfo // output columns, in order
	Render  *RenderHint  // set when the query ends in render
	// Warnings are non-fatal notes (e.g. an int compared with a string).
	Warnings []string
}

// ColumnInfo is an output column. Expand marks the hidden property bag of
// an open row (after bag_unpack or pivot): its JSON object's keys are
// further columns, known only once the data is read.
type ColumnInfo struct {
	Name   string
	Type   Type
	Expand bool
}

// RenderHint is the render operator, kept for the UI.
type RenderHint struct {
	Visual string
	Props  map[string]string
}

// Column is a column of a relation.
type Column struct {
	Name string
	Type Type
}

// BagColumn is the name of the hidden property bag column of an open row.
// Names of this form cannot be written in KQL without brackets and wsec
// never shows them.
const BagColumn = "__kql_bag"

// Rel is a relational operator of the plan.
type Rel interface {
	// Columns are the output columns in order. When the last is BagColumn
	// the row is open: names not among the columns are properties of the bag.
	Columns() []Column
}

// Scan reads a logical table.
type Scan struct {
	Table string
	Cols  []Column
}

// Values is a constant table (datatable, print): Rows[i][j] is column j.
type Values struct {
	Cols []Column
	Rows [][]Scalar
}

// Range is `range Col from From to To step Step`.
type Range struct {
	Col            Column
	From, To, Step Scalar
}

// Filter keeps the rows where Pred is true.
type Filter struct {
	In   Rel
	Pred Scalar
}

// Item is a named expression.
type Item struct {
	Name string
	X    Scalar
}

// Project outputs exactly Items, computed over In's columns. Items may use
// window functions (prev, next, row_number, row_cumsum); those read In's
// order (In is then Ordered).
type Project struct {
	In    Rel
	Items []Item
}

// AggItem is one aggregate. Fn is canonical (count, sum, make_set,
// arg_max, ...). For arg_max/arg_min Outs lists the output columns, the
// first being the maximised expression; otherwise Outs has one column.
type AggItem struct {
	Fn   string
	Args []Scalar
	Outs []Column
}

// Aggregate groups In by Keys and computes Aggs; output is Keys then the
// Outs of each AggItem. Pivot, when set, makes the output open: the pivot
// key and value become properties of the bag column.
type Aggregate struct {
	In    Rel
	Keys  []Item
	Aggs  []AggItem
	Pivot *Pivot
}

// Pivot is evaluate pivot(Key, agg(Value)) folded into an Aggregate: one
// bag property per distinct Key holding the aggregate of Value.
type Pivot struct {
	Key   Scalar
	Fn    string
	Value Scalar
}

// SortSpec is one sort key.
type SortSpec struct {
	X          Scalar
	Desc       bool
	NullsFirst bool
}

// Sort orders rows. Its output is ordered (serialized) until an operator
// that does not keep order.
type Sort struct {
	In   Rel
	Keys []SortSpec
}

// Limit keeps N rows (the first N when In is ordered; random ones when
// Sample), or N per partition.
type Limit struct {
	In     Rel
	N      Scalar
	Sample bool
	// Partition, when set, keeps N rows per distinct value of these
	// expressions instead of N in all (take and top inside mv-apply).
	Partition []Scalar
}

// Join kinds, as KQL names them.
const (
	JoinInnerUnique = "innerunique"
	JoinInner       = "inner"
	JoinLeftOuter   = "leftouter"
	JoinRightOuter  = "rightouter"
	JoinFullOuter   = "fullouter"
	JoinLeftAnti    = "leftanti"
	JoinRightAnti   = "rightanti"
	JoinLeftSemi    = "leftsemi"
	JoinRightSemi   = "rightsemi"
)

// JoinCol is an output column of a join: column Src of the Left (Side 0)
// or Right (Side 1) input, named Name.
type JoinCol struct {
	Name string
	Side int
	Src  string
	Type Type
}

// Join matches Left and Right rows whose key expressions are equal pairwise
// (LeftKeys[i] == RightKeys[i]). For innerunique the left side is first
// reduced to one row per key.
type Join struct {
	Left, Right         Rel
	Kind                string
	LeftKeys, RightKeys []Scalar
	Cols                []JoinCol
}

// Union concatenates its inputs. Cols is the output schema; input columns
// are matched by name (missing ones are null). Source, when set, names a
// string column holding Names[i] for rows of Ins[i].
type Union struct {
	Ins    []Rel
	Cols   []Column
	Source string
	Names  []string
}

// MvItem is one column expanded by mv-expand.
type MvItem struct {
	Name string
	X    Scalar // a dynamic array (or bag) to expand
	Type Type   // type of the expanded values (dynamic unless to typeof())
}

// MvExpand turns each element of the Items' arrays into a row (arrays of
// several Items expand in lockstep; a shorter one yields nulls). Index,
// when set, names a long column with the element's position. Bags expand
// into {key: value} objects, or [key, value] arrays when BagArray is set.
type MvExpand struct {
	In       Rel
	Items    []MvItem
	Index    string
	Limit    int64 // 0: no limit
	BagArray bool
}

// Shared marks a relation that several places read (materialize(), or a
// let-bound tabular value used twice); SQL computes it once.
type Shared struct {
	ID           int
	In           Rel
	Materialized bool
}

// MakeSeries is make-series: per group of Keys, one row holding arrays over
// the axis from From to To by Step (ends exclusive): the axis values and
// each aggregate's value per bin (Defaults where a bin is empty).
type MakeSeries struct {
	In             Rel
	Keys           []Item
	Aggs           []AggItem
	Defaults       []Scalar
	Axis           Scalar
	AxisName       string
	From, To, Step Scalar
}

func (r *Scan) Columns() []Column   { return r.Cols }
func (r *Values) Columns() []Column { return r.Cols }
func (r *Range) Columns() []Column  { return []Column{r.Col} }
func (r *Filter) Columns() []Column { return r.In.Columns() }
func (r *Sort) Columns() []Column   { return r.In.Columns() }
func (r *Limit) Columns() []Column  { return r.In.Columns() }
func (r *Shared) Columns() []Column { return r.In.Columns() }
func (r *Union) Columns() []Column  { return r.Cols }
func (r *Project) Columns() []Column {
	cols := make([]Column, len(r.Items))
	for i, it := range r.Items {
		cols[i] = Column{Name: it.Name, Type: it.X.Type()}
	}
	return cols
}
func (r *Aggregate) Columns() []Column {
	var cols []Column
	for _, k := range r.Keys {
		cols = append(cols, Column{Name: k.Name, Type: k.X.Type()})
	}
	for _, a := range r.Aggs {
		cols = append(cols, a.Outs...)
	}
	if r.Pivot != nil {
		cols = append(cols, Column{Name: BagColumn, Type: TDynamic})
	}
	return cols
}
func (r *Join) Columns() []Column {
	cols := make([]Column, len(r.Cols))
	for i, c := range r.Cols {
		cols[i] = Column{Name: c.Name, Type: c.Type}
	}
	return cols
}
func (r *MvExpand) Columns() []Column {
	in := r.In.Columns()
	cols := make([]Column, 0, len(in)+len(r.Items)+1)
	for _, c := range in {
		if i := slices.IndexFunc(r.Items, func(it MvItem) bool { return it.Name == c.Name }); i >= 0 {
			c.Type = r.Items[i].Type
		}
		cols = append(cols, c)
	}
	for _, it := range r.Items {
		if !slices.ContainsFunc(in, func(c Column) bool { return c.Name == it.Name }) {
			cols = append(cols, Column{Name: it.Name, Type: it.Type})
		}
	}
	if r.Index != "" {
		cols = append(cols, Column{Name: r.Index, Type: TLong})
	}
	return cols
}
func (r *MakeSeries) Columns() []Column {
	var cols []Column
	for _, k := range r.Keys {
		cols = append(cols, Column{Name: k.Name, Type: k.X.Type()})
	}
	for _, a := range r.Aggs {
		cols = append(cols, Column{Name: a.Outs[0].Name, Type: TDynamic})
	}
	cols = append(cols, Column{Name: r.AxisName, Type: TDynamic})
	return cols
}

// Scalar is a typed scalar expression of the plan.
type Scalar interface {
	Type() Type
}

// ColRef reads a column of the input row.
type ColRef struct {
	Name string
	T    Type
}

// Const is a constant. V is nil (null), bool, int64, float64, string,
// time.Time (UTC), time.Duration, or Dynamic.
type Const struct {
	T Type
	V any
}

// Dynamic is a dynamic constant as JSON text.
type Dynamic string

// Call applies a builtin function or operator. Fn is canonical: KQL
// function names (tolower, strcat, ...), aggregate names inside AggItem, and
// operators as written ("==", "has", "!in~", "and", "not", "neg", ...).
type Call struct {
	Fn   string
	Args []Scalar
	T    Type
}

// Subquery is a scalar taken from a relation: the first column of its
// first row (toscalar), or, as the list of an in operator, the first
// column's values.
type Subquery struct {
	Rel Rel
	T   Type
}

// Lambda is a lambda argument of a builtin (not used by the current
// builtins; reserved).

func (x *ColRef) Type() Type   { return x.T }
func (x *Const) Type() Type    { return x.T }
func (x *Call) Type() Type     { return x.T }
func (x *Subquery) Type() Type { return x.T }

// Null returns the null constant of type t.
func Null(t Type) *Const { return &Const{T: t} }

// Constants of common shapes.
func constString(s string) *Const      { return &Const{T: TString, V: s} }
func constLong(n int64) *Const         { return &Const{T: TLong, V: n} }
func constBool(b bool) *Const          { return &Const{T: TBool, V: b} }
func constTime(t time.Time) *Const     { return &Const{T: TDateTime, V: t.UTC()} }
func constSpan(d time.Duration) *Const { return &Const{T: TTimeSpan, V: d} }
