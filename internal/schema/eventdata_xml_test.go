package schema

import (
	"strings"
	"testing"

	"wsec/internal/event"
)

// The byte-exact form of named EventData is checked against Sentinel's own
// text by the oracle tests (37 rows). These cases cover what the oracle rows
// do not contain.
func TestEventDataXML(t *testing.T) {
	const open = `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">`
	tests := []struct {
		name string
		e    event.Event
		want string
	}{
		{
			name: "named values, empty value as an empty element",
			e:    event.Event{Section: event.SectionEventData, Data: fields("SubjectUserSid", "S-1-5-18", "AdditionalInfo2", "")},
			want: open + "\r\n  <Data Name=\"SubjectUserSid\">S-1-5-18</Data>\r\n  <Data Name=\"AdditionalInfo2\" />\r\n</EventData>",
		},
		{
			name: "unnamed values and Binary (classic providers)",
			e: event.Event{Section: event.SectionEventData, Binary: "0A000000",
				Data: []event.Field{{Value: "00000000-0000-0000-0000-000000000000"}, {Value: ""}}},
			want: open + "\r\n  <Data>00000000-0000-0000-0000-000000000000</Data>\r\n  <Data />\r\n  <Binary>0A000000</Binary>\r\n</EventData>",
		},
		{
			name: "text escaping: markup escaped, quotes and tabs kept, every new line CRLF",
			e: event.Event{Section: event.SectionEventData, Data: fields(
				"CommandLine", `cmd /c "a & b" <x> 'y'`+"\tz",
				"UserAccountControl", "\n\t\t%%2084\r\n\t\t%%2085\rx",
			)},
			want: open + "\r\n  <Data Name=\"CommandLine\">cmd /c \"a &amp; b\" &lt;x&gt; 'y'\tz</Data>" +
				"\r\n  <Data Name=\"UserAccountControl\">\r\n\t\t%%2084\r\n\t\t%%2085\r\nx</Data>\r\n</EventData>",
		},
		{
			name: "characters XML cannot carry become U+FFFD",
			e:    event.Event{Section: event.SectionEventData, Data: fields("A", "x\x01y\xffz\uFFFEw")},
			want: open + "\r\n  <Data Name=\"A\">x\uFFFDy\uFFFDz\uFFFDw</Data>\r\n</EventData>",
		},
		{
			name: "attribute escaping",
			e:    event.Event{Section: event.SectionEventData, Data: fields("a\"b<&>\t", "v")},
			want: open + "\r\n  <Data Name=\"a&quot;b&lt;&amp;&gt;&#x9;\">v</Data>\r\n</EventData>",
		},
		{
			name: "EventData with no fields",
			e:    event.Event{Section: event.SectionEventData},
			want: `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event" />`,
		},
		{
			name: "no payload section at all",
			e:    event.Event{},
			want: "",
		},
		{
			name: "UserData with nested path fields and an empty wrapper child",
			e: event.Event{Section: event.SectionUserData, UserDataName: "RuleAndFileData", UserDataNS: "http://schemas.microsoft.com/schemas/event/Microsoft.Windows/1.0.0.0",
				Data: fields("PolicyName", "EXE", "Params/Param", "one", "Params/Param", "two", "Tail", "")},
			want: "<UserData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n" +
				"  <RuleAndFileData xmlns=\"http://schemas.microsoft.com/schemas/event/Microsoft.Windows/1.0.0.0\">\r\n" +
				"    <PolicyName>EXE</PolicyName>\r\n" +
				"    <Params>\r\n      <Param>one</Param>\r\n      <Param>two</Param>\r\n    </Params>\r\n" +
				"    <Tail />\r\n" +
				"  </RuleAndFileData>\r\n</UserData>",
		},
		{
			name: "UserData wrapper without children",
			e:    event.Event{Section: event.SectionUserData, UserDataName: "Empty"},
			want: "<UserData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n  <Empty />\r\n</UserData>",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := EventDataXML(&tc.e)
			if got != tc.want {
				t.Errorf("EventDataXML:\n got %q\nwant %q", got, tc.want)
			}
			if got == "" {
				return
			}
			var back event.Event
			if err := parsePayloadXML(got, &back); err != nil {
				t.Fatalf("output does not parse as XML: %v", err)
			}
		})
	}
}

