package sql

import (
	"strings"
	"testing"

	"wsec/internal/kql"
	"wsec/internal/schema"
)

// coverageArgs are argument lists tried for each function the coverage
// table calls supported; one of them must check, compile and run.
var coverageArgs = []string{
	"", `"a"`, `"a", "b"`, `"a", "b", "c"`, "i", "i, 2", "i, 2, 3", "real(1.5), 1", `"a", 1`, `"a", 1, 2`,
	"datetime(2020-01-01)", "datetime(2020-01-01), 1d", `"day", datetime(2020-01-01)`, `"day", 1, datetime(2020-01-01)`,
	`"day", datetime(2020-01-01), datetime(2020-01-02)`, `datetime(2020-01-01), "yyyy"`, "dynamic([1, 2])", "dynamic([1, 2]), 1",
	"dynamic([1, 2]), 0, 1", "dynamic([1, 2]), dynamic([2])", `dynamic({"a": 1})`, `dynamic({"a": 1}), dynamic({"b": 1})`,
	`dynamic({"a": 1}), "a"`, "1d", `"10.0.0.1", "10.0.0.0/8"`, `"10.0.0.1"`, `"10.0.0.1", 24`, "i > 1, 1, 2", "i, i > 1",
	`"[a-z]", 0, "abc"`, `"[a-z]", "abc"`, `"a", "[a-z]", "b"`, "i, 1, 2, 3", "datetime(2020-01-01), 1d, 1d",
	"datetime(2020-01-01), 1d, datetime(2020-01-01)", "i, *",
}

// TestCoverageCompiles checks the coverage table against the DuckDB
// dialect: every function kql calls supported compiles and runs.
func TestCoverageCompiles(t *testing.T) {
	db := openSchemaDB(t, schema.New())
	cat := kql.NewCatalog(schema.New())
	for _, e := range kql.Coverage() {
		if e.Status == "refused" || e.Kind != "scalar" && e.Kind != "aggregate" {
			continue
		}
		if e.Name == "geo_info_from_ip_address" {
			continue // runs on the store's wsec_geo_info (store/duckdb/geo.go), not on a bare database
		}
		var errs []string
		ok := false
		for _, args := range coverageArgs {
			call := e.Name + "(" + args + ")"
			src := "range i from 1 to 3 step 1 | serialize | extend x = " + call
			if e.Kind == "aggregate" || kql.IsAggregate(e.Name) {
				src = "range i from 1 to 3 step 1 | summarize " + call
			}
			switch e.Name {
			case "toscalar":
				src = "print x = toscalar(print 1)"
			case "table", "view":
				src = e.Name + `("WindowsEvent") | count`
			case "materialize":
				src = "materialize(WindowsEvent) | count"
			}
			if _, _, err := runKQL(db, cat, src); err != nil {
				// Several-column functions (series_decompose) name
				// their own columns.
				if _, _, err2 := runKQL(db, cat, strings.Replace(src, "extend x = ", "extend ", 1)); err2 != nil {
					errs = append(errs, err.Error())
					continue
				}
			}
			ok = true
			break
		}
		if !ok {
			t.Errorf("%s %s is listed as supported but no call compiles and runs; first errors:\n  %s", e.Kind, e.Name, strings.Join(firstN(errs, 3), "\n  "))
		}
	}
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
