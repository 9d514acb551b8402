package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"wsec/internal/kql"
)

// makeSeries compiles make-series: the aggregates per group and bin, then
// per group one row of arrays over every bin from From to To (exclusive)
// by Step, empty bins holding the default (0 unless given). Groups are the
// key values found among the rows inside the range. From, To and Step
// must fold to constants.
func (c *compiler) makeSeries(m *kql.MakeSeries) (*relSQL, error) {
	from, to, step := c.fold(m.From), c.fold(m.To), c.fold(m.Step)
	n, err := seriesBins(from, to, step)
	if err != nil {
		return nil, err
	}
	in, err := c.rel(m.In)
	if err != nil {
		return nil, err
	}
	// 1: aggregate per group and bin index.
	a1 := c.alias()
	sc := c.scopeOf(in, a1)
	axis := m.Axis
	idx := &kql.Call{Fn: "tolong", T: kql.TLong, Args: []kql.Scalar{&kql.Call{Fn: "/", T: kql.TReal, Args: []kql.Scalar{
		&kql.Call{Fn: "bin", T: diffType(axis.Type()), Args: []kql.Scalar{&kql.Call{Fn: "-", T: diffType(axis.Type()), Args: []kql.Scalar{axis, from}}, step}}, step}}}}
	if axis.Type().IsNumeric() {
		idx.Args[0] = &kql.Call{Fn: "floor", T: kql.TReal, Args: []kql.Scalar{&kql.Call{Fn: "/", T: kql.TReal, Args: []kql.Scalar{&kql.Call{Fn: "-", T: kql.TReal, Args: []kql.Scalar{axis, from}}, step}}, &kql.Const{T: kql.TReal, V: 1.0}}}
	}
	ie, err := c.scalar(idx, sc)
	if err != nil {
		return nil, err
	}
	lo, err := c.predicate(&kql.Call{Fn: ">=", T: kql.TBool, Args: []kql.Scalar{axis, from}}, sc)
	if err != nil {
		return nil, err
	}
	hi, err := c.predicate(&kql.Call{Fn: "<", T: kql.TBool, Args: []kql.Scalar{axis, to}}, sc)
	if err != nil {
		return nil, err
	}
	nm := c.newNames()
	out := &relSQL{}
	list1, group1, err := c.groupKeys(m.Keys, sc, nm, out)
	if err != nil {
		return nil, err
	}
	var keyNames []string
	for _, k := range out.cols {
		keyNames = append(keyNames, k.sql)
	}
	iName := nm.alloc("__bin")
	list1 = append(list1, ie.s+" AS "+c.d.Quote(iName))
	group1 = append(group1, ie.s)
	var vals []string
	for _, it := range m.Aggs {
		s, _, err := c.aggCall(it, sc)
		if err != nil {
			return nil, err
		}
		name := nm.alloc("__v")
		vals = append(vals, name)
		list1 = append(list1, s+" AS "+c.d.Quote(name))
	}
	cells := "SELECT " + strings.Join(list1, ", ") + " FROM (" + in.sql + ") AS " + a1 + " WHERE " + lo + " AND " + hi + " GROUP BY " + strings.Join(group1, ", ")
	// 2: every group × every bin, the cells joined in, folded to arrays.
	ca, ka, ga := c.alias(), c.alias(), c.alias()
	var keySel []string
	for _, k := range keyNames {
		keySel = append(keySel, c.d.Quote(k))
	}
	keysSQL := "SELECT DISTINCT " + strings.Join(append(keySel, "1 AS __one"), ", ") + " FROM (" + cells + ") AS " + c.alias()
	binSQL := "SELECT " + c.d.ExpandIndex(strconv.FormatInt(n, 10)) + " AS " + c.d.Quote(iName)
	on := []string{ga + "." + c.d.Quote(iName) + " = " + ca + "." + c.d.Quote(iName)}
	var outer, groupBy []string
	for _, k := range keyNames {
		on = append(on, ka+"."+c.d.Quote(k)+" = "+ca+"."+c.d.Quote(k))
		outer = append(outer, ka+"."+c.d.Quote(k))
		groupBy = append(groupBy, ka+"."+c.d.Quote(k))
	}
	order := ga + "." + c.d.Quote(iName)
	isc := &scope{cols: map[string]col{"__i": {name: "__i", sql: iName, t: kql.TLong}}, qual: ga}
	for i, it := range m.Aggs {
		t := it.Outs[0].Type
		def := m.Defaults[i]
		if def == nil {
			def = defaultFor(t)
		}
		dv, err := c.scalar(def, &scope{cols: map[string]col{}})
		if err != nil {
			return nil, err
		}
		v := sqlExpr{s: "coalesce(" + ca + "." + c.d.Quote(vals[i]) + ", " + c.convert(dv, t).s + ")", t: t, nullable: true}
		if t == kql.TDateTime || t == kql.TTimeSpan {
			v = c.convert(v, kql.TString)
		}
		name := nm.alloc(it.Outs[0].Name)
		outer = append(outer, c.d.ListAgg(v.s, order)+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{name: it.Outs[0].Name, sql: name, t: kql.TDynamic, nullable: true})
	}
	binValue := &kql.Call{Fn: "+", T: axis.Type(), Args: []kql.Scalar{from, &kql.Call{Fn: "*", T: step.Type(), Args: []kql.Scalar{step, &kql.ColRef{Name: "__i", T: kql.TLong}}}}}
	bv, err := c.scalar(binValue, isc)
	if err != nil {
		return nil, err
	}
	if bv.t == kql.TDateTime || bv.t == kql.TTimeSpan {
		bv = c.convert(bv, kql.TString)
	}
	axisName := nm.alloc(m.AxisName)
	outer = append(outer, c.d.ListAgg(bv.s, order)+" AS "+c.d.Quote(axisName))
	out.cols = append(out.cols, col{name: m.AxisName, sql: axisName, t: kql.TDynamic, nullable: true})
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(outer, ", "))
	b.WriteString(" FROM (" + keysSQL + ") AS " + ka + " CROSS JOIN (" + binSQL + ") AS " + ga)
	b.WriteString(" LEFT JOIN (" + cells + ") AS " + ca + " ON " + strings.Join(on, " AND "))
	if len(groupBy) > 0 {
		b.WriteString(" GROUP BY " + strings.Join(groupBy, ", "))
	}
	out.sql = b.String()
	return out, nil
}

