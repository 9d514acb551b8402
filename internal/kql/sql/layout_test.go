package sql

import (
	"strings"
	"testing"

	"wsec/internal/kql"
	"wsec/internal/schema"
)

// fixtureLayout is a Layout over the fixture tables: Source selects the
// used columns of the table itself, TermFilter tests the column's own
// lower-cased text (a candidate test that is exact). It counts what the
// compiler asked.
type fixtureLayout struct {
	cat                kql.Catalog
	narrowed, filtered int
}

func (l *fixtureLayout) Source(table string, used func(string) bool) (string, bool) {
	t, ok := l.cat.Table(table)
	if !ok {
		return "", false
	}
	var cols []string
	for _, c := range t.Columns {
		if used(c.Name) {
			cols = append(cols, `"`+c.Name+`"`)
		}
	}
	if len(cols) < len(t.Columns) {
		l.narrowed++
	}
	if len(cols) == 0 {
		cols = []string{`"` + t.Columns[0].Name + `"`}
	}
	return "SELECT " + strings.Join(cols, ", ") + ` FROM "` + table + `"`, true
}

func (l *fixtureLayout) TermFilter(table, column, term string) (string, bool) {
	t, ok := l.cat.Table(table)
	if !ok {
		return "", false
	}
	str := false
	for _, c := range t.Columns {
		str = str || c.Name == column && c.Type == schema.String
	}
	if !str {
		return "", false
	}
	l.filtered++
	return `contains(lower("` + column + `"), '` + strings.ReplaceAll(term, "'", "''") + `')`, true
}

// Column reads Computer through an expression, as a store reads a column
// it computes.
func (l *fixtureLayout) Column(table, column string) (string, bool) {
	if column != "Computer" {
		return "", false
	}
	if _, ok := l.cat.Table(table); !ok {
		return "", false
	}
	return `CAST("Computer" AS VARCHAR)`, true
}

// TestSemanticsWithLayout runs every semantics case with a Layout: reading
// only the used columns and guarding string predicates with a candidate
// test must not change a single result.
func TestSemanticsWithLayout(t *testing.T) {
	l := &fixtureLayout{cat: fixtureCatalog()}
	checkSemCases(t, loadSemCases(t), Options{Now: semanticsNow, Layout: l})
	if l.narrowed < 50 || l.filtered < 10 {
		t.Errorf("the Layout read %d narrowed sources and gave %d term filters: the cases do not exercise it", l.narrowed, l.filtered)
	}
	t.Logf("%d narrowed sources, %d term filters", l.narrowed, l.filtered)
}

// TestLayoutScope: the term filter guards only a filter right on a scan
// (where the Source's columns are in scope), and the Source gets exactly
// the columns the statement names.
func TestLayoutScope(t *testing.T) {
	cat := fixtureCatalog()
	for _, tc := range []struct {
		q         string
		guarded   bool
		used, not []string
	}{
		{`SecurityEvent | where Account has "admin" | project Computer`, true, []string{"Account", "Computer"}, []string{"EventID", "TimeGenerated"}},
		{`SecurityEvent | where EventID == 4624 and Account !contains "adm" | count`, true, []string{"EventID", "Account"}, []string{"Computer"}},
		{`SecurityEvent | where Account has_any ("a", "b") | count`, true, []string{"Account"}, nil},
		{`SecurityEvent | extend a = Account | where a has "admin" | count`, false, []string{"Account"}, nil},
		{`SecurityEvent | where Account matches regex "adm" | count`, false, []string{"Account"}, nil},
		{`SecurityEvent | where Account has "" | count`, false, []string{"Account"}, nil},
	} {
		q, err := kql.Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var usedBy func(string) bool
		l := &recordingLayout{fixtureLayout: fixtureLayout{cat: cat}, used: &usedBy}
		s, _, err := Compile(q, cat, DuckDB{}, Options{Layout: l})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(s, "CASE WHEN contains(lower(") || strings.Contains(s, "CASE WHEN (contains(lower("); got != tc.guarded {
			t.Errorf("%s: guarded %v, want %v\n%s", tc.q, got, tc.guarded, s)
		}
		for _, c := range tc.used {
			if !usedBy(c) {
				t.Errorf("%s: %s not used", tc.q, c)
			}
		}
		for _, c := range tc.not {
			if usedBy(c) {
				t.Errorf("%s: %s used", tc.q, c)
			}
		}
	}
}

type recordingLayout struct {
	fixtureLayout
	used *func(string) bool
}

func (l *recordingLayout) Source(table string, used func(string) bool) (string, bool) {
	*l.used = used
	return l.fixtureLayout.Source(table, used)
}
