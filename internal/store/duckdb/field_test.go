package duckdb

import (
	"context"
	"testing"
	"unicode/utf8"

	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/store"
)

func TestFieldValue(t *testing.T) {
	ed := "<EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n" +
		"  <Data Name=\"SubjectUserName\">alice</Data>\r\n" +
		"  <Data Name=\"UserName\">bob</Data>\r\n" +
		"  <Data Name=\"Empty\" />\r\n" +
		"  <Data Name=\"Cmd\">a &lt;b&gt; &amp;&amp; \"c\"\r\nnext</Data>\r\n" +
		"  <Data Name=\"Dup\" />\r\n" +
		"  <Data Name=\"Dup\">second</Data>\r\n" +
		"  <Data Name=\"Ref\">&#x41;&#66;&bogus;</Data>\r\n" +
		"</EventData>"
	f := func(ed string, edOK bool, rest string, restOK bool, name, want string, wantOK bool) {
		t.Helper()
		got, ok := fieldValue(ed, edOK, rest, restOK, name)
		if got != want || ok != wantOK {
			t.Errorf("field %s: %q %v, want %q %v", name, got, ok, want, wantOK)
		}
	}
	f(ed, true, "", false, "UserName", "bob", true) // not the tail of SubjectUserName
	f(ed, true, "", false, "SubjectUserName", "alice", true)
	f(ed, true, "", false, "Empty", "", true)
	f(ed, true, "", false, "Cmd", "a <b> && \"c\"\nnext", true)
	f(ed, true, "", false, "Dup", "", true) // the first occurrence
	f(ed, true, "", false, "Ref", "AB&bogus;", true)
	f(ed, true, "", false, "Missing", "", false)
	f(ed, false, "", false, "UserName", "", false)
	rest := `{"UserName":"from \"rest\"\n\u00e9\ud83d\ude00","Gone":null,"N":42,"B":true,"Inner":"x\":1"}`
	f(ed, true, rest, true, "UserName", "from \"rest\"\né😀", true)
	f(ed, true, rest, true, "Gone", "", false) // explicit null wins over EventData
	f(ed, true, rest, true, "N", "42", true)
	f(ed, true, rest, true, "B", "true", true)
	f(ed, true, rest, true, "SubjectUserName", "alice", true)
	f("", true, `{"Inner":"\"x\":1"}`, true, "x", "", false) // a value that looks like a key is not one
	f("", true, `{"a":`, true, "a", "", false)               // malformed: not found, no panic
	f("", true, `not json`, true, "a", "", false)
}

// TestFieldFuncSQL: wsec_field is callable from queries with any arguments
// without harm (a NULL constant argument once crashed a binder).
func TestFieldFuncSQL(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	for _, q := range []string{
		"SELECT wsec_field(NULL, NULL, NULL)",
		"SELECT wsec_field('<Data Name=\"a\">1</Data>', NULL, 'a')",
		"SELECT wsec_field(NULL, '{\"a\":null}', 'a')",
		"SELECT wsec_field(x, x, x) FROM (SELECT CAST(i AS VARCHAR) AS x FROM range(5000) t(i))",
	} {
		if _, err := w.Query(context.Background(), q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	r := mustQuery(t, w, "SELECT wsec_field('<Data Name=\"a\">1 &amp; 2</Data>', NULL, 'a')")
	if r.Rows[0][0] != "1 & 2" {
		t.Errorf("got %v", r.Rows)
	}
	if _, err := w.Query(context.Background(), "SELECT wsec_field(1)"); err == nil {
		t.Error("wrong arity accepted")
	}
	_ = store.ErrNotReadOnly
}

// FuzzFieldRoundTrip: whenever mirror says the view's extraction
// reproduces a payload value, extracting it from schema.EventDataXML's text
// gives the value back; and every string survives _Rest's JSON encoding.
func FuzzFieldRoundTrip(f *testing.F) {
	for _, s := range []string{"", "plain", "a<b>&c\"d'e", "line1\nline2", "cr\r\nlf", "tab\tx", "\x01ctl",
		"é😀", "\xff\xfe", "\uFFFE", "%%1833", "-", "0x3e7", "<Data Name=\"X\">y</Data>", "]]>", "&amp;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		e := &event.Event{Section: event.SectionEventData, Data: []event.Field{
			{Name: "Before", Value: v}, {Name: "X", Value: v}, {Name: "X", Value: "later"}, {Name: "", Value: v},
		}}
		xml := schema.EventDataXML(e)
		if known, null, s, _ := mirror(v, schema.String); known && !null {
			got, ok := dataElement(xml, newFieldPattern("X").open)
			if !ok || got != s {
				t.Fatalf("value %q: extraction gives %q (%v) from %q", v, got, ok, xml)
			}
		}
		js := string(appendJSONString(nil, v))
		got, ok := jsonUnquote(js)
		if !ok || got != validUTF8(v) {
			t.Fatalf("JSON %s of %q decodes to %q (%v)", js, v, got, ok)
		}
		if !utf8.ValidString(js) {
			t.Fatalf("JSON %q is not UTF-8", js)
		}
		obj := `{"A":` + js + `,"X":` + js + `}`
		if got, isNull, ok := restLookup(obj, "X"); !ok || isNull || got != validUTF8(v) {
			t.Fatalf("restLookup in %s: %q %v %v", obj, got, isNull, ok)
		}
	})
}
