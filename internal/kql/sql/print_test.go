package sql

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/kql"
	"wsec/internal/schema"
)

// TestPrintKeepsMeaning checks that kql.Print is faithful to the source,
// not only stable: every semantics case's query, printed and parsed again,
// must give the result the KQL reference gives for the source (a printer
// that drops parentheses, swaps operands or loses an option fails here).
func TestPrintKeepsMeaning(t *testing.T) {
	db := openFixtureDB(t)
	cat := fixtureCatalog()
	for _, c := range loadSemCases(t) {
		if c.wantErr != "" {
			continue
		}
		t.Run(fmt.Sprintf("%s:%d", c.file, c.line), func(t *testing.T) {
			q, err := kql.Parse(c.query)
			if err != nil {
				t.Fatal(err)
			}
			printed := kql.Print(q)
			cols, rows, err := runKQL(db, cat, printed)
			if err != nil {
				t.Fatalf("printed query fails: %v\nsource:\n%s\nprinted:\n%s", err, c.query, printed)
			}
			c.query = "printed from:\n" + c.query + "\nas:\n" + printed
			checkResult(t, c, cols, rows)
		})
	}
}

// TestPrintKeepsSentinelRules checks the same for the corpus's Sentinel
// rules, which the fixture cannot run: a rule and its printed form compile
// to the same SQL.
func TestPrintKeepsSentinelRules(t *testing.T) {
	rules := loadRules(t, corpustest.Dir(t, "sentinel-rules"))
	cat := kql.NewCatalog(schema.New())
	var paths []string
	for p := range rules {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	compiled := 0
	for _, p := range paths {
		compile := func(src string) (string, error) {
			q, err := kql.Parse(src)
			if err != nil {
				return "", err
			}
			s, _, err := Compile(q, cat, DuckDB{}, Options{Now: time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)})
			return s, err
		}
		want, err := compile(rules[p])
		if err != nil {
			continue // out of scope (tables wsec does not have); TestSentinelConformance reports the rest
		}
		q, _ := kql.Parse(rules[p])
		got, err := compile(kql.Print(q))
		if err != nil {
			t.Errorf("%s: printed rule does not compile: %v\n%s", p, err, kql.Print(q))
			continue
		}
		if got != want {
			t.Errorf("%s: printed rule compiles to other SQL\nprinted:\n%s\nsource SQL:\n%s\nprinted SQL:\n%s", p, kql.Print(q), want, got)
		}
		compiled++
	}
	if compiled < 30 {
		t.Errorf("only %d rules compiled; the corpus has 32 in scope", compiled)
	}
}
