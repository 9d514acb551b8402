package duckdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"wsec/internal/ingest"
	"wsec/internal/schema"
	"wsec/internal/store"
	"wsec/internal/store/customlog"
)

// builtinTables is how many tables a workspace has before any custom one:
// SecurityEvent, WindowsEvent, Heartbeat, SecurityAlert, SecurityIncident.
const builtinTables = 6 // SecurityEvent, WindowsEvent, Heartbeat, SecurityAlert, SecurityIncident, Anomalies

func TestCustomTableNames(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	rec := []map[string]any{{"Message": "hello"}}
	hostile := []string{
		"", "_CL", "MyApp", "MyApp_cl", "My App_CL", "MyApp_CL;DROP TABLE SecurityEvent",
		`x"; DROP TABLE wsec_SecurityEvent; --_CL`, "SecurityEvent", "wsec_batches", "../../etc/passwd_CL",
		"Ünïcode_CL", "a-b_CL", strings.Repeat("A", 101) + "_CL", "Robert'); DROP TABLE Students;--_CL",
		"MyApp_CL\x00", "tab\t_CL", "wsec_SecurityEvent_CL", "WSEC_x_CL",
	}
	for _, name := range hostile {
		if _, err := w.AppendCustom(context.Background(), name, rec, ""); !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("table %q: %v, want ErrInvalidName", name, err)
		}
	}
	for _, key := range []string{"a b", "x;DROP", `q"uote`, "", "é"} {
		_, err := w.AppendCustom(context.Background(), "Ok_CL", []map[string]any{{key: "v"}}, "")
		if !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("property %q: %v, want ErrInvalidName", key, err)
		}
	}
	if n := count(t, w, "SecurityEvent"); n != 0 {
		t.Fatal("SecurityEvent changed")
	}
	tables, err := w.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != builtinTables {
		t.Errorf("refused appends created tables: %d tables", len(tables))
	}
	if n := count(t, w, batchTable); n != 0 {
		t.Errorf("internal table changed")
	}
	// names are case-insensitive, as in Log Analytics and DuckDB
	if _, err := w.AppendCustom(context.Background(), "Case_CL", []map[string]any{{"Msg": "a"}}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AppendCustom(context.Background(), "CASE_CL", []map[string]any{{"MSG": "b"}}, ""); err != nil {
		t.Fatalf("same table in other case: %v", err)
	}
	if r := mustQuery(t, w, "SELECT string_agg(Msg_s, ',' ORDER BY Msg_s) FROM Case_CL"); r.Rows[0][0] != "a,b" {
		t.Errorf("case-insensitive table: %v", r.Rows)
	}
	// the longest valid name works
	long := strings.Repeat("A", 100) + "_CL"
	if _, err := w.AppendCustom(context.Background(), long, rec, ""); err != nil {
		t.Errorf("103-byte name: %v", err)
	}
}

