package bulk

import (
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"
)

// open opens a database file with duckdb-go, as the store does, and
// attaches a bulk handle and connection to it.
func open(t *testing.T) (*sql.DB, *Conn) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	dsn := path + "?lock_configuration=true&enable_external_access=false"
	connector, err := duck.NewConnector(dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id BIGINT, s VARCHAR, i INTEGER, b BIGINT, u UBIGINT, ts TIMESTAMP, d DOUBLE, f BOOLEAN, extra VARCHAR DEFAULT 'dflt')`); err != nil {
		t.Fatal(err)
	}
	h, err := Attach(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	c, err := h.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return db, c
}

// Column 0 is the row number, never null; the others are one of each type.
var allTypes = []Type{BigInt, Varchar, Integer, BigInt, UBigInt, Timestamp, Double, Boolean}
var allNames = []string{"id", "s", "i", "b", "u", "ts", "d", "f"}

// fillRows builds n rows: row r is null in column r%8 (none when 0),
// texts of every length from 0 to 40 (inline and pointer string_t),
// multi-byte UTF-8, and extreme numbers.
func fillRows(n int) []*Column {
	cols := make([]*Column, len(allTypes))
	for i, t := range allTypes {
		cols[i] = NewColumn(t, 0)
	}
	for r := range n {
		for _, c := range cols {
			c.AddNull()
		}
		cols[0].SetInt(int64(r))
		for ci, c := range cols[1:] {
			if r%8 == ci+1 {
				continue
			}
			switch c.Type() {
			case Varchar:
				c.SetString(text(r))
			case Integer:
				c.SetInt(int64(int32(math.MinInt32 + r*7919)))
			case BigInt:
				c.SetInt(math.MaxInt64 - int64(r))
			case UBigInt:
				c.SetInt(int64(uint64(math.MaxUint64) - uint64(r)))
			case Timestamp:
				c.SetInt(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).UnixMicro() + int64(r))
			case Double:
				c.SetFloat(float64(r) / 3)
			case Boolean:
				c.SetInt(int64(r % 3))
			}
		}
	}
	return cols
}

func text(r int) string {
	return strings.Repeat("é", r%7) + strings.Repeat("x", r%41) + fmt.Sprint(r)
}

func TestAppendRoundTrip(t *testing.T) {
	db, c := open(t)
	const n = 5000 // more than two chunks
	cols := fillRows(n)
	if err := c.Exec("BEGIN TRANSACTION"); err != nil {
		t.Fatal(err)
	}
	a, err := c.NewAppender("t", allNames, allTypes)
	if err != nil {
		t.Fatal(err)
	}
	// in two calls, the second starting inside a partly filled chunk
	if err := a.Append(cols, firstN(1000)); err != nil {
		t.Fatal(err)
	}
	rest := make([]int, 0, n-1000)
	for r := 1000; r < n; r++ {
		rest = append(rest, r)
	}
	if err := a.Append(cols, rest); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// DuckDB holds its own copy now: scribble over the Go buffers.
	for i := range cols[1].buf {
		cols[1].buf[i] = '#'
	}
	if err := c.Exec("COMMIT"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT id, s, i, b, u, ts, d, f, extra FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	r := 0
	for rows.Next() {
		var id int
		var s, extra sql.NullString
		var i sql.NullInt32
		var b sql.NullInt64
		var u any
		var ts sql.NullTime
		var d sql.NullFloat64
		var f sql.NullBool
		if err := rows.Scan(&id, &s, &i, &b, &u, &ts, &d, &f, &extra); err != nil {
			t.Fatal(err)
		}
		if id != r {
			t.Fatalf("row %d has id %d", r, id)
		}
		checkNull := func(col int, valid bool) {
			if valid == (r%8 == col) {
				t.Fatalf("row %d column %s: null = %v, want %v", r, allNames[col], !valid, r%8 == col)
			}
		}
		checkNull(1, s.Valid)
		checkNull(2, i.Valid)
		checkNull(3, b.Valid)
		checkNull(4, u != nil)
		checkNull(5, ts.Valid)
		checkNull(6, d.Valid)
		checkNull(7, f.Valid)
		if s.Valid && s.String != text(r) {
			t.Fatalf("row %d: s = %q, want %q", r, s.String, text(r))
		}
		if b.Valid && b.Int64 != math.MaxInt64-int64(r) {
			t.Fatalf("row %d: b = %d", r, b.Int64)
		}
		if i.Valid && i.Int32 != int32(math.MinInt32+r*7919) {
			t.Fatalf("row %d: i = %d", r, i.Int32)
		}
		if u != nil && u.(uint64) != uint64(math.MaxUint64)-uint64(r) {
			t.Fatalf("row %d: u = %v", r, u)
		}
		if want := time.Date(2024, 3, 1, 12, 0, 0, r*1000, time.UTC); ts.Valid && !ts.Time.Equal(want) {
			t.Fatalf("row %d: ts = %v, want %v", r, ts.Time, want)
		}
		if d.Valid && d.Float64 != float64(r)/3 {
			t.Fatalf("row %d: d = %v", r, d.Float64)
		}
		if f.Valid && f.Bool != (r%3 != 0) {
			t.Fatalf("row %d: f = %v", r, f.Bool)
		}
		if extra.String != "dflt" {
			t.Fatalf("row %d: unnamed column = %q, want its default", r, extra.String)
		}
		r++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if r != n {
		t.Fatalf("%d rows, want %d", r, n)
	}
}

func firstN(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestRollbackLeavesNothing(t *testing.T) {
	db, c := open(t)
	if err := c.Exec("BEGIN TRANSACTION"); err != nil {
		t.Fatal(err)
	}
	a, err := c.NewAppender("t", allNames, allTypes)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Append(fillRows(3000), nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec("ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	var total int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&total); err != nil || total != 0 {
		t.Fatalf("%d rows after rollback (%v)", total, err)
	}
}

func TestErrorsAreClear(t *testing.T) {
	_, c := open(t)
	for _, tc := range []struct {
		name   string
		table  string
		cols   []string
		types  []Type
		inErrs string
	}{
		{"unknown table", "nope", []string{"s"}, []Type{Varchar}, "nope"},
		{"unknown column", "t", []string{"zz"}, []Type{Varchar}, "zz"},
		{"wrong type", "t", []string{"i"}, []Type{Varchar}, "column i"},
		{"count mismatch", "t", []string{"s", "i"}, []Type{Varchar}, "2 columns but 1 types"},
	} {
		_, err := c.NewAppender(tc.table, tc.cols, tc.types)
		if err == nil || !strings.Contains(err.Error(), tc.inErrs) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.inErrs)
		}
	}
	a, err := c.NewAppender("t", []string{"s", "i"}, []Type{Varchar, Integer})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s, i := NewColumn(Varchar, 1), NewColumn(Integer, 2)
	s.AddNull()
	i.AddNull()
	i.AddNull()
	if err := a.Append([]*Column{s, i}, nil); err == nil || !strings.Contains(err.Error(), "rows") {
		t.Errorf("columns of different lengths: %v", err)
	}
	if err := a.Append([]*Column{i, s}, nil); err == nil || !strings.Contains(err.Error(), "INTEGER") {
		t.Errorf("columns in the wrong order: %v", err)
	}
	if err := c.Exec("SELEC 1"); err == nil || !strings.Contains(err.Error(), "SELEC") {
		t.Errorf("bad statement: %v", err)
	}
}

func TestColumnSetTwiceKeepsLast(t *testing.T) {
	c := NewColumn(Varchar, 0)
	c.AddNull()
	c.SetString("first")
	c.AddNull()
	c.SetString("abc")
	c.SetString("replaced")
	c.AddNull()
	if got := []string{c.String(0), c.String(1)}; got[0] != "first" || got[1] != "replaced" || !c.IsNull(2) {
		t.Fatalf("rows %q, third null %v", got, c.IsNull(2))
	}
}

// TestScanInt64 reads more rows than a chunk holds, in order, and refuses
// nulls, other column types and bad SQL with errors that say so.
func TestScanInt64(t *testing.T) {
	db, c := open(t)
	const n = 5000
	if _, err := db.Exec(`INSERT INTO t (id, b) SELECT i, -i * 3 FROM range(?) r(i)`, n); err != nil {
		t.Fatal(err)
	}
	var ids, bs []int64
	chunks := 0
	err := c.ScanInt64("SELECT id, b FROM t ORDER BY id", func(cols [][]int64) error {
		chunks++
		ids = append(ids, cols[0]...)
		bs = append(bs, cols[1]...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n || chunks < 2 {
		t.Fatalf("read %d rows in %d chunks, want %d rows in several", len(ids), chunks, n)
	}
	for i := range ids {
		if ids[i] != int64(i) || bs[i] != -3*int64(i) {
			t.Fatalf("row %d = (%d, %d), want (%d, %d)", i, ids[i], bs[i], i, -3*i)
		}
	}
	if _, err := db.Exec(`INSERT INTO t (id) VALUES (-1)`); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"SELECT id, b FROM t":      "null",
		"SELECT id, s FROM t":      "not BIGINT",
		"SELECT nope FROM t":       "nope",
		"SELECT id FROM t LIMIT 1": "",
	} {
		err := c.ScanInt64(q, func([][]int64) error { return nil })
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: error %v, want one containing %q", q, err, want)
		}
	}
	stop := fmt.Errorf("stop")
	if err := c.ScanInt64("SELECT id FROM t", func([][]int64) error { return stop }); err == nil || !strings.Contains(err.Error(), "stop") {
		t.Errorf("fn's error not returned: %v", err)
	}
}
