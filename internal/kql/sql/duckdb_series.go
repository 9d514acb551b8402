package sql

import (
	"fmt"
	"strings"

	"wsec/internal/kql"
)

// Series functions work on dynamic arrays of numbers (what make-series
// writes). Each is one scalar subquery over the unnested array, so the
// statistics of the whole series are window aggregates (OVER ()) beside
// each element, and the result is gathered back in element order.
//
// Differences from Kusto, documented in the package docs: seasonality
// autodetection is not done (the checker warns and extracts no seasonal
// component); the seasonal component is the mean of the detrended values in
// the same phase; the anomaly score is the distance outside the
// [min_percentile, max_percentile] range of the residuals divided by the
// width of that range (by 1 when the range is empty).

// seriesRows is the FROM clause of one row per element: v its value as a
// DOUBLE (null when not a number), i its 1-based position.
func (d DuckDB) seriesRows(series string) string {
	l := d.seriesList(series)
	return "(SELECT unnest(" + l + ") AS v, generate_subscripts(" + l + ", 1) AS i)"
}

// seriesList is a dynamic array as a DOUBLE[].
func (d DuckDB) seriesList(series string) string {
	return "list_transform(json_extract(" + series + ", '$[*]'), lambda e: TRY_CAST(e AS DOUBLE))"
}

// gather is the JSON array of expr over the rows, in element order ([] for
// an empty series).
func gather(expr string) string {
	return "to_json(coalesce(list(" + expr + " ORDER BY i), []))"
}

var seriesElementwise = map[string]string{
	"series_add": "+", "series_subtract": "-", "series_multiply": "*", "series_divide": "/",
	"series_greater": ">", "series_greater_equals": ">=", "series_less": "<", "series_less_equals": "<=",
	"series_equals": "=", "series_not_equals": "<>",
}

var seriesUnary = map[string]string{
	"series_abs": "abs", "series_sign": "sign", "series_floor": "floor", "series_ceiling": "ceiling",
	"series_log": "ln", "series_exp": "exp",
}

// series writes a series_* function; ok is false for other names.
func (d DuckDB) series(fn string, a []Arg) (sql string, ok bool, err error) {
	if op, found := seriesElementwise[fn]; found {
		return d.seriesBinary(op, a[0], a[1]), true, nil
	}
	if f, found := seriesUnary[fn]; found {
		return "(SELECT " + gather(f+"(v)") + " FROM " + d.seriesRows(a[0].SQL) + ")", true, nil
	}
	s := a[0].SQL
	switch fn {
	case "series_sum":
		return "(SELECT sum(v) FROM " + d.seriesRows(s) + ")", true, nil
	case "series_stats", "series_stats_dynamic":
		vals := []string{"min(v)", "arg_min(i, [v, i]) - 1", "max(v)", "arg_max(i, [v, i]) - 1", "avg(v)", "stddev_samp(v)", "var_samp(v)"}
		return "(SELECT " + d.seriesResult(fn == "series_stats_dynamic", []string{"min", "min_idx", "max", "max_idx", "avg", "stdev", "variance"}, vals) +
			" FROM " + d.seriesRows(s) + " WHERE v IS NOT NULL)", true, nil
	case "series_fit_line", "series_fit_line_dynamic":
		inner := "SELECT v, i, regr_slope(v, i) OVER () AS a, regr_intercept(v, i) OVER () AS b, regr_r2(v, i) OVER () AS r2, var_samp(v) OVER () AS var FROM " + d.seriesRows(s)
		vals := []string{"any_value(r2)", "any_value(a)", "any_value(var)", "var_samp(v - (b + a * i))", "any_value(b)", gather("b + a * i")}
		return "(SELECT " + d.seriesResult(fn == "series_fit_line_dynamic", []string{"rsquare", "slope", "variance", "rvariance", "interception", "line_fit"}, vals) +
			" FROM (" + inner + "))", true, nil
	case "series_decompose", "series_decompose_anomalies":
		return d.decompose(fn, a)
	case "series_outliers":
		kind, _ := a[1].ConstString()
		lo, hi := percentiles(kind, a[3], a[4])
		return "(SELECT " + gather("score") + " FROM (" + scoreRows("SELECT v, i, v AS r FROM "+d.seriesRows(s), lo, hi) + "))", true, nil
	case "series_fill_const":
		return d.seriesFill(a, 2, "coalesce(v, "+a[1].SQL+")"), true, nil
	case "series_fill_forward":
		return d.seriesFill(a, 1, "coalesce(v, last_value(v IGNORE NULLS) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))"), true, nil
	case "series_fill_backward":
		return d.seriesFill(a, 1, "coalesce(v, first_value(v IGNORE NULLS) OVER (ORDER BY i ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING))"), true, nil
	}
	return "", false, nil
}

// seriesResult is a JSON array of the values (the multi-column form; see
// kql's multiOutputs) or, for the _dynamic form, an object of them.
func (d DuckDB) seriesResult(object bool, names, vals []string) string {
	if !object {
		return "json_array(" + strings.Join(vals, ", ") + ")"
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = sqlString(names[i]) + ", " + v
	}
	return "json_object(" + strings.Join(parts, ", ") + ")"
}

