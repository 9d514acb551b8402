package duckdb

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"wsec/internal/event"
	"wsec/internal/kql"
	kqlsql "wsec/internal/kql/sql"
	"wsec/internal/schema"
)

// handMadeEvents are Security events whose EventData exercises what the
// term filter must get right: escaped characters in values and names, new
// lines, non-ASCII text, an unnamed field, a Binary, UserData with a
// wrapper, nested and unusual element names, an empty EventData and none.
func handMadeEvents(base *event.Event) []*event.Event {
	mk := func(rec uint64, f func(e *event.Event)) *event.Event {
		e := *base
		e.System.EventRecordID = 1<<40 + rec
		e.System.EventID = 4999
		e.Data, e.Binary, e.UserDataName, e.UserDataNS = nil, "", "", ""
		e.Section = event.SectionEventData
		f(&e)
		return &e
	}
	return []*event.Event{
		mk(1, func(e *event.Event) {
			e.Data = []event.Field{{Name: "Escaped", Value: `a&b<c>"d" 'e' Tom&Jerry`}, {Name: "Lines", Value: "line1\nline2\r\nline3\ttab"},
				{Name: "Weird&Name\"Q", Value: "v"}, {Name: "Intl", Value: "Ünïcode STRASSE straße İstanbul Kelvin éToken"},
				{Name: "", Value: "unnamedvalue"}, {Name: "Empty", Value: ""}, {Name: "IpAddress", Value: "10.1.2.3"},
				{Name: "Ctl", Value: "bell\x07here"}}
			e.Binary = "DEADBEEF00"
		}),
		mk(2, func(e *event.Event) {
			e.Section = event.SectionUserData
			e.UserDataName, e.UserDataNS = "LogFileCleared", "http://manifests.microsoft.com/win/2004/08/windows/eventlog"
			e.Data = []event.Field{{Name: "SubjectUserName", Value: "cleaner"}, {Name: "Outer/Inner", Value: "nestedvalue"},
				{Name: "bad name", Value: "x<y"}, {Name: "Outer/Other", Value: ""}}
		}),
		mk(3, func(e *event.Event) {}), // <EventData ... />
		mk(4, func(e *event.Event) { e.Section = event.SectionNone }),
		mk(5, func(e *event.Event) {
			e.Section = event.SectionUserData
			e.Data = []event.Field{{Name: "NoWrapper", Value: "AMP&amp;lt"}}
		}),
	}
}

