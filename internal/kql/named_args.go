package kql

import (
	"fmt"
	"strings"

	"wsec/internal/suggest"
)

// builtinParams are the parameter names of the builtins that Kusto lets a
// caller pass by name (make_set(x, maxSize=10)), as the KQL reference
// spells them. A name is matched case-insensitively.
var builtinParams = map[string][]string{
	"make_set":                   {"expr", "maxSize"},
	"make_list":                  {"expr", "maxSize"},
	"make_bag":                   {"expr", "maxSize"},
	"make_set_if":                {"expr", "predicate", "maxSize"},
	"make_list_if":               {"expr", "predicate", "maxSize"},
	"make_bag_if":                {"expr", "predicate", "maxSize"},
	"make_list_with_nulls":       {"expr", "maxSize"},
	"dcount":                     {"expr", "accuracy"},
	"dcountif":                   {"expr", "predicate", "accuracy"},
	"take_any":                   {"expr"},
	"split":                      {"source", "delimiter", "requestedIndex"},
	"extract":                    {"regex", "captureGroup", "source", "typeLiteral"},
	"extract_all":                {"regex", "captureGroups", "source"},
	"substring":                  {"source", "startingIndex", "length"},
	"round":                      {"number", "precision"},
	"bin":                        {"value", "roundTo"},
	"bin_at":                     {"value", "bin_size", "fixed_point"},
	"indexof":                    {"string", "match", "start", "length", "occurrence"},
	"ipv4_is_in_range":           {"Ipv4Address", "Ipv4Range"},
	"ipv4_compare":               {"Expr1", "Expr2", "PrefixMask"},
	"ipv4_is_match":              {"ip1", "ip2", "prefix"},
	"ipv6_compare":               {"ip1", "ip2", "prefix"},
	"ipv6_is_match":              {"ip1", "ip2", "prefix"},
	"series_decompose_anomalies": {"Series", "Threshold", "Seasonality", "Trend", "Test_points", "AD_method", "Seasonality_threshold"},
	"series_decompose":           {"Series", "Seasonality", "Trend", "Test_points", "Seasonality_threshold"},
	"series_outliers":            {"series", "kind", "ignore_val", "min_percentile", "max_percentile"},
	"series_fill_const":          {"series", "constant_value", "missing_value_placeholder"},
	"series_fill_linear":         {"series", "missing_value_placeholder", "fill_edges", "constant_value"},
	"series_fill_forward":        {"series", "missing_value_placeholder"},
	"series_fill_backward":       {"series", "missing_value_placeholder"},
	"series_stats":               {"series", "ignore_nonfinite"},
	"series_stats_dynamic":       {"series", "ignore_nonfinite"},
}

// positional returns x with its named arguments moved to their positions in
// params. A named argument may only follow the positional ones and may not
// leave a gap.
func (c *checker) positional(x *CallExpr, params []string) (*CallExpr, bool) {
	named := false
	for _, a := range x.Args {
		if _, ok := a.(*NamedArg); ok {
			named = true
		}
	}
	if !named {
		return x, true
	}
	if params == nil {
		c.errorf(x.Pos(), "%s() takes no named arguments", x.Fun.Name)
		return nil, false
	}
	args := make([]Expr, len(params))
	n := 0
	for i, a := range x.Args {
		na, ok := a.(*NamedArg)
		if !ok {
			if n != i {
				c.errorf(a.Pos(), "positional argument after a named one in %s()", x.Fun.Name)
				return nil, false
			}
			if i >= len(params) {
				c.errorf(a.Pos(), "%s() takes %d arguments", x.Fun.Name, len(params))
				return nil, false
			}
			args[i] = a
			n++
			continue
		}
		j := paramIndex(params, na.Name.Name)
		if j < 0 {
			msg := fmt.Sprintf("%s() has no parameter '%s'", x.Fun.Name, na.Name.Name)
			if s := suggest.Nearest(na.Name.Name, params); s != "" {
				msg += fmt.Sprintf(" (did you mean '%s'?)", s)
			}
			c.errorf(na.Pos(), "%s", msg)
			return nil, false
		}
		if args[j] != nil {
			c.errorf(na.Pos(), "argument '%s' of %s() is given twice", params[j], x.Fun.Name)
			return nil, false
		}
		args[j] = na.X
	}
	last := len(args) - 1
	for last >= 0 && args[last] == nil {
		last--
	}
	for i := 0; i <= last; i++ {
		if args[i] == nil {
			c.errorf(x.Pos(), "%s(): argument '%s' is missing before the named arguments", x.Fun.Name, params[i])
			return nil, false
		}
	}
	out := *x
	out.Args = args[:last+1]
	return &out, true
}

func paramIndex(params []string, name string) int {
	for i, p := range params {
		if strings.EqualFold(p, name) {
			return i
		}
	}
	return -1
}

// fnParamNames returns the parameter names of a user function.
func fnParamNames(f *FuncExpr) []string {
	names := make([]string, len(f.Params))
	for i, p := range f.Params {
		names[i] = p.Name.Name
	}
	return names
}
