package kql

import (
	"fmt"
	"strings"
)

// SummarizeOp is `summarize [hints] Aggs [by Keys]`.
type SummarizeOp struct {
	OpPos Pos
	Opts  []*OptionArg
	Aggs  []*NamedExpr
	By    []*NamedExpr
}

// CountOp is `count`: one row with the number of input rows in Count.
type CountOp struct {
	OpPos Pos
}

func (o *SummarizeOp) Pos() Pos     { return o.OpPos }
func (o *SummarizeOp) Name() string { return "summarize" }
func (o *CountOp) Pos() Pos         { return o.OpPos }
func (o *CountOp) Name() string     { return "count" }

func (p *parser) parseSummarize(pos Pos) Operator {
	o := &SummarizeOp{OpPos: pos, Opts: p.parseOptions()}
	if !p.isWord("by") {
		o.Aggs = p.parseNamedList("in summarize", false, "by")
	}
	if p.gotWord("by") {
		o.By = p.parseNamedList("after 'by'", false)
	}
	return o
}

func (p *parser) parseCount(pos Pos) Operator { return &CountOp{OpPos: pos} }

func (o *SummarizeOp) format(pr *printer) {
	pr.ws("summarize ")
	pr.options(o.Opts)
	pr.namedList(o.Aggs)
	if len(o.By) > 0 {
		if len(o.Aggs) > 0 {
			pr.ws(" ")
		}
		pr.ws("by ")
		pr.namedList(o.By)
	}
}

func (o *CountOp) format(pr *printer) { pr.ws("count") }

// aggCollector gathers the aggregates of one summarize. Aggregates nested in
// larger expressions get hidden names (__aggN) that a projection above the
// Aggregate reads.
type aggCollector struct {
	items  []AggItem
	hidden int
	keys   map[string]bool // names of the by-columns (excluded from arg_max(*))
}

func (a *aggCollector) nested(c *checker, x *CallExpr, name string, spec aggSpec, sc *scope, e *env) Scalar {
	a.hidden++
	hidden := fmt.Sprintf("__agg%d", a.hidden)
	items := c.aggItems(x, name, spec, sc, e, []string{hidden}, a.keys)
	if items == nil {
		return nil
	}
	if len(items) != 1 || len(items[0].Outs) != 1 {
		c.errorf(x.Pos(), "%s() returns several columns and cannot be part of an expression", x.Fun.Name)
		return nil
	}
	a.items = append(a.items, items...)
	out := items[0].Outs[0]
	return &ColRef{Name: out.Name, T: out.Type}
}

