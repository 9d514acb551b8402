package duckdb

import (
	"context"
	"strings"
	"testing"
)

// explain returns DuckDB's physical plan of q.
func explain(t *testing.T, w *Workspace, q string) string {
	t.Helper()
	rs, err := w.db.QueryContext(context.Background(), "EXPLAIN "+q)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rs.Close()
	var b strings.Builder
	for rs.Next() {
		var k, v string
		if err := rs.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		b.WriteString(v)
	}
	return b.String()
}

// TestViewProjectionPushdown: a query over hot columns reads only those
// physical columns (the scan's projection list lacks _Vals, so no
// extraction runs); naming a cold column reads the two columns
// its extraction needs (_Vals), and the filter still reaches the scan.
func TestViewProjectionPushdown(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	appendOK(t, w, "a", 1, securityEvents(t))
	hot := explain(t, w, "SELECT Computer, count(*) FROM SecurityEvent WHERE EventID = 4624 AND Account <> 'NT AUTHORITY\\SYSTEM' GROUP BY Computer")
	for _, bad := range []string{"wsec_col", "_Vals", "SubjectLogonId"} {
		if strings.Contains(hot, bad) {
			t.Errorf("plan of a hot-column query mentions %s:\n%s", bad, hot)
		}
	}
	cold := explain(t, w, "SELECT ImpersonationLevel FROM SecurityEvent WHERE EventID = 4624")
	if !strings.Contains(cold, "_Vals") {
		t.Errorf("plan of a cold-column query lacks the extraction:\n%s", cold)
	}
	if strings.Contains(cold, "ObjectType") || strings.Contains(cold, "KeyLength") {
		t.Errorf("plan of one cold column evaluates others:\n%s", cold)
	}
	if !strings.Contains(cold, "Filters: EventID=4624") {
		t.Errorf("filter not pushed into the scan:\n%s", cold)
	}
}

// TestNewFileCompression: a new workspace's file has storageVersion, so
// _Vals is stored with zstd (valsCompression) and the text columns with
// DICT_FSST; DuckDB falls back silently to older methods in an older
// format.
func TestNewFileCompression(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	appendOK(t, w, "a", 1, securityEvents(t))
	if _, err := w.db.ExecContext(context.Background(), "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ column, want string }{
		{valsCol, "ZSTD"},
		{"TargetUserName", "DICT_FSST"},
		{"CommandLine", "DICT_FSST"},
	} {
		r := mustQuery(t, w, "SELECT string_agg(DISTINCT compression, ',') FROM pragma_storage_info('wsec_SecurityEvent') WHERE column_name = ? AND segment_type = 'VARCHAR'", c.column)
		if got, _ := r.Rows[0][0].(string); got != c.want {
			t.Errorf("%s is stored with %q, want %s", c.column, got, c.want)
		}
	}
}