// seriesFill replaces the missing values (nulls, and the value a[placeholder]
// when it is given and not null) with fill.
func (d DuckDB) seriesFill(a []Arg, placeholder int, fill string) string {
	rows := d.seriesRows(a[0].SQL)
	if placeholder < len(a) && !(a[placeholder].Const != nil && a[placeholder].Const.V == nil) {
		rows = "(SELECT CASE WHEN v = " + a[placeholder].SQL + " THEN NULL ELSE v END AS v, i FROM " + rows + ")"
	}
	return "(SELECT " + gather("f") + " FROM (SELECT i, " + fill + " AS f FROM " + rows + "))"
}

// seriesBinary applies op element by element; a number on either side
// applies to every element.
func (d DuckDB) seriesBinary(op string, l, r Arg) string {
	return d.seriesZip(l, r, func(x, y string) string { return "(" + x + " " + op + " " + y + ")" })
}

func (d DuckDB) seriesZip(l, r Arg, f func(x, y string) string) string {
	dyn := func(a Arg) bool { return a.Type == kql.TDynamic || a.Type == kql.TUnknown }
	switch {
	case dyn(l) && dyn(r):
		return "to_json(list_transform([" + d.seriesList(r.SQL) + "], lambda rr: list_transform(" + d.seriesList(l.SQL) + ", lambda x, k: " + f("x", "rr[k]") + "))[1])"
	case dyn(l):
		return "to_json(list_transform(" + d.seriesList(l.SQL) + ", lambda x: " + f("x", r.SQL) + "))"
	}
	return "to_json(list_transform(" + d.seriesList(r.SQL) + ", lambda y: " + f(l.SQL, "y") + "))"
}

// percentiles returns the residual range of a Tukey test: 25/75 for
// "tukey", the given ones (default 10/90) for "ctukey".
func percentiles(kind string, lo, hi Arg) (string, string) {
	if kind == "tukey" {
		return "0.25", "0.75"
	}
	return "(" + lo.SQL + ") / 100.0", "(" + hi.SQL + ") / 100.0"
}

// scoreRows adds the anomaly score of each residual r of rows.
func scoreRows(rows, lo, hi string) string {
	q := "SELECT *, quantile_cont(r, " + lo + ") OVER () AS plo, quantile_cont(r, " + hi + ") OVER () AS phi FROM (" + rows + ")"
	width := "(CASE WHEN phi > plo THEN phi - plo ELSE 1 END)"
	return "SELECT *, (CASE WHEN r > phi THEN (r - phi) / " + width + " WHEN r < plo THEN (r - plo) / " + width + " ELSE 0 END) AS score FROM (" + q + ")"
}

// decompose writes series_decompose (baseline, seasonal, trend, residual)
// and series_decompose_anomalies (ad_flag, ad_score, baseline). The checker
// has filled in every option as a constant.
func (d DuckDB) decompose(fn string, a []Arg) (string, bool, error) {
	opt := a[1:]
	if fn == "series_decompose_anomalies" {
		opt = a[2:]
	}
	period, ok := constNumber(opt[0])
	if !ok {
		return "", true, fmt.Errorf("duckdb: %s(): seasonality must be a constant", fn)
	}
	trendKind, _ := opt[1].ConstString()
	var trend string
	switch trendKind {
	case "avg":
		trend = "avg(v) OVER ()"
	case "linefit":
		trend = "(regr_intercept(v, i) OVER () + regr_slope(v, i) OVER () * i)"
	default:
		trend = "0.0"
	}
	rows := "SELECT v, i, " + trend + " AS t FROM " + d.seriesRows(a[0].SQL)
	season := "0.0"
	if period > 0 {
		season = fmt.Sprintf("avg(v - t) OVER (PARTITION BY (i - 1) %% %d)", int64(period))
	}
	rows = "SELECT *, " + season + " AS s FROM (" + rows + ")"
	rows = "SELECT *, v - t - s AS r FROM (" + rows + ")"
	if fn == "series_decompose" {
		return "(SELECT json_array(" + gather("t + s") + ", " + gather("s") + ", " + gather("t") + ", " + gather("r") + ") FROM (" + rows + "))", true, nil
	}
	method, _ := opt[3].ConstString()
	lo, hi := percentiles(method, Arg{SQL: "10"}, Arg{SQL: "90"})
	flag := "(CASE WHEN score > " + a[1].SQL + " THEN 1 WHEN score < -(" + a[1].SQL + ") THEN -1 ELSE 0 END)"
	return "(SELECT json_array(" + gather(flag) + ", " + gather("score") + ", " + gather("t + s") + ") FROM (" + scoreRows(rows, lo, hi) + "))", true, nil
}

// constNumber is a numeric constant argument.
func constNumber(a Arg) (float64, bool) {
	if a.Const == nil {
		return 0, false
	}
	switch n := a.Const.V.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