// aggItems checks one aggregate call. names are the requested output names
// (nil: defaults). percentiles() yields one item per percentile.
func (c *checker) aggItems(x *CallExpr, name string, spec aggSpec, sc *scope, e *env, names []string, keys map[string]bool) []AggItem {
	x, ok := c.positional(x, builtinParams[name])
	if !ok {
		return nil
	}
	if len(x.Args) < spec.min || len(x.Args) > spec.max {
		c.errorf(x.Pos(), "%s() takes %s, got %d", x.Fun.Name, argCount(spec.min, spec.max), len(x.Args))
		return nil
	}
	inner := *sc
	inner.aggs = nil
	argScope := &inner
	switch name {
	case "arg_max", "arg_min":
		return c.argMaxItem(x, name, argScope, e, names, keys)
	case "percentiles":
		v := c.scalar(x.Args[0], argScope, e)
		if v == nil {
			return nil
		}
		var items []AggItem
		for i, pa := range x.Args[1:] {
			p, ok := c.constNumber(pa, e)
			if !ok {
				return nil
			}
			out := percentileName(exprName(x.Args[0]), p)
			if i < len(names) && names != nil {
				out = names[i]
			}
			items = append(items, AggItem{Fn: "percentile", Args: []Scalar{v, &Const{T: TReal, V: p}}, Outs: []Column{{Name: out, Type: v.Type()}}})
		}
		return items
	}
	var args []Scalar
	for i, a := range x.Args {
		if _, star := a.(*StarExpr); star && name == "count" {
			continue
		}
		v := c.scalar(a, argScope, e)
		if v == nil {
			return nil
		}
		// Size limits and percentile values must be constants.
		if (i == 1 && (name == "make_set" || name == "make_list" || name == "make_bag" || name == "percentile" || name == "dcount")) ||
			(i == 2 && (name == "make_set_if" || name == "make_list_if" || name == "make_bag_if" || name == "dcountif")) {
			if _, ok := v.(*Const); !ok {
				c.errorf(a.Pos(), "argument %d of %s() must be a constant", i+1, x.Fun.Name)
				return nil
			}
		}
		args = append(args, v)
	}
	if name == "count" && len(args) == 1 {
		name, args = "countif", []Scalar{&Call{Fn: "isnotnull", Args: args, T: TBool}}
	}
	if (name == "countif" || name == "sumif" || name == "avgif" || name == "minif" || name == "maxif" ||
		name == "dcountif" || name == "take_anyif" || name == "stdevif" || name == "varianceif" ||
		name == "make_set_if" || name == "make_list_if" || name == "make_bag_if") && len(args) >= 1 {
		pi := 1
		if name == "countif" {
			pi = 0
		}
		if pi < len(args) {
			if t := args[pi].Type(); t != TBool && !t.IsDynamic() {
				c.errorf(x.Args[pi].Pos(), "the predicate of %s() must be bool, got %s", x.Fun.Name, t)
				return nil
			}
		}
	}
	var t Type
	if spec.ret != nil && len(args) > 0 || name == "count" {
		var msg string
		if len(args) == 0 {
			t = TLong
		} else {
			t, msg = spec.ret(args)
		}
		if msg != "" {
			c.errorf(x.Pos(), "%s(): %s", x.Fun.Name, msg)
			return nil
		}
	}
	if name == "countif" {
		t = TLong
	}
	out := aggName(spec.prefix, x.Args)
	if name == "percentile" {
		p, _ := constFloat(args[1])
		out = percentileName(exprName(x.Args[0]), p)
	}
	if len(names) > 0 {
		out = names[0]
	}
	return []AggItem{{Fn: name, Args: args, Outs: []Column{{Name: out, Type: t}}}}
}

func (c *checker) constNumber(x Expr, e *env) (float64, bool) {
	v := c.scalar(x, nil, e)
	if v == nil {
		return 0, false
	}
	f, ok := constFloat(v)
	if !ok {
		c.errorf(x.Pos(), "expected a constant number")
	}
	return f, ok
}

