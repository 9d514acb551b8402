package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"wsec/internal/kql"
)

// ClickHouse is the dialect of ClickHouse 18.16 and later (store/clickhouse).
// Value representations:
//
//	string   Nullable(String) (NULL read as "")  datetime Int64 Unix microseconds
//	int/long Int64                               timespan Int64 microseconds
//	real     Float64                             dynamic  String (JSON text)
//	bool     UInt8 (0/1)                         guid     String
//
// 18.16 has no DateTime64, no window functions, no common table
// expressions, no SEMI/ANTI joins and no JSON functions beyond
// visitParam*: so ClickHouse implements Windowless (rows are numbered with
// rowNumberInAllBlocks(), innerunique keeps one row per key with LIMIT 1
// BY), not CTEWriter (shared relations are inlined) nor SessionWriter, and
// functions over dynamic values that need a JSON parser, anti joins and
// pivots answer an error naming the function. The zero value is ready to
// use.
type ClickHouse struct{}

// Quote implements Dialect.
func (ClickHouse) Quote(ident string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(ident, `\`, `\\`), `"`, `\"`) + `"`
}

// chString is a ClickHouse string literal.
func chString(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) + "'"
}

func chType(t kql.Type) string {
	switch t {
	case kql.TBool:
		return "Nullable(UInt8)"
	case kql.TInt, kql.TLong, kql.TTimeSpan, kql.TDateTime:
		return "Nullable(Int64)"
	case kql.TReal:
		return "Nullable(Float64)"
	}
	return "Nullable(String)"
}

// Literal implements Dialect.
func (ClickHouse) Literal(c *kql.Const) (string, error) {
	if c.V == nil {
		return "CAST(NULL AS " + chType(c.T) + ")", nil
	}
	switch v := c.V.(type) {
	case string:
		return chString(v), nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	case int64:
		if c.T == kql.TReal {
			return "toFloat64(" + strconv.FormatInt(v, 10) + ")", nil
		}
		return "toInt64(" + strconv.FormatInt(v, 10) + ")", nil
	case float64:
		switch {
		case math.IsNaN(v):
			return "nan", nil
		case math.IsInf(v, 1):
			return "inf", nil
		case math.IsInf(v, -1):
			return "-inf", nil
		}
		return "toFloat64(" + strconv.FormatFloat(v, 'g', -1, 64) + ")", nil
	case time.Time:
		return "toInt64(" + strconv.FormatInt(v.UnixMicro(), 10) + ")", nil
	case time.Duration:
		return "toInt64(" + strconv.FormatInt(v.Microseconds(), 10) + ")", nil
	case kql.Dynamic:
		return chString(string(v)), nil
	}
	return "", fmt.Errorf("clickhouse: cannot write a %T constant", c.V)
}

// OutputColumn implements Dialect.
func (ClickHouse) OutputColumn(expr string, t kql.Type) string {
	if t == kql.TString {
		return "ifNull(" + expr + ", '')"
	}
	return expr
}

// Pack implements Dialect.
func (ClickHouse) Pack(exprs []string) string { return "tuple(" + strings.Join(exprs, ", ") + ")" }

// Field implements Dialect.
func (ClickHouse) Field(record string, i int) string {
	return "tupleElement(" + record + ", " + strconv.Itoa(i+1) + ")"
}

// unsupported is SQL that fails when it runs, naming what the store cannot
// do, for the Dialect methods that cannot return an error.
func unsupported(what string) string {
	return "wsec_not_supported_on_clickhouse_" + what + "()"
}

// PivotObject implements Dialect: not on 18.16 (no JSON building).
func (ClickHouse) PivotObject(key, value string) string { return unsupported("evaluate_pivot") }

// Elements implements Dialect for arrays of scalars written as JSON text;
// bags need a JSON parser 18.16 lacks.
func (ClickHouse) Elements(d string, pairs bool) string {
	if pairs {
		return unsupported("mv_expand_of_bags")
	}
	return "arrayMap(x -> trim(BOTH ' ' FROM x), splitByChar(',', replaceRegexpAll(" + d + ", '^\\\\[|\\\\]$', '')))"
}

// Length implements Dialect.
func (ClickHouse) Length(list string) string { return "toInt64(length(" + list + "))" }

// ElementAt implements Dialect.
func (ClickHouse) ElementAt(list, i string) string {
	return "arrayElement(" + list + ", " + i + " + 1)"
}

// ExpandIndex implements Dialect.
func (ClickHouse) ExpandIndex(n string) string {
	return "toInt64(arrayJoin(range(toUInt64(" + n + "))))"
}

// Sample implements Dialect.
func (ClickHouse) Sample(sub, n string) string {
	return "SELECT * FROM (" + sub + ") ORDER BY rand() LIMIT " + n
}

// JoinClause implements Dialect. ANY INNER JOIN keeps each left row once
// when a right row matches: a left semi join. Anti joins have no
// equivalent before ClickHouse 20.
func (ClickHouse) JoinClause(kind string) (string, error) {
	switch kind {
	case kql.JoinInner, kql.JoinInnerUnique:
		return "ALL INNER JOIN", nil
	case kql.JoinLeftOuter:
		return "ALL LEFT JOIN", nil
	case kql.JoinRightOuter:
		return "ALL RIGHT JOIN", nil
	case kql.JoinFullOuter:
		return "ALL FULL JOIN", nil
	case kql.JoinLeftSemi, kql.JoinRightSemi:
		return "ANY INNER JOIN", nil
	}
	return "", fmt.Errorf("clickhouse: join kind=%s is not supported by this store (ClickHouse 18.16 has no anti join); use where ... !in (...) instead", kind)
}

// ListAgg implements Dialect: the values ordered by orderBy, as JSON text.
func (d ClickHouse) ListAgg(expr, orderBy string) string {
	return d.jsonArray("arrayMap(p -> tupleElement(p, 1), arraySort(p -> tupleElement(p, 2), groupArray(tuple(" + expr + ", " + orderBy + "))))")
}

// jsonArray renders an array of scalars as JSON text (strings quoted,
// nulls as null).
func (ClickHouse) jsonArray(arr string) string {
	elem := "if(isNull(x), 'null', if(toTypeName(assumeNotNull(x)) = 'String', concat('\"', replaceAll(replaceAll(toString(x), '\\\\', '\\\\\\\\'), '\"', '\\\\\"'), '\"'), toString(x)))"
	return "concat('[', arrayStringConcat(arrayMap(x -> " + elem + ", " + arr + "), ','), ']')"
}

// RowNumber implements Windowless.
func (ClickHouse) RowNumber() string { return "toInt64(rowNumberInAllBlocks() + 1)" }

// FirstPerKey implements Windowless.
func (ClickHouse) FirstPerKey(sub, alias string, keys []string) string {
	if len(keys) == 0 {
		return "SELECT * FROM (" + sub + ") AS " + alias + " LIMIT 1"
	}
	return "SELECT * FROM (" + sub + ") AS " + alias + " LIMIT 1 BY " + strings.Join(keys, ", ")
}

// GlobalAliases implements GlobalAliases.
func (ClickHouse) GlobalAliases() {}