// FuzzEventDataXML checks, for any payload, that the text is well-formed XML
// that reads back as the same fields (modulo the documented CRLF and U+FFFD
// normalisation).
func FuzzEventDataXML(f *testing.F) {
	f.Add("SubjectUserName", "WORKSTATION5$", "CommandLine", "a & \"b\" <c>\r\n", false, "")
	f.Add("", "unnamed", "Name", "", false, "DEADBEEF")
	f.Add("Params/Param", "x\x00y", "Tail", "\xff\xfe", true, "")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string, userData bool, binary string) {
		e := event.Event{Section: event.SectionEventData, Data: []event.Field{{Name: n1, Value: v1}, {Name: n2, Value: v2}}, Binary: binary}
		if userData {
			e.Section, e.UserDataName, e.Binary = event.SectionUserData, "Wrapper", ""
			for i := range e.Data {
				if e.Data[i].Name == "" {
					e.Data[i].Name = "Data"
				}
			}
		}
		got := EventDataXML(&e)
		if !userData && !allNamesSimple(e.Data) {
			return // attribute values round-trip, but only simple names are worth the check below
		}
		if userData && !allNamesSimple(e.Data) {
			return // element names are sanitised, not escaped
		}
		var back event.Event
		if err := parsePayloadXML(got, &back); err != nil {
			t.Fatalf("output %q does not parse: %v", got, err)
		}
		if len(back.Data) != len(e.Data) {
			t.Fatalf("read back %d fields, wrote %d: %q", len(back.Data), len(e.Data), got)
		}
		for i := range e.Data {
			if back.Data[i].Value != normaliseXMLText(e.Data[i].Value) {
				t.Fatalf("field %d read back %q, want %q", i, back.Data[i].Value, normaliseXMLText(e.Data[i].Value))
			}
		}
	})
}

// allNamesSimple reports whether every name is a plain element/attribute name
// (ASCII letters, digits, '_', and '/' path separators between them).
func allNamesSimple(fs []event.Field) bool {
	for _, f := range fs {
		for _, seg := range strings.Split(f.Name, "/") {
			if seg == "" && f.Name != "" {
				return false
			}
			for i := 0; i < len(seg); i++ {
				c := seg[i]
				if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
					return false
				}
			}
		}
	}
	return true
}

// normaliseXMLText is what an XML reader returns for a value we wrote: new
// lines as LF, unrepresentable characters as U+FFFD.
func normaliseXMLText(s string) string {
	out := string(appendXMLText(nil, s))
	out = strings.ReplaceAll(out, "\r\n", "\n")
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
	return r.Replace(out)
}

// FuzzEventDataPieceTerm checks EventDataPieceTerm's promise: a term it
// accepts that occurs in the lower-cased EventData occurs in one of the
// event's own strings, lower-cased.
func FuzzEventDataPieceTerm(f *testing.F) {
	f.Add("SubjectUserName", "S-1-5-18", "Weird&Name", "a&b<c>\"d\"\r\n", "ud", "http://x/y", "DEADBEEF", uint8(0), "s-1-5-18")
	f.Add("", "unnamed", "Outer/Inner", "x\ty", "LogFileCleared", "", "", uint8(1), "amp")
	f.Add("Name", "Data", "EventData", "", "", "", "BEEF", uint8(0), "ata")
	f.Add("a b", "\x01bell", "é", "İK", "w", "ns", "", uint8(2), "k")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2, udName, udNS, binary string, section uint8, term string) {
		term = strings.ToLower(term)
		if !EventDataPieceTerm(term) {
			return
		}
		e := event.Event{Section: event.Section(section % 3), Data: []event.Field{{Name: n1, Value: v1}, {Name: n2, Value: v2}}, Binary: binary}
		if e.Section == event.SectionUserData {
			e.UserDataName, e.UserDataNS = udName, udNS
		}
		got := strings.ToLower(EventDataXML(&e))
		if !strings.Contains(got, term) {
			return
		}
		for _, p := range []string{n1, v1, n2, v2, binary, e.UserDataName, e.UserDataNS} {
			if strings.Contains(strings.ToLower(p), term) {
				return
			}
		}
		t.Fatalf("term %q is in %q but in none of the event's strings", term, got)
	})
}

func TestEventDataPieceTerm(t *testing.T) {
	for term, want := range map[string]bool{
		"s-1-5-18": true, "certutil": true, "10.0.0.1": true, `c:\windows\system32`: true, "0x3e7": true,
		"": false, "data": false, "ata": false, "eventdata": false, "amp": false, "quot": false, "#xa": false,
		"schemas.microsoft.com": false, "a&b": false, "x<y": false, "nt authority": false, "a/b": false, "a_b": false,
		"line\r\n": false, `"`: false,
	} {
		if got := EventDataPieceTerm(term); got != want {
			t.Errorf("EventDataPieceTerm(%q) = %v, want %v", term, got, want)
		}
	}
}
