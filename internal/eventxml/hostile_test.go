package eventxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// ev builds a small well-formed Security event with the given record ID
// and EventData content.
func ev(rec int, data string) string {
	return fmt.Sprintf(`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>`+
		`<Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4624</EventID>`+
		`<TimeCreated SystemTime="2024-01-02T03:04:05.1234567Z"/><EventRecordID>%d</EventRecordID>`+
		`<Channel>Security</Channel><Computer>WS01</Computer></System><EventData>%s</EventData></Event>`, rec, data)
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
`

// TestHostile feeds attacks and broken input and checks the exact error,
// its kind, whether it is fatal, and which events still come through.
func TestHostile(t *testing.T) {
	good := ev(1, `<Data Name="A">a</Data>`)
	big := strings.Repeat("A", DefaultMaxValueBytes+1)
	type tc struct {
		name    string
		in      string
		opts    Options
		wantErr string // exact Error() of the first error
		is      error
		fatal   bool
		wantRec []uint64 // records read, in order
	}
	cases := []tc{
		{
			name:    "billion laughs",
			in:      billionLaughs + ev(1, `<Data Name="A">&lol9;</Data>`),
			wantErr: `at offset 22: DOCTYPE and entity declarations are refused: found "<!DOCTYPE lo"`,
			is:      ErrDTD, fatal: true,
		},
		{
			name:    "external entity",
			in:      `<!DOCTYPE Event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + ev(1, `<Data Name="A">&xxe;</Data>`),
			wantErr: `at offset 0: DOCTYPE and entity declarations are refused: found "<!DOCTYPE Ev"`,
			is:      ErrDTD, fatal: true,
		},
		{
			name:    "entity declaration inside event",
			in:      good + `<Event><!ENTITY x "y"><System/></Event>` + good,
			wantErr: `event 2 at offset {<Event><!ENTITY}: DOCTYPE and entity declarations are refused: found "<!ENTITY x \"" at offset {<!ENTITY}`,
			is:      ErrDTD, fatal: true, wantRec: []uint64{1},
		},
		{
			name:    "undefined entity without DTD",
			in:      ev(1, `<Data Name="A">&xxe;</Data>`) + good,
			wantErr: `event 1 at offset 0: malformed event XML: undefined entity &xxe; (only &lt; &gt; &amp; &quot; &apos; and character references are accepted) at offset {&xxe;}`,
			is:      ErrSyntax, wantRec: []uint64{1},
		},
		{
			name:    "out of range character reference",
			in:      ev(1, `<Data Name="A">&#x110000;</Data>`),
			wantErr: `event 1 at offset 0: malformed event XML: invalid character reference &#x110000; at offset {&#x110000;}`,
			is:      ErrSyntax,
		},
		{
			name:    "NUL character reference",
			in:      ev(1, `<Data Name="A">&#0;</Data>`),
			wantErr: `event 1 at offset 0: malformed event XML: invalid character reference &#0; at offset {&#0;}`,
			is:      ErrSyntax,
		},
		{
			name:    "huge attribute",
			in:      ev(1, `<Data Name="`+big+`">x</Data>`) + good,
			wantErr: `event 1 at offset 0: value of attribute Name in <Data> at offset {AAAA} exceeds MaxValueBytes (1048576)`,
			is:      ErrLimit, wantRec: []uint64{1},
		},
		{
			name:    "huge text",
			in:      ev(1, `<Data Name="A">`+big+`</Data>`) + good,
			wantErr: `event 1 at offset 0: text of <Data> at offset {<Data} exceeds MaxValueBytes (1048576)`,
			is:      ErrLimit, wantRec: []uint64{1},
		},
		{
			name:    "huge text from references",
			in:      ev(1, `<Data Name="A">`+strings.Repeat("&amp;", DefaultMaxValueBytes+1)+`</Data>`) + good,
			wantErr: `event 1 at offset 0: text of <Data> at offset {<Data} exceeds MaxValueBytes (1048576)`,
			is:      ErrLimit, wantRec: []uint64{1},
		},
		{
			name:    "huge event",
			in:      ev(1, strings.Repeat(`<Data Name="A">`+strings.Repeat("x", 1000)+`</Data>`, 17000)) + good,
			wantErr: `event 1 at offset 0: <Event> at offset 0 exceeds MaxEventBytes (16777216)`,
			is:      ErrLimit, wantRec: []uint64{1},
		},
		{
			name:    "deep nesting",
			in:      ev(1, strings.Repeat("<a>", 70)+strings.Repeat("</a>", 70)) + good,
			wantErr: `event 1 at offset 0: element nesting at offset {<a>|63} exceeds MaxDepth (64)`,
			is:      ErrLimit, wantRec: []uint64{1},
		},
		{
			name:    "deep Events wrappers",
			in:      strings.Repeat("<Events>", 100) + good,
			wantErr: `at offset {<Events>|64}: <Events> nesting at offset {<Events>|64} exceeds MaxDepth (64)`,
			is:      ErrLimit,
		},
		{
			name:    "too many fields",
			in:      ev(1, strings.Repeat(`<Data Name="A">a</Data>`, DefaultMaxFields+1)) + good,
			wantErr: `event 1 at offset 0: payload fields at offset {<Data|4097} exceeds MaxFields (4096)`,
			is:      ErrLimit, wantRec: []uint64{1},
		},
		{
			name:    "too many attributes",
			in:      ev(1, `<Data`+manyAttrs(65)+`>x</Data>`) + good,
			wantErr: `event 1 at offset 0: attributes of <Data> at offset {<Data} exceeds MaxAttrs (64)`,
			is:      ErrLimit, wantRec: []uint64{1},
		},
		{
			name:    "long name",
			in:      ev(1, `<`+strings.Repeat("n", 300)+`/>`) + good,
			wantErr: `event 1 at offset 0: name "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"... at offset {nnn} exceeds MaxNameBytes (256)`,
			is:      ErrLimit, wantRec: []uint64{1},
		},
		{
			name:    "duplicate attribute",
			in:      ev(1, `<Data Name="A" Name="B">x</Data>`) + good,
			wantErr: `event 1 at offset 0: malformed event XML: duplicate attribute Name in <Data> at offset {Name="B"}`,
			is:      ErrSyntax, wantRec: []uint64{1},
		},
		{
			name:    "lt in attribute",
			in:      ev(1, `<Data Name="<A">x</Data>`),
			wantErr: `event 1 at offset 0: malformed event XML: '<' in value of attribute Name at offset {<A}`,
			is:      ErrSyntax,
		},
		{
			name:    "small event limit",
			in:      good + ev(2, strings.Repeat(`<Data Name="A">aaaaaaaaaa</Data>`, 200)) + good,
			opts:    Options{MaxEventBytes: 1024},
			wantErr: `event 2 at offset {<Event xmlns|2}: <Event> at offset {<Event xmlns|2} exceeds MaxEventBytes (1024)`,
			is:      ErrLimit, wantRec: []uint64{1, 1},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs, errs := readAll(t, []byte(c.in), c.opts)
			if len(errs) == 0 {
				t.Fatalf("no error; got %d events", len(evs))
			}
			err := errs[0]
			if want := placeOffsets(t, c.wantErr, c.in); err.Error() != want {
				t.Errorf("error:\n got %.300s\nwant %.300s", err, want)
			}
			if !errors.Is(err, c.is) {
				t.Errorf("errors.Is(%v) = false", c.is)
			}
			var e *Error
			if errors.As(err, &e) && e.Fatal != c.fatal {
				t.Errorf("Fatal = %v, want %v", e.Fatal, c.fatal)
			}
			var recs []uint64
			for _, ev := range evs {
				recs = append(recs, ev.System.EventRecordID)
			}
			if fmt.Sprint(recs) != fmt.Sprint(c.wantRec) {
				t.Errorf("records %v, want %v", recs, c.wantRec)
			}
		})
	}
}

