package duckdb

import (
	"strconv"
	"strings"

	"wsec/internal/schema"
)

// The read side's help to the KQL compiler (kql/sql.Layout), per
// workspace since the physical layout is:
//
//   - Source: a query reads an event table through a SELECT of just the
//     columns it names rather than through the view. DuckDB binds a view's
//     whole select list for every query naming it (SecurityEvent: ~230
//     columns, most of them wsec_col calls), ~3.5 ms per statement on the
//     project machine; a count over a million events takes ~1 ms.
//   - TermFilter: `EventData has "x"` renders the XML of every row (~4 µs
//     per row). A term that occurs in the rendered EventData occurs in one
//     of the event's own strings (schema.EventDataPieceTerm says for which
//     terms that holds): a value or the Binary (in _Vals, or a shared
//     column for a "^" token), a field name or the UserData wrapper (in
//     the template), or the whole text when the row keeps EventData as an
//     extra (in _Vals). Testing those first is a substring search over
//     ~275 bytes of _Vals and a few short columns; only the rows that pass
//     are rendered. Cold columns read from _Vals get the same test without
//     the rendering caveats.

// viewLayout returns the layout behind a logical table the compiler may
// read through Source, or nil.
func (w *Workspace) viewLayout(table string) *layout {
	switch {
	case w.se != nil && table == w.se.table.Name:
		return w.se
	case w.we != nil && table == w.we.table.Name:
		return w.we
	}
	return nil
}

// Source implements kqlsql.Layout: a SELECT over the physical table of
// the logical columns used names, with the view's expressions, and _Vals
// when named (TermFilter reads it).
func (w *Workspace) Source(table string, used func(string) bool) (string, bool) {
	l := w.viewLayout(table)
	if l == nil {
		return "", false
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	n := 0
	add := func(expr, name string) {
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		b.WriteString(expr + " AS " + quoteIdent(name))
	}
	for i, c := range l.table.Columns {
		if used(c.Name) {
			add(l.columnExpr(i), c.Name)
		}
	}
	if l.vals >= 0 && used(valsCol) {
		add(quoteIdent(valsCol), valsCol)
	}
	if n == 0 { // count(*): a SELECT needs a column; DuckDB reads none
		for _, c := range l.cols {
			if c.logical >= 0 {
				add(l.columnExpr(c.logical), l.table.Columns[c.logical].Name)
				break
			}
		}
	}
	b.WriteString(" FROM " + quoteIdent(l.phys))
	return b.String(), true
}

// Column implements kqlsql.Layout: a cold column is its wsec_col
// expression.
func (w *Workspace) Column(table, column string) (string, bool) {
	l := w.viewLayout(table)
	if l == nil || l.vals < 0 {
		return "", false
	}
	i, ok := l.table.Col(column)
	if !ok || l.physOf[i] >= 0 || l.constant[i] != "" {
		return "", false
	}
	return l.coldExpr(i), true
}

// TermFilter implements kqlsql.Layout for the columns read from _Vals:
// EventData (rendered from the payload) and the cold string columns. It
// is true where _Vals, the template or (for EventData) a shared column
// contains term, ignoring case.
func (w *Workspace) TermFilter(table, column, term string) (string, bool) {
	l := w.viewLayout(table)
	if l == nil || l.vals < 0 || term == "" {
		return "", false
	}
	i, ok := l.table.Col(column)
	if !ok || l.physOf[i] >= 0 || l.constant[i] != "" || l.table.Columns[i].Type != schema.String {
		return "", false
	}
	payload := i == l.payloadCol
	if payload && !schema.EventDataPieceTerm(term) {
		return "", false
	}
	lit := sqlString(term)
	// A term of ASCII digits and punctuation is found the same with or
	// without lower(), which maps only letters, never onto one of those,
	// and costs an allocation per row.
	lower := func(x string) string { return "lower(" + x + ")" }
	if isASCII(term) && !strings.ContainsFunc(term, func(r rune) bool { return 'a' <= r && r <= 'z' }) {
		lower = func(x string) string { return x }
	}
	parts := []string{"contains(" + lower(quoteIdent(valsCol)) + ", " + lit + ")"}
	if payload {
		for _, name := range securityEventShared {
			k, ok := l.table.Col(name)
			if !ok || !l.shared[k] {
				continue
			}
			col := quoteIdent(name)
			if l.table.Columns[k].Type != schema.String {
				// an integer's text is digits and a sign
				if strings.Trim(term, "0123456789-") != "" {
					continue
				}
				col = "CAST(" + col + " AS VARCHAR)"
			}
			parts = append(parts, "contains("+lower(col)+", "+lit+")")
		}
	}
	parts = append(parts, w.templateMatch(term))
	return "(" + strings.Join(parts, " OR ") + ")", true
}

// templateMatch is true for the rows whose template's definition (field
// names, UserData wrapper, constant values) contains term ignoring case:
// the templates that do, those with text Go and DuckDB might lower-case
// differently (non-ASCII), and any added after this call (a row committed
// later may use one). Inline definitions (id 0) are in _Vals itself.
func (w *Workspace) templateMatch(term string) string {
	s := w.tpl.snap.Load()
	var ids []string
	for _, t := range s.byID {
		if !isASCII(t.def) || strings.Contains(strings.ToLower(t.def), term) {
			ids = append(ids, strconv.Itoa(int(t.id)))
		}
	}
	id := "TRY_CAST(split_part(" + quoteIdent(valsCol) + ", ';', 1) AS INTEGER)"
	m := id + " > " + strconv.Itoa(len(s.byID))
	if len(ids) > 0 {
		m = "(" + id + " IN (" + strings.Join(ids, ", ") + ") OR " + m + ")"
	}
	return m
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
