package sql

import "wsec/internal/kql"

// Dialect is what the compiler needs from a SQL engine. The compiler core
// writes the relational skeleton every engine shares (SELECT ... FROM ...
// WHERE ... GROUP BY ... ORDER BY, joins, UNION ALL, CASE, IN lists,
// window OVER clauses); a Dialect writes everything engine-specific:
// identifiers, literals, types, and every function and operator with a
// name. DuckDB is the first implementation; ClickHouse will be the second.
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
	// SessionStart writes a relation: the rows of sub (read through alias)
	// with one more column, out, holding row_window_session's value: the
	// start of each row's session in the given order. expr, maxFirst,
	// maxGap and restart are SQL over alias's columns (timespans in the
	// dialect's representation); restart may be "false".
	SessionStart(sub, alias, expr, maxFirst, maxGap, restart, order, out string) string
	// ListAgg is the aggregate collecting expr, ordered by orderBy, into a
	// dynamic array.
	ListAgg(expr, orderBy string) string
	// CTE writes a common table expression of name over body, computed
	// once when materialize is set.
	CTE(name, body string, materialize bool) string
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
