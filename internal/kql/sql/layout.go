package sql

import (
	"strings"

	"wsec/internal/kql"
)

// Layout is optional knowledge of how a store lays its tables out, given
// per query (Options.Layout), since it may differ between the workspaces of
// one store. The compiler uses it for two things the logical tables alone
// make slow:
//
//   - Reading only the columns a query uses. The embedded store's event
//     tables are views of ~230 columns, most of them Go calls over one text
//     column, and DuckDB binds a view's whole select list for every query
//     naming it: ~3-4 ms per query, more than a count over a million rows
//     takes. A relation of just the used columns binds in well under 1 ms.
//   - A cheap candidate test before an expensive string predicate: over a
//     column the store renders per row (EventData from the stored payload),
//     `has`, `contains` and the like first test the stored parts the
//     rendered text is made of, and render only the rows that pass.
//
// Without a Layout (nil) the compiler reads tables by name.
type Layout interface {
	// Source returns the SQL of a relation (a SELECT) that reads table
	// with every column used reports as used under its logical name and
	// type (others may be missing), plus whatever column its TermFilter
	// predicates read when used reports that name as used; ok false reads
	// the table by name. used is conservative: it reports every column the
	// statement may read (and maybe more).
	Source(table string, used func(name string) bool) (sql string, ok bool)
	// TermFilter returns a SQL predicate over the columns of table's
	// Source that is true for every row whose column, as text and lower
	// cased, contains term (lower cased already), and is much cheaper than
	// reading the column; ok false when there is none. The compiler then
	// evaluates the exact predicate only on rows where it holds, so it may
	// be true on more rows than needed, never on fewer.
	TermFilter(table, column, term string) (sql string, ok bool)
	// Column returns the SQL expression over the columns of table's Source
	// that Source computes column with, when it is costly (a Go call per
	// row); ok false for a plain column. A filter right on the scan reads
	// such a column through its expression: DuckDB does not always push a
	// filter below the Source's projection, and then computed the column for
	// every row of the table before filtering (EventData has "x" over 1M
	// events: 1M renderings instead of the 35k rows that passed).
	Column(table, column string) (sql string, ok bool)
}

// TermMatcher is optional in a Layout: a store that can decide some string
// predicates over a column it computes per row from what it stores, more
// cheaply than by computing the column (the embedded store: `EventData has
// "x"` from the stored values, without rendering the XML).
type TermMatcher interface {
	// TermMatch returns a SQL expression over the columns of table's
	// Source that is, on every row where TermFilter's test holds, true
	// when `column op term` holds, false when it does not, and null when
	// the store cannot tell (the compiler then evaluates the predicate
	// itself there); ok false when it has none for op and term.
	TermMatch(table, column, op, term string) (sql string, ok bool)
}

// TermIndex is optional in a Layout: a store that indexes the terms of a
// column it computes per row names the rows where a has-family predicate
// may hold, as a predicate the engine can skip storage by (the embedded
// store: the batches whose EventData holds the term's words).
type TermIndex interface {
	// TermRows returns a SQL predicate over the columns of table's Source
	// that is true on every row where `column op term` holds for any of
	// terms (all: for every one of them); ok false when there is none.
	TermRows(table, column, op string, terms []string, all bool) (sql string, ok bool)
}

// withTermRows returns s (the predicate over col, guarded by cand) behind
// the store's TermRows as a conjunct of its own, so that a WHERE hands it
// to the engine as a filter of the scan; s alone when there is none.
func (c *compiler) withTermRows(sc *scope, cand, col, op string, terms []string, all bool, s string) string {
	ti, ok := c.opts.Layout.(TermIndex)
	if cand == "" || !ok {
		return s
	}
	rows, ok := ti.TermRows(sc.table, col, op, terms, all)
	if !ok {
		return s
	}
	return "(" + rows + " AND " + s + ")"
}

// termMatch returns the store's decision of `col op term` (TermMatcher)
// where the candidate test cand holds, or "".
func (c *compiler) termMatch(sc *scope, cand, col, op, term string) string {
	m, ok := c.opts.Layout.(TermMatcher)
	if cand == "" || !ok {
		return ""
	}
	s, ok := m.TermMatch(sc.table, col, op, term)
	if !ok {
		return ""
	}
	return s
}

// termMatchList is termMatch for has_any (any term) and has_all (every
// term): the store's decisions per term, joined with SQL's three-valued OR
// or AND, which is null exactly where the answer depends on an unknown.
func (c *compiler) termMatchList(sc *scope, cand, col, fn string, terms []string, all bool) string {
	if cand == "" || len(terms) == 0 {
		return ""
	}
	op := listOp(fn)
	var parts []string
	for _, t := range terms {
		m := c.termMatch(sc, cand, col, op, t)
		if m == "" {
			return ""
		}
		parts = append(parts, m)
	}
	join := " OR "
	if all {
		join = " AND "
	}
	return "(" + strings.Join(parts, join) + ")"
}

// listOp is the has operator each term of has_any or has_all (fn, maybe
// _cs) is tested with.
func listOp(fn string) string {
	if strings.HasSuffix(fn, "_cs") {
		return "has_cs"
	}
	return "has"
}

// impliesContains are the string predicates (plain or negated) that hold
// only when the left side contains the constant right side, ignoring case:
// the ones a TermFilter may guard.
var impliesContains = map[string]bool{
	"=~": true, "has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true, "hassuffix": true, "hassuffix_cs": true,
	"contains": true, "contains_cs": true, "startswith": true, "startswith_cs": true, "endswith": true, "endswith_cs": true,
}

// termFilter returns the store's candidate test for `col op term` (terms:
// any of them) in scope sc, or "" when there is none: sc must read a
// table through its Layout Source directly, and every term must have one.
func (c *compiler) termFilter(sc *scope, col string, terms []string) string {
	if sc.table == "" || c.opts.Layout == nil || len(terms) == 0 {
		return ""
	}
	var parts []string
	for _, t := range terms {
		if t == "" {
			return ""
		}
		p, ok := c.opts.Layout.TermFilter(sc.table, col, strings.ToLower(t))
		if !ok {
			return ""
		}
		parts = append(parts, p)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// guard wraps the exact predicate s so that it is evaluated only where the
// candidate test holds (CASE evaluates THEN only for those rows; an AND
// could be reordered by the engine). Where the test fails s is false or
// null (a null column), and the result false: the same in a filter, and
// what the callers make of a null in value context (coalesce to false).
func (c *compiler) guard(cand, s string) string {
	if cand == "" {
		return s
	}
	return "(CASE WHEN " + cand + " THEN " + s + " ELSE " + c.boolLit(false) + " END)"
}

// usedColumns returns the test Layout.Source gets: whether the statement
// text names the column (quoted, as the compiler writes every reference;
// case-insensitively, as DuckDB resolves identifiers).
func usedColumns(d Dialect, stmt string) func(string) bool {
	lower := strings.ToLower(stmt)
	return func(name string) bool { return strings.Contains(lower, strings.ToLower(d.Quote(name))) }
}

// guardedFunc writes fn over args for the rows where cand holds
// (GuardedFuncWriter), or as Func when cand is empty.
func (c *compiler) guardedFunc(cand, fn string, args []Arg) (string, error) {
	if g, ok := c.d.(GuardedFuncWriter); ok && cand != "" {
		return g.GuardedFunc(fn, args, kql.TBool)
	}
	return c.d.Func(fn, args, kql.TBool)
}
