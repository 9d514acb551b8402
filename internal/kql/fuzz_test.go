package kql

import (
	"testing"

	"wsec/internal/schema"
)

// FuzzKQLParse checks that Parse never panics, that a parsed query prints to
// text that parses again, that printing is then a fixed point, and that
// Check never panics on what parses. Seeds: testdata/fuzz/FuzzKQLParse
// (written from the semantics cases and the error cases) plus the ones
// added here.
func FuzzKQLParse(f *testing.F) {
	for _, s := range []string{
		"SecurityEvent | where EventID == 4625 | summarize count() by Account",
		"let x = 1d; T | where TimeGenerated > ago(x) | project a, b = c * 2",
		"datatable(a:long, b:string)[1, 'x'] | mv-expand d = dynamic([1, {\"k\": [true, null]}])",
		"T | join kind=leftouter (U | where x) on $left.a == $right.b, c | sort by a desc nulls first",
		"union withsource=S isfuzzy=true T*, (U) | parse s with * 'k=' v:long * | render timechart",
		"let f = (T:(a:long), n:long = 2) { T | take n }; range a from 1 to 3 step 1 | invoke f()",
		"print x = @'c:\\x', y = ```multi\nline```, z = h'secret' | evaluate bag_unpack(x)",
		"T | where a in~ (\"x\") and b !has_any (\"y\") and c between (1 .. 2) and d matches regex \"[a-z]\"",
		"search in (T) \"term*\" and Col:\"x\" | top-nested 3 of a by count()",
	} {
		f.Add(s)
	}
	cat := NewCatalog(schema.New())
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("Parse returned %T, want ErrorList", err)
			}
			return
		}
		p1 := Print(q)
		q2, err := Parse(p1)
		if err != nil {
			t.Fatalf("printed query does not parse: %v\ninput: %q\nprinted: %q", err, src, p1)
		}
		if p2 := Print(q2); p2 != p1 {
			t.Fatalf("print is not stable\ninput: %q\nfirst:  %q\nsecond: %q", src, p1, p2)
		}
		_, _ = Check(q, cat)
	})
}
