package sql

import (
	dbsql "database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/kql"
)

var update = flag.Bool("update", false, "rewrite the golden .sql files of testdata/golden whose results match their .rows")

// TestGolden compiles each testdata/golden/*.kql over the fixture catalog,
// runs the SQL on the fixture and compares its result with the .rows file
// beside it, worked out by hand from the fixture rows and the KQL reference
// (written like a semantics case's expected section; "# ordered" compares
// in order). Only then is the SQL compared with the .sql file. -update
// rewrites a .sql file only when the result matches its reviewed .rows, so
// a wrong compile cannot be blessed by regenerating; it never writes .rows.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.kql"))
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	cat := fixtureCatalog()
	db := openFixtureDB(t)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(f, ".kql")
			want, err := loadGoldenRows(base + ".rows")
			if err != nil {
				t.Fatalf("%v (write the expected rows by hand from the fixture)", err)
			}
			want.query = string(src)
			q, err := kql.Parse(string(src))
			if err != nil {
				t.Fatal(err)
			}
			got, cols, err := Compile(q, cat, DuckDB{}, Options{Now: semanticsNow})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := runSQL(db, got, cols)
			if err != nil {
				t.Fatalf("golden SQL does not run: %v", err)
			}
			checkResult(t, want, cols, rows)
			if t.Failed() {
				t.Fatalf("SQL gives the wrong result, not written:\n%s", got)
			}
			if *update {
				if err := os.WriteFile(base+".sql", []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(base + ".sql")
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if strings.TrimSpace(string(b)) != got {
				t.Errorf("SQL changed (its result still matches the .rows); run with -update if intended\ngot:\n%s\nwant:\n%s", got, b)
			}
		})
	}
}

// loadGoldenRows reads a .rows file: "# ordered" and other comment lines,
// then the header line and one line per row.
func loadGoldenRows(path string) (semCase, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return semCase{}, err
	}
	c := semCase{file: filepath.Base(path)}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		switch {
		case strings.HasPrefix(l, "# ordered"):
			c.ordered = true
		case strings.HasPrefix(l, "#"), strings.TrimSpace(l) == "":
		default:
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return c, fmt.Errorf("%s: no header line", path)
	}
	c.header = splitCells(lines[0])
	for _, l := range lines[1:] {
		c.rows = append(c.rows, splitCells(l))
	}
	return c, nil
}

// TestTimespanPushdown checks that the API timespan restricts every scan
// of a table with TimeGenerated, directly in the scan's WHERE, and that
// ago() reaches the SQL as a timestamp literal.
func TestTimespanPushdown(t *testing.T) {
	db := openFixtureDB(t)
	cat := fixtureCatalog()
	opts := Options{
		Now:       semanticsNow,
		TimeStart: time.Date(2026, 1, 10, 8, 10, 0, 0, time.UTC),
		TimeEnd:   time.Date(2026, 1, 10, 9, 30, 0, 0, time.UTC),
	}
	f := func(src string, wantRows int, wantInSQL ...string) {
		t.Helper()
		q, err := kql.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := Compile(q, cat, DuckDB{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wantInSQL {
			if !strings.Contains(s, w) {
				t.Errorf("%s: SQL lacks %q:\n%s", src, w, s)
			}
		}
		rows := queryRows(t, db, s)
		if len(rows) != 1 || rows[0] != wantRows {
			t.Errorf("%s: got %v, want %d", src, rows, wantRows)
		}
	}
	// 08:10, 08:11, 08:12, 09:00 are inside [08:10, 09:30).
	f("SecurityEvent | count", 4,
		`SELECT * FROM "SecurityEvent" WHERE "TimeGenerated" >= TIMESTAMP '2026-01-10 08:10:00' AND "TimeGenerated" < TIMESTAMP '2026-01-10 09:30:00'`)
	// Both sides of a join are restricted.
	f("SecurityEvent | join kind=inner (SecurityEvent) on Computer | summarize n = dcount(TimeGenerated)", 4)
	// ago() becomes a literal on the same scan.
	f("SecurityEvent | where TimeGenerated > ago(229m) | count", 2,
		`"TimeGenerated" > TIMESTAMP '2026-01-10 08:11:00'`)
	// Tables without TimeGenerated are not restricted.
	f("datatable(x:long)[1, 2] | count", 2)
}

// queryRows runs s and returns its first column as integers.
func queryRows(t *testing.T, db *dbsql.DB, s string) []int {
	t.Helper()
	rows, err := db.Query(s)
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}
