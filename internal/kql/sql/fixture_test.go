package sql

import (
	dbsql "database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"wsec/internal/kql"
	"wsec/internal/schema"
)

// The fixture is a small workspace: a SecurityEvent table with a subset of
// the real columns, a Heartbeat table and a custom table. Rows are written
// here, not generated, so expected results can be worked out by hand from
// the KQL documentation.

type fixtureTable struct {
	name string
	cols []schema.Column
	rows [][]any // nil = NULL
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic("BUG: fixture time " + s)
	}
	return t
}

const fixtureEventData4624 = `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="SubjectUserSid">S-1-5-18</Data><Data Name="TargetUserName">alice</Data><Data Name="TargetDomainName">CONTOSO</Data><Data Name="LogonType">10</Data><Data Name="IpAddress">10.0.0.5</Data></EventData>`
const fixtureEventData4688 = `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="NewProcessName">C:\Windows\System32\cmd.exe</Data><Data Name="CommandLine">cmd.exe /c whoami &amp; net user</Data></EventData>`

func fixtureTables() []fixtureTable {
	s, i, d := schema.String, schema.Int, schema.DateTime
	se := fixtureTable{name: "SecurityEvent", cols: []schema.Column{
		{Name: "TimeGenerated", Type: d}, {Name: "Computer", Type: s}, {Name: "EventID", Type: i},
		{Name: "Account", Type: s}, {Name: "AccountType", Type: s}, {Name: "TargetUserName", Type: s},
		{Name: "IpAddress", Type: s}, {Name: "LogonType", Type: i}, {Name: "Process", Type: s},
		{Name: "CommandLine", Type: s}, {Name: "SubStatus", Type: s}, {Name: "TargetLogonId", Type: s},
		{Name: "SubjectLogonId", Type: s}, {Name: "EventData", Type: s},
	}}
	add := func(t, comp string, id int64, acct, atype, user, ip string, lt any, proc, cmd, sub, tlid, slid, ed any) {
		row := []any{ts(t), comp, id, nilIfEmpty(acct), nilIfEmpty(atype), nilIfEmpty(user), nilIfEmpty(ip), lt, proc, cmd, sub, tlid, slid, ed}
		se.rows = append(se.rows, row)
	}
	// Logons (4624), failures (4625), process creation (4688), log cleared (1102).
	add("2026-01-10T08:00:00Z", "DC01.contoso.com", 4624, `CONTOSO\alice`, "User", "alice", "10.0.0.5", int64(10), "svchost.exe", nil, nil, "0x1001", "0x3e7", fixtureEventData4624)
	add("2026-01-10T08:05:00Z", "WS01.contoso.com", 4624, `CONTOSO\alice`, "User", "alice", "10.0.0.5", int64(3), "svchost.exe", nil, nil, "0x1002", "0x3e7", nil)
	add("2026-01-10T08:10:00Z", "WS01.contoso.com", 4625, `CONTOSO\bob`, "User", "bob", "10.0.0.9", int64(3), "svchost.exe", nil, "0xc000006a", nil, nil, nil)
	add("2026-01-10T08:11:00Z", "WS01.contoso.com", 4625, `CONTOSO\bob`, "User", "bob", "10.0.0.9", int64(3), "svchost.exe", nil, "0xc000006a", nil, nil, nil)
	add("2026-01-10T08:12:00Z", "WS01.contoso.com", 4625, `CONTOSO\bob`, "User", "bob", "-", int64(3), "svchost.exe", nil, "0xc0000064", nil, nil, nil)
	add("2026-01-10T09:00:00Z", "WS02.contoso.com", 4624, `CONTOSO\WS02$`, "Machine", "WS02$", "-", int64(5), "services.exe", nil, nil, "0x2001", "0x3e7", nil)
	add("2026-01-10T09:30:00Z", "WS01.contoso.com", 4688, `CONTOSO\alice`, "User", "", "", nil, "cmd.exe", `cmd.exe /c whoami & net user`, nil, nil, "0x1002", fixtureEventData4688)
	add("2026-01-10T09:31:00Z", "WS01.contoso.com", 4688, `CONTOSO\alice`, "User", "", "", nil, "powershell.exe", `powershell.exe -enc SQBFAFgA -nop`, nil, nil, "0x1002", nil)
	add("2026-01-10T09:32:00Z", "WS02.contoso.com", 4688, `NT AUTHORITY\SYSTEM`, "Machine", "", "", nil, "net.exe", `net  group "Domain Admins" /domain`, nil, nil, "0x3e7", nil)
	add("2026-01-10T10:00:00Z", "DC01.contoso.com", 1102, `CONTOSO\admin`, "User", "", "", nil, "", nil, nil, nil, nil, nil)
	hb := fixtureTable{name: "Heartbeat", cols: []schema.Column{
		{Name: "TimeGenerated", Type: d}, {Name: "Computer", Type: s}, {Name: "OSType", Type: s}, {Name: "ComputerIP", Type: s},
	}, rows: [][]any{
		{ts("2026-01-10T08:00:00Z"), "DC01.contoso.com", "Windows", "10.0.0.1"},
		{ts("2026-01-10T08:00:00Z"), "WS01.contoso.com", "Windows", "10.0.0.5"},
		{ts("2026-01-10T09:00:00Z"), "WS01.contoso.com", "Windows", "10.0.0.5"},
		{ts("2026-01-10T08:00:00Z"), "lnx01", "Linux", "192.168.1.20"},
	}}
	cl := fixtureTable{name: "AppLogs_CL", cols: []schema.Column{
		{Name: "TimeGenerated", Type: d}, {Name: "Level", Type: s}, {Name: "Message", Type: s}, {Name: "Duration", Type: schema.Real}, {Name: "Props", Type: schema.Dynamic},
	}, rows: [][]any{
		{ts("2026-01-10T08:00:00Z"), "Info", "started", 1.5, `{"user":"alice","tags":["a","b"],"n":1}`},
		{ts("2026-01-10T08:01:00Z"), "Error", "disk full", 2.5, `{"user":"bob","tags":["c"],"n":2}`},
		{ts("2026-01-10T08:02:00Z"), "Info", "stopped", nil, nil},
	}}
	return []fixtureTable{se, hb, cl}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// fixtureCatalog returns the kql.Catalog of the fixture tables.
func fixtureCatalog() kql.Catalog {
	var tables []*schema.Table
	for _, t := range fixtureTables() {
		tables = append(tables, &schema.Table{Name: t.name, Columns: t.cols})
	}
	return &testCatalog{tables: tables}
}

type testCatalog struct{ tables []*schema.Table }

func (c *testCatalog) Table(name string) (*schema.Table, bool) {
	for _, t := range c.tables {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

func (c *testCatalog) Tables() []string {
	var out []string
	for _, t := range c.tables {
		out = append(out, t.Name)
	}
	return out
}

// openFixtureDB creates an in-memory DuckDB holding the fixture tables.
func openFixtureDB(t testing.TB) *dbsql.DB {
	t.Helper()
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, ft := range fixtureTables() {
		if err := createTable(db, ft.name, ft.cols); err != nil {
			t.Fatal(err)
		}
		for _, row := range ft.rows {
			vals := make([]string, len(row))
			for i, v := range row {
				vals[i] = fixtureLiteral(v, ft.cols[i].Type)
			}
			q := "INSERT INTO " + DuckDB{}.Quote(ft.name) + " VALUES (" + strings.Join(vals, ", ") + ")"
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	return db
}

// createTable creates a table with the store's type mapping.
func createTable(db *dbsql.DB, name string, cols []schema.Column) error {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = DuckDB{}.Quote(c.Name) + " " + duckType(kql.FromSchema(c.Type))
	}
	_, err := db.Exec("CREATE TABLE " + DuckDB{}.Quote(name) + " (" + strings.Join(defs, ", ") + ")")
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

func fixtureLiteral(v any, t schema.Type) string {
	if v == nil {
		return "NULL"
	}
	var c *kql.Const
	switch x := v.(type) {
	case string:
		if t == schema.Dynamic {
			c = &kql.Const{T: kql.TDynamic, V: kql.Dynamic(x)}
		} else {
			c = &kql.Const{T: kql.TString, V: x}
		}
	case int64:
		c = &kql.Const{T: kql.TLong, V: x}
	case float64:
		c = &kql.Const{T: kql.TReal, V: x}
	case time.Time:
		c = &kql.Const{T: kql.TDateTime, V: x}
	case bool:
		c = &kql.Const{T: kql.TBool, V: x}
	}
	s, err := DuckDB{}.Literal(c)
	if err != nil {
		panic("BUG: fixture literal: " + err.Error())
	}
	return s
}
