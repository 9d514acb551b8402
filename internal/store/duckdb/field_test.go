package duckdb

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"wsec/internal/event"
	"wsec/internal/schema"
)

func TestTemplateRoundTrip(t *testing.T) {
	var k templateKey
	k.reset()
	k.num(int(event.SectionUserData))
	k.str("LogFileCleared")
	k.str("http://x/y;1:2")
	k.num(1)
	k.num(3)
	k.str("A")
	k.str("")
	k.str("A")
	k.num(2)
	k.str("Keywords")
	k.str("0x80")
	k.str("Opcode")
	k.null()
	k.num(1)
	k.str("UserID")
	tp, err := parseTemplate(string(k.b))
	if err != nil {
		t.Fatal(err)
	}
	want := &template{def: string(k.b), section: event.SectionUserData, udName: "LogFileCleared", udNS: "http://x/y;1:2",
		names: []string{"A", "", "A"}, hasBinary: true,
		consts: []constExtra{{col: "Keywords", value: "0x80"}, {col: "Opcode", null: true}}, extras: []string{"UserID"}}
	want.index()
	if !reflect.DeepEqual(tp, want) {
		t.Fatalf("parsed %+v\nwant   %+v", tp, want)
	}
	reg := newTemplates(1)
	t1 := reg.get(k.b)
	vals := string(appendValsHeader(nil, t1, k.b)) + "1:x" + "~" + "2:yy" + "3:bin" + "4:S-1-"
	f := func(name, want string, wantOK bool) {
		t.Helper()
		got, ok := colValue(reg, vals, name, nil, nil)
		if got != want || ok != wantOK {
			t.Errorf("%s: %q %v, want %q %v", name, got, ok, want, wantOK)
		}
	}
	f("A", "x", true) // the first field of the name
	f("Keywords", "0x80", true)
	f("Opcode", "", false)
	f("UserID", "S-1-", true)
	f("Missing", "", false)
	f("EventData", "", false) // rendering needs every payload value, and one is null
	// the registry is full: the next template travels inline, and decodes
	k.b = append(k.b[:0], "1;0;0:0:0;1;1:B0;0;"...)
	if reg.get(k.b) != nil {
		t.Fatal("full registry added a template")
	}
	inline := string(appendValsHeader(nil, nil, k.b)) + "2:vv"
	if got, ok := colValue(reg, inline, "B", nil, nil); !ok || got != "vv" {
		t.Errorf("inline template: %q %v", got, ok)
	}
	for _, bad := range []string{"", ";", "x;", "99;1:a", "0;", "0;5:1;0;0", "1;", "1;9999:a", "1;1:x~2:"} {
		colValue(reg, bad, "A", nil, nil) // must not panic
	}
}

// TestColFuncSQL: wsec_col is callable from queries with any arguments
// without harm (a NULL constant argument once crashed a binder).
func TestColFuncSQL(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	for _, q := range []string{
		"SELECT wsec_col(NULL, NULL)",
		"SELECT wsec_col('1;1:a', 'x')",
		"SELECT wsec_col('0;3:abc', NULL)",
		"SELECT wsec_col(x, x) FROM (SELECT CAST(i AS VARCHAR) || ';' AS x FROM range(5000) t(i))",
	} {
		if _, err := w.Query(context.Background(), q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := w.Query(context.Background(), "SELECT wsec_col(1)"); err == nil {
		t.Error("wrong arity accepted")
	}
}

// FuzzPayloadRoundTrip appends an event whose payload has fuzzed values
// (in a string column, an int column, a field repeated, an unnamed one, a
// field named like a System column, and shared columns, whose values _Vals
// leaves to the physical column when they equal it) and checks, through DuckDB, that
// every SecurityEvent column equals what schema.Mapper produced.
func FuzzPayloadRoundTrip(f *testing.F) {
	for _, s := range []string{"", "plain", "a<b>&c\"d'e", "line1\nline2", "cr\r\nlf", "tab\tx", "\x01ctl",
		"é😀", "\xff\xfe", "\uFFFE", "%%1833", "-", "0x3e7", "010", "-5", "123456789012", "<Data Name=\"X\">y</Data>", "&amp;", "2:ab~", "^", "3", "-0", "03", "::1"} {
		f.Add(s, s)
	}
	s, _, _ := openTestStore(f, Options{})
	w := mustWorkspace(f, s, "fuzz")
	base := securityEvents(f)[2] // a real 4624
	var seq atomic.Uint64
	f.Fuzz(func(t *testing.T, a, b string) {
		n := seq.Add(1)
		e := *base
		e.System.EventRecordID = 1_000_000 + n
		e.Data = append([]event.Field{
			{Name: "SubjectLogonId", Value: a}, {Name: "KeyLength", Value: b}, {Name: "KeyLength", Value: a},
			{Name: "", Value: b}, {Name: "Keywords", Value: a}, {Name: "ExecutionProcessId", Value: b},
			{Name: "IpAddress", Value: a}, {Name: "LogonType", Value: b}, {Name: "TargetUserName", Value: b},
		}, base.Data...)
		if _, err := w.AppendEvents(context.Background(), "fuzz", n, []*event.Event{&e}, "OpsManager"); err != nil {
			t.Fatal(err)
		}
		compareRow(t, w, &e)
	})
}

// compareRow selects e's SecurityEvent row and compares every column with
// the mapper's row.
func compareRow(t *testing.T, w *Workspace, e *event.Event) {
	t.Helper()
	table := w.s.cat.SecurityEvent
	var r schema.Row
	schema.NewMapper(schema.New()).Map(e, "OpsManager", &r)
	want := map[int]any{}
	for i := range r.Cells {
		want[r.Cells[i].Col] = expectedCell(&r.Cells[i], table.Columns[r.Cells[i].Col].Type)
	}
	names := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		names[i] = quoteIdent(c.Name)
	}
	res := mustQuery(t, w, "SELECT "+strings.Join(names, ", ")+" FROM SecurityEvent WHERE EventRecordID = ?", int64(e.System.EventRecordID))
	if len(res.Rows) != 1 {
		t.Fatalf("%d rows for record %d", len(res.Rows), e.System.EventRecordID)
	}
	for i, c := range table.Columns {
		if c.Name == "Type" || c.Name == "TenantId" || c.Name == "_TimeReceived" {
			continue
		}
		if got := res.Rows[0][i]; !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%s = %#v, mapper says %#v", c.Name, got, want[i])
		}
	}
	_ = fmt.Sprint()
}
