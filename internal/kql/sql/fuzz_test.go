package sql

import (
	"testing"

	"wsec/internal/kql"
)

// FuzzCompile checks that what parses and checks also compiles without a
// panic (an error is fine) over the fixture catalog.
func FuzzCompile(f *testing.F) {
	f.Add("SecurityEvent | where EventID == 4625 | summarize count() by Account")
	f.Add("AppLogs_CL | mv-expand t = Props.tags | evaluate bag_unpack(Props) | project-reorder t")
	cat := fixtureCatalog()
	f.Fuzz(func(t *testing.T, src string) {
		q, err := kql.Parse(src)
		if err != nil {
			return
		}
		plan, err := kql.Check(q, cat)
		if err != nil {
			return
		}
		_, _, _ = CompilePlan(plan, DuckDB{}, Options{Now: semanticsNow})
	})
}
