package sql

import (
	"fmt"
	"strings"

	"wsec/internal/kql"
)

// aggregate compiles summarize (and distinct, count, pivot). String keys
// read NULL as "" so an absent string and "" form one group, as in KQL.
func (c *compiler) aggregate(g *kql.Aggregate) (*relSQL, error) {
	in, err := c.rel(g.In)
	if err != nil {
		return nil, err
	}
	if g.Pivot != nil {
		return c.pivot(g, in)
	}
	a := c.alias()
	sc := c.scopeOf(in, a)
	nm := c.newNames()
	out := &relSQL{}
	list, groupBy, err := c.groupKeys(g.Keys, sc, nm, out)
	if err != nil {
		return nil, err
	}
	// arg_max/arg_min yield a record unpacked by an outer SELECT.
	type unpack struct {
		record string
		outs   []col
	}
	var unpacks []unpack
	for _, it := range g.Aggs {
		if it.Fn == "arg_max" || it.Fn == "arg_min" {
			args, err := c.args(it.Args, sc, valueCtx)
			if err != nil {
				return nil, err
			}
			// The maximised value itself is max(x) (min(x)); the other
			// columns come from one record so they are from the same row.
			rec := nm.alloc("__rec")
			ext := map[string]string{"arg_max": "max", "arg_min": "min"}[it.Fn]
			first, err := c.d.Agg(ext, []Arg{args[0].arg()}, args[0].t, "")
			if err != nil {
				return nil, err
			}
			var packed []string
			for _, v := range args[1:] {
				packed = append(packed, v.s)
			}
			rest := "NULL"
			if len(packed) > 0 {
				rest, err = c.d.Agg(it.Fn, []Arg{{SQL: c.d.Pack(packed), Type: kql.TDynamic}, args[0].arg()}, kql.TDynamic, "")
				if err != nil {
					return nil, err
				}
			}
			list = append(list, first+" AS "+c.d.Quote(rec+"_x"), rest+" AS "+c.d.Quote(rec))
			u := unpack{record: rec}
			for _, o := range it.Outs {
				u.outs = append(u.outs, col{name: o.Name, t: o.Type, nullable: true})
			}
			unpacks = append(unpacks, u)
			continue
		}
		s, t, err := c.aggCall(it, sc)
		if err != nil {
			return nil, err
		}
		name := nm.alloc(it.Outs[0].Name)
		list = append(list, s+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{name: it.Outs[0].Name, sql: name, t: t, nullable: true})
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(list, ", ") + " FROM (" + in.sql + ") AS " + a)
	if len(groupBy) > 0 {
		b.WriteString(" GROUP BY " + strings.Join(groupBy, ", "))
	}
	out.sql = b.String()
	if len(unpacks) == 0 {
		return out, nil
	}
	// Unpack the records into columns, keeping the aggregate's column order.
	a2 := c.alias()
	var outer []string
	final := &relSQL{}
	nm2 := c.newNames()
	ki := 0
	ui := 0
	// Keys first, then each aggregate in order.
	for ; ki < len(g.Keys); ki++ {
		cl := out.cols[ki]
		nm2.reserve(cl.sql)
		outer = append(outer, c.ref(a2, cl))
		final.cols = append(final.cols, cl)
	}
	plain := ki
	for _, it := range g.Aggs {
		if it.Fn == "arg_max" || it.Fn == "arg_min" {
			u := unpacks[ui]
			ui++
			for i, o := range u.outs {
				name := nm2.alloc(o.name)
				v := a2 + "." + c.d.Quote(u.record+"_x")
				if i > 0 {
					v = c.d.Field(a2+"."+c.d.Quote(u.record), i-1)
				}
				outer = append(outer, v+" AS "+c.d.Quote(name))
				o.sql = name
				final.cols = append(final.cols, o)
			}
			continue
		}
		cl := out.cols[plain]
		plain++
		if nm2.taken[strings.ToLower(cl.sql)] {
			name := nm2.alloc(cl.name)
			outer = append(outer, c.ref(a2, cl)+" AS "+c.d.Quote(name))
			cl.sql = name
		} else {
			nm2.reserve(cl.sql)
			outer = append(outer, c.ref(a2, cl))
		}
		final.cols = append(final.cols, cl)
	}
	final.sql = "SELECT " + strings.Join(outer, ", ") + " FROM (" + out.sql + ") AS " + a2
	return final, nil
}