func constFloat(v Scalar) (float64, bool) {
	k, ok := v.(*Const)
	if !ok {
		return 0, false
	}
	switch n := k.V.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// argMaxItem checks arg_max(X, cols...) / arg_min: the output is X then the
// requested columns (or all other columns for *), from the row where X is
// largest (smallest).
func (c *checker) argMaxItem(x *CallExpr, name string, sc *scope, e *env, names []string, keys map[string]bool) []AggItem {
	v := c.scalar(x.Args[0], sc, e)
	if v == nil {
		return nil
	}
	first := exprName(x.Args[0])
	if first == "" {
		first = strings.TrimPrefix(name, "arg_") + "_"
	}
	item := AggItem{Fn: name, Args: []Scalar{v}, Outs: []Column{{Name: first, Type: v.Type()}}}
	taken := map[string]bool{first: true}
	for k := range keys {
		taken[k] = true
	}
	for _, a := range x.Args[1:] {
		if _, star := a.(*StarExpr); star {
			for _, col := range sc.cols {
				if taken[col.Name] || col.Name == BagColumn {
					continue
				}
				taken[col.Name] = true
				item.Args = append(item.Args, &ColRef{Name: col.Name, T: col.Type})
				item.Outs = append(item.Outs, col)
			}
			continue
		}
		w := c.scalar(a, sc, e)
		if w == nil {
			return nil
		}
		n := exprName(a)
		if n == "" {
			n = "Column1"
		}
		n = uniqueName(n, taken)
		taken[n] = true
		item.Args = append(item.Args, w)
		item.Outs = append(item.Outs, Column{Name: n, Type: w.Type()})
	}
	for i := range names {
		if i < len(item.Outs) {
			item.Outs[i].Name = names[i]
		}
	}
	return []AggItem{item}
}

// directAgg returns the aggregate call x is, after parentheses, if any.
func directAgg(x Expr) (*CallExpr, string, aggSpec, bool) {
	call, ok := unparen(x).(*CallExpr)
	if !ok {
		return nil, "", aggSpec{}, false
	}
	name := call.Fun.Name
	if a, ok := funcAliases[name]; ok {
		name = a
	}
	spec, ok := aggFuncs[name]
	return call, name, spec, ok
}

// groupKeys checks the by-expressions of summarize/make-series.
func (c *checker) groupKeys(by []*NamedExpr, sc *scope, e *env, taken map[string]bool) ([]Item, bool) {
	nm := newNamer("Column", taken)
	var keys []Item
	for _, ne := range by {
		v := c.scalar(ne.X, sc, e)
		if v == nil {
			return nil, false
		}
		if len(ne.Names) > 1 {
			c.errorf(ne.Pos(), "a group key has one name")
			return nil, false
		}
		name := ""
		if len(ne.Names) == 1 {
			name = ne.Names[0].Name
		} else if name = exprName(ne.X); name == "" {
			name = nm.fresh()
		}
		if taken[name] {
			c.errorf(ne.Pos(), "column '%s' appears twice in the group keys", name)
			return nil, false
		}
		taken[name] = true
		keys = append(keys, Item{Name: name, X: v})
	}
	return keys, true
}

func (c *checker) checkSummarize(o *SummarizeOp, in Rel, e *env) Rel {
	sc := newScope(in)
	taken := map[string]bool{}
	keys, ok := c.groupKeys(o.By, sc, e, taken)
	if !ok {
		return nil
	}
	keyNames := map[string]bool{}
	for _, k := range keys {
		keyNames[k.Name] = true
		if ref, ok := k.X.(*ColRef); ok {
			keyNames[ref.Name] = true
		}
	}
	coll := &aggCollector{keys: keyNames}
	aggScope := *sc
	aggScope.aggs = coll
	nm := newNamer("Column", taken)
	// visible lists the output columns after the keys, in written order.
	var visible []Item
	computed := false
	for _, ne := range o.Aggs {
		if call, name, spec, ok := directAgg(ne.X); ok {
			var names []string
			for _, n := range ne.Names {
				names = append(names, n.Name)
			}
			items := c.aggItems(call, name, spec, sc, e, names, keyNames)
			if items == nil {
				return nil
			}
			for i := range items {
				for j := range items[i].Outs {
					out := &items[i].Outs[j]
					if taken[out.Name] {
						if len(ne.Names) > 0 {
							c.errorf(ne.Pos(), "column '%s' is produced twice by summarize", out.Name)
							return nil
						}
						out.Name = uniqueName(out.Name, taken)
					}
					taken[out.Name] = true
					visible = append(visible, Item{Name: out.Name, X: &ColRef{Name: out.Name, T: out.Type}})
				}
			}
			coll.items = append(coll.items, items...)
			continue
		}
		before := len(coll.items)
		v := c.scalar(ne.X, &aggScope, e)
		if v == nil {
			return nil
		}
		if len(coll.items) == before {
			c.errorf(ne.X.Pos(), "summarize expressions must use an aggregate function such as count() or sum()")
			return nil
		}
		if len(ne.Names) > 1 {
			c.errorf(ne.Pos(), "an aggregate expression has one name")
			return nil
		}
		name := ""
		if len(ne.Names) == 1 {
			name = ne.Names[0].Name
		} else {
			name = nm.fresh()
		}
		if taken[name] {
			c.errorf(ne.Pos(), "column '%s' is produced twice by summarize", name)
			return nil
		}
		taken[name] = true
		visible = append(visible, Item{Name: name, X: v})
		computed = true
	}
	agg := &Aggregate{In: in, Keys: keys, Aggs: coll.items}
	if !computed {
		return agg
	}
	items := make([]Item, 0, len(keys)+len(visible))
	for _, k := range keys {
		items = append(items, Item{Name: k.Name, X: &ColRef{Name: k.Name, T: k.X.Type()}})
	}
	items = append(items, visible...)
	return &Project{In: agg, Items: items}
}