// TestTermFilterExact: `has`, `contains` and the like over EventData and
// cold columns give the same rows through the Layout's term filter and
// term index as by
// rendering every row, on real Security events plus handMadeEvents, for
// terms taken from the rendered text (markup and field names included)
// and terms chosen to catch the edge cases: escapes, entity names, case,
// terms only in a field name or only in a shared column, null and empty
// EventData.
func TestTermFilterExact(t *testing.T) {
	s, clk, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	sec := securityEvents(t)
	evs := append(append([]*event.Event(nil), sec...), handMadeEvents(sec[0])...)
	// batches received at different times, so that the term index
	// (terms.go) narrows to some of them
	for i := 0; i < len(evs); i += 40 {
		clk.Set(clk.Now().Add(time.Second))
		appendOK(t, w, "a", uint64(i+1), evs[i:min(i+40, len(evs))])
	}

	tables, err := w.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cat := kql.NewCatalog(schema.New(), tables...)
	run := func(q string, layout kqlsql.Layout) (int64, string) {
		t.Helper()
		pq, err := kql.Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		sqlText, _, err := kqlsql.Compile(pq, cat, kqlsql.DuckDB{}, kqlsql.Options{Layout: layout})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		r := mustQuery(t, w, sqlText)
		return r.Rows[0][0].(int64), sqlText
	}

	terms := map[string]bool{}
	words := map[string]bool{}
	for _, e := range evs {
		for _, f := range strings.FieldsFunc(schema.EventDataXML(e), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			words[f] = true
		}
	}
	var sorted []string
	for wd := range words {
		sorted = append(sorted, wd)
	}
	sort.Strings(sorted)
	for i, wd := range sorted {
		if i%20 == 0 {
			terms[wd] = true
		}
	}
	for _, x := range []string{
		"S-1-5-18", "s-1-5-18", "0x3e7", "%%1833", "NT AUTHORITY", "SYSTEM", "SyStEm", "-", "::1", "127.0.0.1", "10.1.2.3",
		"EventData", "Data", "Name", "xmlns", "schemas", "microsoft.com", "2004", "events/event", "Binary", "UserData",
		"amp", "&amp;", "&", "lt", "gt", "quot", "#xA", "x9", "<Data", "Data Name", `"`, `a&b`, "Tom&Jerry", "b<c", "x<y",
		"Jerry", "Tom", "line1", "line2\r\nline3", "tab", "Ünïcode", "üNÏCODE", "straße", "STRASSE", "İstanbul", "istanbul",
		"Kelvin", "Token", "bell", "unnamedvalue", "DEADBEEF", "deadbeef00", "Weird", "Weird&Name", "Q", "LogFileCleared", "logfilecleared",
		"eventlog", "Outer", "Inner", "nestedvalue", "bad_name", "bad", "cleaner", "NoWrapper", "AMP", "TargetUserName",
		"SubjectUserSid", "targetusername", "IpAddress", "LogonType", "Status", "0xc000006d", "5", "3", "_", "4999",
	} {
		terms[x] = true
	}
	ops := []string{"has", "contains", "!has", "has_cs", "hasprefix", "hassuffix", "startswith", "endswith", "contains_cs", "=~"}
	fast, indexed := 0, 0
	for term := range terms {
		lit := kqlString(term)
		for k, op := range ops {
			if k >= 4 && !strings.ContainsAny(term, "&<\"_- ") && len(term) > 3 && !strings.EqualFold(term, "data") {
				continue // the rarer operators: on the special terms
			}
			q := "SecurityEvent | where EventData " + op + " " + lit + " | count"
			want, _ := run(q, nil)
			got, sqlText := run(q, w)
			if got != want {
				t.Errorf("%s: %d rows through the term filter, %d by rendering\nSQL: %s", q, got, want, sqlText)
			}
			if strings.Contains(sqlText, "CASE WHEN (contains(lower(") {
				fast++
			}
			if strings.Contains(sqlText, termsSuffix) {
				indexed++
			}
		}
	}
	for _, q := range []string{
		`SecurityEvent | where EventData has_any ("S-1-5-18", "zzzz") | count`,
		`SecurityEvent | where EventData has_any ("cleaner", "nestedvalue", "Tom") | count`,
		`SecurityEvent | where EventData has_all ("S-1-5-18", "SubjectUserSid") | count`,
		`SecurityEvent | where EventData !has_any ("S-1-5-18", "SYSTEM") | count`,
		`SecurityEvent | where EventData has_any ("Token", "zzzz") | count`,
		`SecurityEvent | where EventData has_all ("Kelvin", "Intl") | count`,
		`SecurityEvent | where EventData has_all ("SubjectUserSid", "Token") | count`,
		`SecurityEvent | where EventData has_any_cs ("system", "Outer") | count`,
		`SecurityEvent | where EventData !has_all ("S-1-5-18", "SubjectLogonId") | count`,
		`SecurityEvent | where EventID == 4624 and EventData has "SubjectLogonId" | count`,
		`SecurityEvent | where EventData has "S-1-5-18" or EventData contains "Tom" | count`,
		`SecurityEvent | where SubjectUserSid has "S-1-5-18" | count`,
		`SecurityEvent | where ObjectName contains "\\" | count`,
		`SecurityEvent | where ProcessName contains "svchost" | count`,
		`SecurityEvent | where EventSourceName has "security" | count`,
		`SecurityEvent | where Level has "4" | count`,
		`SecurityEvent | where SubjectUserSid !contains "s-1-5" | count`,
	} {
		want, _ := run(q, nil)
		got, sqlText := run(q, w)
		if got != want {
			t.Errorf("%s: %d rows through the term filter, %d by rendering\nSQL: %s", q, got, want, sqlText)
		}
	}
	if fast < 100 || indexed < 100 {
		t.Errorf("only %d queries used the term filter, %d the term index", fast, indexed)
	}
	t.Logf("%d terms, %d queries through the term filter, %d through the index", len(terms), fast, indexed)
}

// kqlString writes s as a KQL string literal.
func kqlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// TestTermFilterNewTemplate: a statement compiled before rows of a new
// template were committed still finds them by a term only in that
// template's field names (the filter lets templates it did not know
// through).
func TestTermFilterNewTemplate(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	sec := securityEvents(t)
	appendOK(t, w, "a", 1, sec[:50])
	tables, err := w.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pq, err := kql.Parse(`SecurityEvent | where EventData has "BrandNewField" | count`)
	if err != nil {
		t.Fatal(err)
	}
	sqlText, _, err := kqlsql.Compile(pq, kql.NewCatalog(schema.New(), tables...), kqlsql.DuckDB{}, kqlsql.Options{Layout: w})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sqlText, "CASE WHEN") {
		t.Fatalf("no term filter in %s", sqlText)
	}
	e := *sec[0]
	e.System.EventRecordID = 1 << 41
	e.Data = []event.Field{{Name: "BrandNewField", Value: "x"}}
	appendOK(t, w, "a", 2, []*event.Event{&e})
	if n := mustQuery(t, w, sqlText).Rows[0][0].(int64); n != 1 {
		t.Errorf("%d rows, want the new event\nSQL: %s", n, sqlText)
	}
}