// aggCall compiles one single-output aggregate.
func (c *compiler) aggCall(it kql.AggItem, sc *scope) (string, kql.Type, error) {
	fn := it.Fn
	t := it.Outs[0].Type
	args := it.Args
	filter := ""
	// The *if variants take their predicate as a FILTER.
	pi := -1
	switch fn {
	case "countif":
		pi = 0
	case "sumif", "avgif", "minif", "maxif", "take_anyif", "stdevif", "varianceif", "make_set_if", "make_list_if", "make_bag_if", "dcountif":
		pi = 1
	}
	if pi >= 0 {
		p, err := c.predicate(args[pi], sc)
		if err != nil {
			return "", 0, err
		}
		filter = p
		args = append(append([]kql.Scalar(nil), args[:pi]...), args[pi+1:]...)
		fn = strings.TrimSuffix(strings.TrimSuffix(fn, "if"), "_")
		if fn == "count" {
			fn = "count"
		}
	}
	es, err := c.args(args, sc, valueCtx)
	if err != nil {
		return "", 0, err
	}
	for i := range es {
		if i == 0 && es[i].t == kql.TString {
			es[i] = nnExpr(es[i])
		}
	}
	s, err := c.d.Agg(fn, argsOf(es), t, filter)
	if err != nil {
		return "", 0, fmt.Errorf("compile: %s(): %w", it.Fn, err)
	}
	return s, t, nil
}

// groupKeys compiles grouping keys: each becomes a select item, a GROUP BY
// term and an output column appended to out. String keys read NULL as ""
// (nn) so an absent string and "" form one group, as in KQL.
func (c *compiler) groupKeys(keys []kql.Item, sc *scope, nm *names, out *relSQL) (list, groupBy []string, err error) {
	for _, k := range keys {
		e, err := c.scalar(k.X, sc)
		if err != nil {
			return nil, nil, err
		}
		s := nn(e)
		name := nm.alloc(k.Name)
		list = append(list, s+" AS "+c.d.Quote(name))
		groupBy = append(groupBy, s)
		out.cols = append(out.cols, col{name: k.Name, sql: name, t: e.t, nullable: e.nullable && e.t != kql.TString})
	}
	return list, groupBy, nil
}

// pivot compiles evaluate pivot: the aggregate of Value per (keys, Key),
// then one object per keys mapping each Key to its value.
func (c *compiler) pivot(g *kql.Aggregate, in *relSQL) (*relSQL, error) {
	a := c.alias()
	sc := c.scopeOf(in, a)
	nm := c.newNames()
	out := &relSQL{}
	list, groupBy, err := c.groupKeys(g.Keys, sc, nm, out)
	if err != nil {
		return nil, err
	}
	var keyCols []string
	for _, k := range out.cols {
		keyCols = append(keyCols, c.d.Quote(k.sql))
	}
	pk, err := c.scalar(g.Pivot.Key, sc)
	if err != nil {
		return nil, err
	}
	pkName := nm.alloc("__pkey")
	list = append(list, nn(pk)+" AS "+c.d.Quote(pkName))
	groupBy = append(groupBy, nn(pk))
	var valArgs []Arg
	if g.Pivot.Value != nil {
		v, err := c.scalar(g.Pivot.Value, sc)
		if err != nil {
			return nil, err
		}
		valArgs = []Arg{v.arg()}
	}
	vt := kql.TLong
	if g.Pivot.Value != nil && g.Pivot.Fn != "count" && g.Pivot.Fn != "dcount" {
		vt = g.Pivot.Value.Type()
	}
	agg, err := c.d.Agg(g.Pivot.Fn, valArgs, vt, "")
	if err != nil {
		return nil, err
	}
	pvName := nm.alloc("__pval")
	list = append(list, agg+" AS "+c.d.Quote(pvName))
	inner := "SELECT " + strings.Join(list, ", ") + " FROM (" + in.sql + ") AS " + a + " GROUP BY " + strings.Join(groupBy, ", ")
	bag := nm.alloc(kql.BagColumn)
	a2 := c.alias()
	outer := append([]string(nil), keyCols...)
	outer = append(outer, c.d.PivotObject(c.d.Quote(pkName), c.d.Quote(pvName))+" AS "+c.d.Quote(bag))
	out.sql = "SELECT " + strings.Join(outer, ", ") + " FROM (" + inner + ") AS " + a2
	if len(keyCols) > 0 {
		out.sql += " GROUP BY " + strings.Join(keyCols, ", ")
	}
	out.cols = append(out.cols, col{name: kql.BagColumn, sql: bag, t: kql.TDynamic, nullable: true})
	return out, nil
}