func TestCustomTableColumns(t *testing.T) {
	s, clk, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	ctx := context.Background()
	evTime := time.Date(2024, 2, 29, 8, 30, 15, 123456000, time.UTC)
	recs := []map[string]any{
		{"Computer": "web01", "Count": 3.0, "Ok": true, "Seen": "2024-02-29T08:30:15.123456Z",
			"Id": "0f8fad5b-d9cb-469f-a165-70867728950e", "Nested": `{"a":[1,2]}`, "Missing": nil},
		{"Computer": "web02", "Count": 4.5, "Extra": "new column"},
	}
	n, err := w.AppendCustom(ctx, "MyApp_CL", recs, "Seen")
	if err != nil || n != 2 {
		t.Fatalf("append: %d, %v", n, err)
	}
	// a property changing type lands in a second column, as in Log Analytics
	if _, err := w.AppendCustom(ctx, "MyApp_CL", []map[string]any{{"Count": "many", "TimeGenerated": evTime}}, ""); err != nil {
		t.Fatal(err)
	}
	res := mustQuery(t, w, `SELECT Computer_s, Count_d, Ok_b, Seen_t, Id_g, Nested_s, Extra_s, Count_s, TimeGenerated, _TimeReceived, Type, TenantId
		FROM MyApp_CL ORDER BY Computer_s NULLS LAST`)
	wantTypes := []string{"string", "real", "bool", "datetime", "string", "string", "string", "string", "datetime", "datetime", "string", "string"}
	for i, c := range res.Columns {
		if c.Type != wantTypes[i] {
			t.Errorf("column %s: type %s, want %s", c.Name, c.Type, wantTypes[i])
		}
	}
	if len(res.Rows) != 3 {
		t.Fatalf("%d rows", len(res.Rows))
	}
	r0, r1, r2 := res.Rows[0], res.Rows[1], res.Rows[2]
	if r0[0] != "web01" || r0[1] != 3.0 || r0[2] != true || !r0[3].(time.Time).Equal(evTime) || r0[4] != "0f8fad5b-d9cb-469f-a165-70867728950e" || r0[5] != `{"a":[1,2]}` {
		t.Errorf("row 0: %v", r0)
	}
	if !r0[8].(time.Time).Equal(evTime) {
		t.Errorf("TimeGenerated from timeField: %v, want %v", r0[8], evTime)
	}
	if r1[0] != "web02" || r1[1] != 4.5 || r1[6] != "new column" || !r1[8].(time.Time).Equal(clk.Now()) {
		t.Errorf("row 1 (receive time as TimeGenerated): %v", r1)
	}
	if r2[7] != "many" || !r2[8].(time.Time).Equal(evTime) || r2[10] != "MyApp_CL" || r2[11] != "ws" {
		t.Errorf("row 2: %v", r2)
	}
	tables, err := w.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ct *schema.Table
	for _, tb := range tables {
		if tb.Name == "MyApp_CL" {
			ct = tb
		}
	}
	if ct == nil {
		t.Fatalf("Tables lacks MyApp_CL: %v", tables)
	}
	got := map[string]schema.Type{}
	for _, c := range ct.Columns {
		got[c.Name] = c.Type
	}
	for name, typ := range map[string]schema.Type{"TimeGenerated": schema.DateTime, "Computer_s": schema.String, "Count_d": schema.Real,
		"Ok_b": schema.Bool, "Seen_t": schema.DateTime, "Id_g": schema.GUID, "Count_s": schema.String, "Type": schema.String} {
		if got[name] != typ {
			t.Errorf("Tables: %s is %v, want %v (all: %v)", name, got[name], typ, got)
		}
	}
	if _, ok := got["Missing_s"]; ok {
		t.Error("a null property made a column")
	}
	// columns survive a reopen
	w.mu.Lock()
	w.custom = map[string]*customTable{}
	if err := w.loadCustomTables(ctx); err != nil {
		t.Fatal(err)
	}
	w.mu.Unlock()
	if _, err := w.AppendCustom(ctx, "MyApp_CL", []map[string]any{{"Computer": "web03", "Id": "0f8fad5b-d9cb-469f-a165-70867728950f"}}, ""); err != nil {
		t.Fatal(err)
	}
	if n := count(t, w, "MyApp_CL"); n != 4 {
		t.Errorf("%d rows", n)
	}
}

func TestCustomTableLimits(t *testing.T) {
	s, _, _ := openTestStore(t, Options{MaxCustomRecords: 5})
	w := mustWorkspace(t, s, "ws")
	ctx := context.Background()
	if _, err := w.AppendCustom(ctx, "T_CL", make([]map[string]any, 6), ""); !errors.Is(err, store.ErrLimit) {
		t.Errorf("6 records, limit 5: %v", err)
	}
	wide := map[string]any{}
	for i := 0; i < customlog.MaxColumns+1; i++ {
		wide["c"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	if _, err := w.AppendCustom(ctx, "Wide_CL", []map[string]any{wide}, ""); !errors.Is(err, store.ErrTableFull) {
		t.Errorf("%d property columns: %v", customlog.MaxColumns+1, err)
	}
	tables, _ := w.Tables(ctx)
	if len(tables) != builtinTables {
		t.Errorf("a refused append created a table")
	}
}

// TestCustomLimitsAgreeWithIngest (issue 9 item 12): whatever ingest
// accepts from a Data Collector client the store takes, and what it cannot
// take it refuses with an error that says so for good (ErrTableFull,
// ErrInvalidName), never one a client would retry: a 100-character
// Log-Type, a record with 500 properties of the longest names, then one
// column too many for the table.
func TestCustomLimitsAgreeWithIngest(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	ctx := context.Background()
	table := strings.Repeat("L", ingest.MaxLogTypeBytes) + ingest.CustomTableSuffix
	rec := map[string]any{}
	for i := range ingest.DefaultLimits().MaxPropertiesPerRecord {
		name := fmt.Sprintf("p%03d", i)
		rec[name+strings.Repeat("x", ingest.MaxPropertyNameBytes-len(name))] = float64(i)
	}
	if n, err := w.AppendCustom(ctx, table, []map[string]any{rec}, ""); err != nil || n != 1 {
		t.Fatalf("a record ingest accepts (Log-Type of %d, %d properties of %d bytes): %d, %v",
			ingest.MaxLogTypeBytes, len(rec), ingest.MaxPropertyNameBytes, n, err)
	}
	_, err := w.AppendCustom(ctx, table, []map[string]any{{"OneMore": "x"}}, "")
	if !errors.Is(err, store.ErrTableFull) || errors.Is(err, store.ErrLimit) {
		t.Fatalf("a column past the table's limit: %v, want store.ErrTableFull", err)
	}
	if n, err := w.AppendCustom(ctx, table, []map[string]any{{"p000" + strings.Repeat("x", ingest.MaxPropertyNameBytes-4): 7.0}}, ""); err != nil || n != 1 {
		t.Errorf("a record into the full table's existing columns: %d, %v", n, err)
	}
}