// diffType is the type of axis - from.
func diffType(t kql.Type) kql.Type {
	if t == kql.TDateTime {
		return kql.TTimeSpan
	}
	return t
}

// defaultFor is make-series' default for empty bins: 0 for numbers, null
// otherwise.
func defaultFor(t kql.Type) kql.Scalar {
	switch t {
	case kql.TInt, kql.TLong:
		return &kql.Const{T: t, V: int64(0)}
	case kql.TReal:
		return &kql.Const{T: t, V: 0.0}
	case kql.TTimeSpan:
		return &kql.Const{T: t, V: time.Duration(0)}
	}
	return kql.Null(t)
}

// seriesBins is the number of bins from from to to (exclusive) by step.
func seriesBins(from, to, step kql.Scalar) (int64, error) {
	fk, ok1 := from.(*kql.Const)
	tk, ok2 := to.(*kql.Const)
	sk, ok3 := step.(*kql.Const)
	if !ok1 || !ok2 || !ok3 || fk.V == nil || tk.V == nil || sk.V == nil {
		return 0, fmt.Errorf("compile: make-series needs constant from, to and step")
	}
	var span, width float64
	switch f := fk.V.(type) {
	case time.Time:
		t, ok := tk.V.(time.Time)
		s, ok2 := sk.V.(time.Duration)
		if !ok || !ok2 {
			return 0, fmt.Errorf("compile: make-series over datetimes needs datetime bounds and a timespan step")
		}
		span, width = float64(t.Sub(f)), float64(s)
	default:
		fv, ok := constNum(fk)
		tv, ok2 := constNum(tk)
		sv, ok3 := constNum(sk)
		if !ok || !ok2 || !ok3 {
			return 0, fmt.Errorf("compile: make-series needs numeric or datetime bounds")
		}
		span, width = tv-fv, sv
	}
	if width <= 0 {
		return 0, fmt.Errorf("compile: make-series step must be positive")
	}
	n := int64(math.Ceil(span / width))
	if n < 0 {
		n = 0
	}
	if n > kql.MaxSeriesPoints {
		return 0, fmt.Errorf("compile: make-series would make %d points, over the limit of %d", n, kql.MaxSeriesPoints)
	}
	return n, nil
}