// placeOffsets replaces each {X} in want by the offset of X in in, and
// {X|n} by the offset of its nth occurrence, so that expected offsets come
// from the input rather than from the reader.
func placeOffsets(t *testing.T, want, in string) string {
	t.Helper()
	for {
		i := strings.IndexByte(want, '{')
		j := strings.IndexByte(want, '}')
		if i < 0 || j < i || strings.HasPrefix(want[i:], "{0000") {
			return want
		}
		key, n := want[i+1:j], 1
		if k := strings.LastIndexByte(key, '|'); k >= 0 {
			fmt.Sscan(key[k+1:], &n)
			key = key[:k]
		}
		off := -1
		for c := 0; c < n; c++ {
			k := strings.Index(in[off+1:], key)
			if k < 0 {
				t.Fatalf("%q occurs fewer than %d times", key, n)
			}
			off += 1 + k
		}
		want = want[:i] + fmt.Sprint(off) + want[j+1:]
	}
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, ` a%d="1"`, i)
	}
	return b.String()
}

// TestBoundedMemory checks that the reader's buffer stays within
// MaxEventBytes plus a read chunk while it skips an event far larger, and
// while it wades through megabytes of junk without a '<'.
func TestBoundedMemory(t *testing.T) {
	const limit = 64 << 10
	huge := ev(1, strings.Repeat(`<Data Name="A">`+strings.Repeat("x", 1000)+`</Data>`, 10000)) // ~10 MiB
	junk := strings.Repeat("junk ", 2<<20)                                                      // 10 MiB, one error
	for _, in := range []string{huge + ev(2, ""), junk + ev(2, "")} {
		r := NewReader(&chunkReader{b: []byte(in), n: 4096}, Options{MaxEventBytes: limit})
		var recs []uint64
		nerr := 0
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				nerr++
				continue
			}
			recs = append(recs, e.System.EventRecordID)
			if c := cap(r.buf); c > limit+readChunkBytes {
				t.Errorf("buffer grew to %d bytes", c)
			}
		}
		if nerr != 1 || fmt.Sprint(recs) != "[2]" {
			t.Errorf("got %d errors, records %v; want 1 error, [2]", nerr, recs)
		}
		if c := cap(r.buf); c > limit+readChunkBytes {
			t.Errorf("buffer grew to %d bytes", c)
		}
	}
}

