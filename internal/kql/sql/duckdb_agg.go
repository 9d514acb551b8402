package sql

import (
	"fmt"

	"wsec/internal/kql"
)

// Agg implements Dialect.
func (d DuckDB) Agg(fn string, a []Arg, ret kql.Type, filter string) (string, error) {
	f := ""
	if filter != "" {
		f = " FILTER (WHERE " + filter + ")"
	}
	arg := func(i int) string { return a[i].SQL }
	notNull := func(x string) string {
		if filter != "" {
			return " FILTER (WHERE (" + filter + ") AND " + x + " IS NOT NULL)"
		}
		return " FILTER (WHERE " + x + " IS NOT NULL)"
	}
	limit := func(list string, i int) string {
		if len(a) > i {
			return "list_slice(" + list + ", 1, " + arg(i) + ")"
		}
		return list
	}
	switch fn {
	case "count":
		return "count(*)" + f, nil
	case "dcount":
		return "count(DISTINCT " + arg(0) + ")" + f, nil
	case "sum":
		x := arg(0)
		if a[0].Type == kql.TBool {
			x = "CAST(" + x + " AS BIGINT)"
		}
		if a[0].Type.IsDynamic() {
			x = d.toDouble(a[0])
		}
		s := "sum(" + x + ")" + f
		if ret == kql.TLong || ret == kql.TInt || ret == kql.TTimeSpan {
			s = "CAST(" + s + " AS BIGINT)"
		}
		return s, nil
	case "avg":
		x := arg(0)
		if a[0].Type.IsDynamic() {
			x = d.toDouble(a[0])
		}
		s := "avg(" + x + ")" + f
		if ret == kql.TTimeSpan {
			s = "CAST(" + s + " AS BIGINT)"
		}
		return s, nil
	case "min", "max":
		return fn + "(" + arg(0) + ")" + f, nil
	case "take_any":
		return "any_value(" + arg(0) + ")" + f, nil
	case "stdev":
		return "stddev_samp(" + d.toDouble(a[0]) + ")" + f, nil
	case "stdevp":
		return "stddev_pop(" + d.toDouble(a[0]) + ")" + f, nil
	case "variance":
		return "var_samp(" + d.toDouble(a[0]) + ")" + f, nil
	case "variancep":
		return "var_pop(" + d.toDouble(a[0]) + ")" + f, nil
	case "percentile":
		p, ok := constFloat(a[1])
		if !ok {
			return "", fmt.Errorf("duckdb: percentile needs a constant")
		}
		return fmt.Sprintf("quantile_disc(%s, %v)%s", arg(0), p/100, f), nil
	case "make_set", "make_list":
		v := d.jsonValue(a[0])
		distinct := ""
		if fn == "make_set" {
			distinct = "DISTINCT "
		}
		list := "list(" + distinct + v + ")" + notNull(v)
		return "to_json(coalesce(" + limit(list, 1) + ", []))", nil
	case "make_bag":
		list := "list(" + arg(0) + ")" + " FILTER (WHERE json_type(" + arg(0) + ") = 'OBJECT'" + andFilter(filter) + ")"
		return "(CASE WHEN len(" + list + ") = 0 OR " + list + " IS NULL THEN CAST('{}' AS JSON) ELSE list_reduce(" + list + ", lambda x, y: json_merge_patch(x, y)) END)", nil
	case "arg_max", "arg_min":
		return fn + "(" + arg(0) + ", " + arg(1) + ")" + f, nil
	}
	return "", fmt.Errorf("duckdb: aggregate %s() is not supported", fn)
}

func andFilter(filter string) string {
	if filter == "" {
		return ""
	}
	return " AND (" + filter + ")"
}

func constFloat(a Arg) (float64, bool) {
	if a.Const == nil {
		return 0, false
	}
	switch v := a.Const.V.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}
