package sql

import "wsec/internal/kql"

// Dialect is what the compiler needs from a SQL engine. The compiler core
// writes the relational skeleton every engine shares (SELECT ... FROM ...
// WHERE ... GROUP BY ... ORDER BY, joins, UNION ALL, CASE, IN lists,
// window OVER clauses); a Dialect writes everything engine-specific:
// identifiers, literals, types, and every function and operator with a
// name. DuckDB and ClickHouse implement it.
//
// Dialect is the required core: every engine must write these. What some
// engines lack is asked for with the optional interfaces below (the
// database/sql/driver manner: a type assertion, and a documented fallback
// when the dialect does not implement one), so an engine that lacks a
// feature still runs every query that does not need it, and a query that
// does gets an error naming the function and the store.
//
// Methods return an error (not a panic) for a function the engine cannot
// express; the error names the KQL function.
type Dialect interface {
	// Quote quotes an identifier.
	Quote(ident string) string
	// Literal writes a constant of a KQL type (null included).
	Literal(c *kql.Const) (string, error)
	// Func writes a scalar builtin, operator or conversion applied to args.
	// fn is the plan's canonical name (see kql.Call); ret is the KQL result
	// type. Predicates may return NULL where KQL says false; the core
	// adds the null handling KQL needs.
	Func(fn string, args []Arg, ret kql.Type) (string, error)
	// Agg writes an aggregate. filter, when not empty, is a SQL predicate
	// restricting the rows it sees (countif, sumif, ...).
	Agg(fn string, args []Arg, ret kql.Type, filter string) (string, error)
	// Pack and Unpack carry several values through one aggregate
	// (arg_max returns a whole row): Pack builds a record of exprs, Field
	// reads its i-th value back.
	Pack(exprs []string) string
	Field(record string, i int) string
	// PivotObject is the aggregate building a {key: value} object from
	// key and value expressions (evaluate pivot).
	PivotObject(key, value string) string
	// Elements returns a SQL list of a dynamic value's elements (arrays:
	// the elements; bags: {key: value} objects, or [key, value] arrays when
	// pairs is set; scalars: the value itself), Length the length of such
	// a list, and ElementAt its i-th (0-based) element as a dynamic value.
	Elements(dynamic string, pairs bool) string
	Length(list string) string
	ElementAt(list, i string) string
	// ExpandIndex is a select-list expression that repeats its row n times,
	// yielding 0..n-1 (the row disappears when n is 0).
	ExpandIndex(n string) string
	// Sample writes the clause that keeps n random rows of a subquery.
	Sample(subquery string, n string) string
	// JoinClause writes the join keyword for a KQL join kind between the
	// left and right subqueries (SEMI/ANTI where the engine has them).
	JoinClause(kind string) (string, error)
	// OutputColumn converts a value of type t for the result set (dynamic to
	// JSON text, strings never null, ...).
	OutputColumn(expr string, t kql.Type) string
	// ListAgg is the aggregate collecting expr, ordered by orderBy, into a
	// dynamic array.
	ListAgg(expr, orderBy string) string
}

// CTEWriter is optional: a dialect whose engine runs common table
// expressions (WITH name AS (SELECT ...)). Fallback: a shared relation (a
// tabular let, as, materialize()) is inlined as a subquery where it is
// read, which gives the same rows, computed once per read.
type CTEWriter interface {
	// CTE writes a common table expression of name over body, computed
	// once when materialize is set.
	CTE(name, body string, materialize bool) string
}

// SessionWriter is optional: a dialect that can compute
// row_window_session(). Fallback: none; a query calling it gets an error
// saying the store cannot run it.
type SessionWriter interface {
	// SessionStart writes a relation: the rows of sub (read through alias)
	// with one more column, out, holding row_window_session's value: the
	// start of each row's session in the given order. expr, maxFirst,
	// maxGap and restart are SQL over alias's columns (timespans in the
	// dialect's representation); restart may be "false".
	SessionStart(sub, alias, expr, maxFirst, maxGap, restart, order, out string) string
}

// Windowless is implemented by a dialect whose engine has no SQL window
// functions (ClickHouse before 21.x). The compiler then numbers serialized
// rows with RowNumber and keeps the first row per key (innerunique joins)
// with FirstPerKey instead of row_number() OVER; prev(), next(),
// row_number() and row_cumsum() get an error naming the store. Dialects
// that do not implement it have window functions (the fallback is the
// standard SQL of the compiler core).
type Windowless interface {
	// RowNumber is a select-list expression numbering the rows of the
	// enclosing SELECT from 1, in the order its input produces them.
	RowNumber() string
	// FirstPerKey writes a relation of the rows of sub (read through
	// alias) keeping one row per distinct value of the keys (SQL over
	// alias's columns).
	FirstPerKey(sub, alias string, keys []string) string
}

// GlobalAliases is implemented by a dialect whose engine resolves a SELECT
// alias anywhere in the statement (ClickHouse), so that an alias equal to
// a column's name would replace that column in the other expressions of
// its SELECT. The compiler then names every column it computes uniquely in
// the whole statement. Fallback (standard SQL scoping): the KQL names.
type GlobalAliases interface {
	GlobalAliases()
}

// Arg is a compiled argument: its SQL text, KQL type, and, for constants,
// the value (so the dialect can specialise, e.g. compile a has() term
// into a LIKE pattern).
type Arg struct {
	SQL   string
	Type  kql.Type
	Const *kql.Const
	// Nullable is false when the value can never be NULL in SQL.
	Nullable bool
}

// ConstString returns the string constant of a, if it is one.
func (a Arg) ConstString() (string, bool) {
	if a.Const == nil {
		return "", false
	}
	s, ok := a.Const.V.(string)
	return s, ok
}

// GuardedFuncWriter is optional: a dialect that writes a string predicate
// (has, has_any, ...) differently when a Layout's candidate test already
// holds for the row. DuckDB's has is a substring test and a term regular
// expression; under the candidate test the substring test mostly passes
// and reads the column a second time, which over a column rendered per row
// (EventData) doubles the cost. Fallback: Func.
type GuardedFuncWriter interface {
	GuardedFunc(fn string, args []Arg, ret kql.Type) (string, error)
}
