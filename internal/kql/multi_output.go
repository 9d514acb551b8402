package kql

import "strings"

// multiOutputs are the builtins that return several columns. Their plan
// Call is a dynamic array holding one element per output, in this order;
// extend and project spread it into columns:
//
//	extend (rsquare, slope) = series_fit_line(y)   -- names given
//	extend series_fit_line(y)                      -- series_fit_line_y_rsquare, ...
var multiOutputs = map[string][]Column{
	"series_fit_line": {{"rsquare", TReal}, {"slope", TReal}, {"variance", TReal}, {"rvariance", TReal},
		{"interception", TReal}, {"line_fit", TDynamic}},
	"series_stats": {{"min", TReal}, {"min_idx", TLong}, {"max", TReal}, {"max_idx", TLong},
		{"avg", TReal}, {"stdev", TReal}, {"variance", TReal}},
	"series_decompose_anomalies": {{"ad_flag", TDynamic}, {"ad_score", TDynamic}, {"baseline", TDynamic}},
	"series_decompose":           {{"baseline", TDynamic}, {"seasonal", TDynamic}, {"trend", TDynamic}, {"residual", TDynamic}},
}

// namedItems checks one item of extend or project: one column, or the
// columns of a builtin that returns several.
func (c *checker) namedItems(ne *NamedExpr, sc *scope, e *env, defined map[string]Scalar, nm *namer) ([]Item, bool) {
	if call, ok := unparen(ne.X).(*CallExpr); ok && e.lookup(call.Fun.Name) == nil {
		if outs, ok := multiOutputs[call.Fun.Name]; ok {
			return c.multiItems(ne, call, outs, sc, e, defined)
		}
	}
	v := c.scalarWith(ne.X, sc, e, defined)
	if v == nil {
		return nil, false
	}
	name, ok := c.itemName(ne, nm)
	if !ok {
		return nil, false
	}
	return []Item{{Name: name, X: v}}, true
}

func (c *checker) multiItems(ne *NamedExpr, call *CallExpr, outs []Column, sc *scope, e *env, defined map[string]Scalar) ([]Item, bool) {
	names := make([]string, len(outs))
	switch len(ne.Names) {
	case len(outs):
		for i, n := range ne.Names {
			names[i] = n.Name
		}
	case 0:
		base := call.Fun.Name
		if len(call.Args) > 0 {
			if n := exprName(call.Args[0]); n != "" {
				base += "_" + n
			}
		}
		for i, o := range outs {
			names[i] = base + "_" + o.Name
		}
	default:
		outNames := make([]string, len(outs))
		for i, o := range outs {
			outNames[i] = o.Name
		}
		c.errorf(ne.Pos(), "%s() returns %d columns (%s); name all of them: (%s) = %s(...)",
			call.Fun.Name, len(outs), strings.Join(outNames, ", "), strings.Join(outNames, ", "), call.Fun.Name)
		return nil, false
	}
	c.multiCall = true
	v := c.scalarWith(call, sc, e, defined)
	c.multiCall = false
	if v == nil {
		return nil, false
	}
	items := make([]Item, len(outs))
	for i, o := range outs {
		var x Scalar = &Call{Fn: "dyn_index", Args: []Scalar{v, constLong(int64(i))}, T: TDynamic}
		if o.Type != TDynamic {
			x = &Call{Fn: ConvFunc(o.Type), Args: []Scalar{x}, T: o.Type}
		}
		items[i] = Item{Name: names[i], X: x}
	}
	return items, true
}

// multiOnly reports the error for a several-column builtin used where one
// value is needed.
func (c *checker) multiOnly(x *CallExpr, outs []Column) {
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = o.Name
	}
	c.errorf(x.Pos(), "%s() returns %d columns; use it alone in extend or project: extend (%s) = %s(...)",
		x.Fun.Name, len(outs), strings.Join(names, ", "), x.Fun.Name)
}
