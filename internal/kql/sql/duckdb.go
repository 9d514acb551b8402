package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"wsec/internal/kql"
)

// DuckDB is the dialect of DuckDB 1.5. Value representations:
//
//	string   VARCHAR (NULL read as "")      datetime TIMESTAMP (UTC, microseconds)
//	int/long BIGINT                         timespan BIGINT microseconds
//	real     DOUBLE                         dynamic  JSON (output as JSON text)
//	bool     BOOLEAN                        guid     VARCHAR
//
// The zero value is ready to use.
type DuckDB struct{}

// Quote implements Dialect.
func (DuckDB) Quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// runtimeErrorPrefix starts the message of an error the generated SQL
// raises itself (DuckDB's error()) when a limit is found to be exceeded only
// as the query runs; RuntimeError recognises it.
const runtimeErrorPrefix = "wsec query: "

// RuntimeError returns the message of an error the generated SQL raised
// (a query limit exceeded as it ran: the query's fault, not the server's),
// and whether err is one.
func RuntimeError(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	s := err.Error()
	i := strings.Index(s, runtimeErrorPrefix)
	if i < 0 {
		return "", false
	}
	return s[i+len(runtimeErrorPrefix):], true
}

func sqlString(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func duckType(t kql.Type) string {
	switch t {
	case kql.TBool:
		return "BOOLEAN"
	case kql.TInt, kql.TLong, kql.TTimeSpan:
		return "BIGINT"
	case kql.TReal:
		return "DOUBLE"
	case kql.TDateTime:
		return "TIMESTAMP"
	case kql.TDynamic, kql.TUnknown:
		return "JSON"
	}
	return "VARCHAR"
}

// Literal implements Dialect.
func (DuckDB) Literal(c *kql.Const) (string, error) {
	if c.V == nil {
		return "CAST(NULL AS " + duckType(c.T) + ")", nil
	}
	switch v := c.V.(type) {
	case string:
		return sqlString(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case int64:
		if c.T == kql.TReal {
			return "CAST(" + strconv.FormatInt(v, 10) + " AS DOUBLE)", nil
		}
		if v > math.MaxInt32 || v < math.MinInt32 {
			return "CAST(" + strconv.FormatInt(v, 10) + " AS BIGINT)", nil
		}
		if v < 0 {
			return "(" + strconv.FormatInt(v, 10) + ")", nil
		}
		return strconv.FormatInt(v, 10), nil
	case float64:
		switch {
		case math.IsNaN(v):
			return "CAST('nan' AS DOUBLE)", nil
		case math.IsInf(v, 1):
			return "CAST('inf' AS DOUBLE)", nil
		case math.IsInf(v, -1):
			return "CAST('-inf' AS DOUBLE)", nil
		}
		return "CAST(" + strconv.FormatFloat(v, 'g', -1, 64) + " AS DOUBLE)", nil
	case time.Time:
		return "TIMESTAMP '" + v.UTC().Format("2006-01-02 15:04:05.999999") + "'", nil
	case time.Duration:
		return "CAST(" + strconv.FormatInt(v.Microseconds(), 10) + " AS BIGINT)", nil
	case kql.Dynamic:
		return "CAST(" + sqlString(string(v)) + " AS JSON)", nil
	}
	return "", fmt.Errorf("duckdb: cannot write a %T constant", c.V)
}

// OutputColumn implements Dialect.
func (DuckDB) OutputColumn(expr string, t kql.Type) string {
	switch t {
	case kql.TString:
		return "coalesce(" + expr + ", '')"
	case kql.TDynamic, kql.TUnknown:
		return "CAST(" + expr + " AS VARCHAR)"
	}
	return expr
}

// Pack implements Dialect.
func (DuckDB) Pack(exprs []string) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "'f" + strconv.Itoa(i) + "': " + e
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Field implements Dialect.
func (DuckDB) Field(record string, i int) string {
	return "struct_extract(" + record + ", 'f" + strconv.Itoa(i) + "')"
}

// PivotObject implements Dialect.
func (DuckDB) PivotObject(key, value string) string {
	return "json_group_object(" + key + ", " + value + ")"
}

// Elements implements Dialect.
func (DuckDB) Elements(d string, pairs bool) string {
	val := "json_extract(" + d + ", '/' || replace(replace(k, '~', '~0'), '/', '~1'))"
	entry := "json_object(k, " + val + ")"
	if pairs {
		entry = "json_array(k, " + val + ")"
	}
	return "(CASE WHEN " + d + " IS NULL OR json_type(" + d + ") = 'NULL' THEN [CAST(NULL AS JSON)]" +
		" WHEN json_type(" + d + ") = 'ARRAY' THEN json_extract(" + d + ", '$[*]')" +
		" WHEN json_type(" + d + ") = 'OBJECT' THEN list_transform(json_keys(" + d + "), lambda k: " + entry + ")" +
		" ELSE [CAST(" + d + " AS JSON)] END)"
}

// Length implements Dialect.
func (DuckDB) Length(list string) string { return "len(" + list + ")" }

// ElementAt implements Dialect.
func (DuckDB) ElementAt(list, i string) string { return list + "[" + i + " + 1]" }

// ExpandIndex implements Dialect.
func (DuckDB) ExpandIndex(n string) string { return "unnest(range(" + n + "))" }

// Sample implements Dialect.
func (DuckDB) Sample(sub, n string) string {
	return "SELECT * FROM (" + sub + ") USING SAMPLE " + n + " ROWS"
}

// JoinClause implements Dialect.
func (DuckDB) JoinClause(kind string) (string, error) {
	switch kind {
	case kql.JoinInner, kql.JoinInnerUnique:
		return "JOIN", nil
	case kql.JoinLeftOuter:
		return "LEFT JOIN", nil
	case kql.JoinRightOuter:
		return "RIGHT JOIN", nil
	case kql.JoinFullOuter:
		return "FULL OUTER JOIN", nil
	case kql.JoinLeftSemi, kql.JoinRightSemi:
		return "SEMI JOIN", nil
	case kql.JoinLeftAnti, kql.JoinRightAnti:
		return "ANTI JOIN", nil
	}
	return "", fmt.Errorf("duckdb: unknown join kind %s", kind)
}

// CTE implements Dialect.
func (DuckDB) CTE(name, body string, materialize bool) string {
	if materialize {
		return name + " AS MATERIALIZED (" + body + ")"
	}
	return name + " AS (" + body + ")"
}

// SessionStart implements Dialect with a recursive query over the rows in
// order: a row starts a session when restart holds or it is too far from
// the session's first row or from the previous row.
func (d DuckDB) SessionStart(sub, alias, expr, maxFirst, maxGap, restart, order, out string) string {
	base := "SELECT " + alias + ".*, " + expr + " AS __rws_e, coalesce(" + restart + ", false) AS __rws_r, row_number() OVER (ORDER BY " + order + ") AS __rws_n FROM (" + sub + ") AS " + alias
	step := "CASE WHEN rb.__rws_r OR epoch_us(rb.__rws_e) - epoch_us(rs.__rws_start) > " + maxFirst +
		" OR epoch_us(rb.__rws_e) - epoch_us(rs.__rws_prev) > " + maxGap + " THEN rb.__rws_e ELSE rs.__rws_start END"
	return "SELECT * FROM (WITH RECURSIVE rb AS (" + base + "), rs(__rws_n, __rws_start, __rws_prev) AS (" +
		"SELECT __rws_n, __rws_e, __rws_e FROM rb WHERE __rws_n = 1 UNION ALL " +
		"SELECT rb.__rws_n, " + step + ", rb.__rws_e FROM rs JOIN rb ON rb.__rws_n = rs.__rws_n + 1) " +
		"SELECT rb.*, rs.__rws_start AS " + d.Quote(out) + " FROM rb JOIN rs ON rb.__rws_n = rs.__rws_n) AS " + alias + "_s"
}

// ListAgg implements Dialect.
func (DuckDB) ListAgg(expr, orderBy string) string {
	return "to_json(list(" + expr + " ORDER BY " + orderBy + "))"
}
