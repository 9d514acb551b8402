package sql

import (
	"os"
	"strings"
	"testing"
)

func TestZZProbe(t *testing.T) {
	b, err := os.ReadFile(os.Getenv("PROBE"))
	if err != nil {
		t.Skip()
	}
	db := openFixtureDB(t)
	cat := fixtureCatalog()
	for _, q := range strings.Split(string(b), "\n===\n") {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		cols, rows, err := runKQL(db, cat, q)
		t.Logf("\n>>> %s\n    cols=%v rows=%v err=%v", q, cols, rows, err)
	}
}

func TestZZSQL(t *testing.T) {
	b, err := os.ReadFile(os.Getenv("PROBESQL"))
	if err != nil {
		t.Skip()
	}
	db := openFixtureDB(t)
	for _, q := range strings.Split(string(b), "\n===\n") {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		rs, err := db.Query(q)
		if err != nil {
			t.Logf("\n>>> %s\n    err=%v", q, err)
			continue
		}
		cols, _ := rs.Columns()
		var out [][]any
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rs.Scan(ptrs...)
			out = append(out, vals)
		}
		rs.Close()
		t.Logf("\n>>> %s\n    %v", q, out)
	}
}