// TestRecovery damages one element of a five-event stream in each way the
// reader promises to recover from, and checks exactly which records survive
// and where the error points.
func TestRecovery(t *testing.T) {
	e := func(rec int) string { return ev(rec, fmt.Sprintf(`<Data Name="R">%d</Data>`, rec)) }
	stream := func(bad string, at int) string {
		var b strings.Builder
		for i := 1; i <= 5; i++ {
			if i == at {
				b.WriteString(bad)
				continue
			}
			b.WriteString(e(i))
			b.WriteString("\n")
		}
		return b.String()
	}
	off := func(at int) int64 { return int64(strings.Index(stream("@", at), "@")) }
	big := ev(2, strings.Repeat(`<Data Name="A">0123456789</Data>`, 100)+`<Data Name="R">2</Data>`)
	cases := []struct {
		name     string
		in       string
		wantRec  string
		wantErrs []string // each error's "event N at offset M" / "at offset M" prefix and a phrase
		opts     Options
	}{
		{"event over MaxEventBytes", stream(big+"\n", 2), "[1 3 4 5]",
			[]string{fmt.Sprintf("event 2 at offset %d: ", off(2)), "exceeds MaxEventBytes (1024)"}, Options{MaxEventBytes: 1024}},
		{"event over MaxFields", stream(big+"\n", 2), "[1 3 4 5]",
			[]string{fmt.Sprintf("event 2 at offset %d: ", off(2)), "exceeds MaxFields (50)"}, Options{MaxFields: 50}},
		{"mismatched end tag", stream(strings.Replace(e(2), "</Computer>", "</Computr>", 1), 2), "[1 3 4 5]",
			[]string{fmt.Sprintf("event 2 at offset %d: ", off(2)), "end tag </Computr> does not match <Computer>"}, Options{}},
		{"bad EventID", stream(strings.Replace(e(3), "4624", "46x4", 1), 3), "[1 2 4 5]",
			[]string{fmt.Sprintf("event 3 at offset %d: ", off(3)), `<EventID> "46x4": not a decimal or 0x-hex number`}, Options{}},
		{"bad time", stream(strings.Replace(e(3), "2024-01-02T", "2024-13-02T", 1), 3), "[1 2 4 5]",
			[]string{fmt.Sprintf("event 3 at offset %d: ", off(3)), "date or time out of range"}, Options{}},
		{"no System", stream(`<Event><EventData/></Event>`, 2), "[1 3 4 5]",
			[]string{fmt.Sprintf("event 2 at offset %d: ", off(2)), "<Event> has no <System>"}, Options{}},
		{"truncated then next event", stream(e(2)[:200], 2), "[1 3 4 5]",
			[]string{fmt.Sprintf("event 2 at offset %d: ", off(2)), "unterminated <Event>: a new <Event> starts"}, Options{}},
		{"stray text", stream("garbage "+e(2)+"\n", 2), "[1 2 3 4 5]",
			[]string{fmt.Sprintf("at offset %d: ", off(2)), `text "garbage " outside <Event>`}, Options{}},
		{"unexpected element", stream("<Foo><Bar/></Foo>"+e(2)+"\n", 2), "[1 2 3 4 5]",
			[]string{fmt.Sprintf("event 2 at offset %d: ", off(2)), "unexpected element <Foo>, want <Event> or <Events>"}, Options{}},
		{"stray end tag", stream("</Events>"+e(2)+"\n", 2), "[1 2 3 4 5]",
			[]string{fmt.Sprintf("at offset %d: ", off(2)), "unexpected end tag </Events>"}, Options{}},
		{"top-level CDATA", stream("<![CDATA[x]]>"+e(2)+"\n", 2), "[1 2 3 4 5]",
			[]string{fmt.Sprintf("at offset %d: ", off(2)), "CDATA section outside <Event>"}, Options{}},
		{"truncated at end", stream(e(5)[:300], 5), "[1 2 3 4]",
			[]string{fmt.Sprintf("event 5 at offset %d: ", off(5)), "input ends inside <Event>: unexpected EOF"}, Options{}},
		{"unterminated comment at end", stream("<!-- x", 5), "[1 2 3 4]",
			[]string{fmt.Sprintf("at offset %d: ", off(5)), "input ends inside markup"}, Options{}},
		{"DOCTYPE midway", stream("<!DOCTYPE x>", 3), "[1 2]",
			[]string{fmt.Sprintf("at offset %d: ", off(3)), "DOCTYPE and entity declarations are refused"}, Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs, errs := readAll(t, []byte(c.in), c.opts)
			var recs []uint64
			for i, ev := range evs {
				recs = append(recs, ev.System.EventRecordID)
				if want := fmt.Sprint(ev.System.EventRecordID); ev.Value("R") != want {
					t.Errorf("event %d: R = %q, want %s", i, ev.Value("R"), want)
				}
			}
			if fmt.Sprint(recs) != c.wantRec {
				t.Errorf("records %v, want %s", recs, c.wantRec)
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors %v, want 1", len(errs), errs)
			}
			msg := errs[0].Error()
			if !strings.HasPrefix(msg, c.wantErrs[0]) || !strings.Contains(msg, c.wantErrs[1]) {
				t.Errorf("error %q, want prefix %q and %q", msg, c.wantErrs[0], c.wantErrs[1])
			}
		})
	}
}

// TestParseEventExactlyOne checks ParseEvent's contract.
func TestParseEventExactlyOne(t *testing.T) {
	one := ev(1, "")
	f := func(in, wantErr string) {
		t.Helper()
		_, err := ParseEvent([]byte(in))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != wantErr {
			t.Errorf("ParseEvent(%.40q): error %q, want %q", in, got, wantErr)
		}
	}
	f(one, "")
	f("\ufeff<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- x -->\n<Events>"+one+"</Events>\n", "")
	f("", "malformed event XML: no <Event> element")
	f(one+one, "malformed event XML: more than one <Event> element")
	f(one+"x", fmt.Sprintf(`at offset %d: malformed event XML: text "x" outside <Event>`, len(one)))
	if n := bytes.Count([]byte(one), []byte("<")); n < 10 {
		t.Fatal("fixture too small")
	}
}
