package sigma

import (
	"testing"
	"time"

	"wsec/internal/event"
)

// FuzzParse feeds arbitrary rule text through Parse, Compile and matching:
// no panic, and a rule that compiles can be matched.
func FuzzParse(f *testing.F) {
	f.Add([]byte(ruleHead + "detection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains|all: [a, b]\n  filter:\n    - User: x\n    - User|re|i: '^nt '\n  condition: sel and not filter\n"))
	f.Add([]byte(ruleHead + "detection:\n  keywords:\n    '|all': [a, '*b?']\n  condition: keywords\n"))
	f.Add([]byte(ruleHead + "detection:\n  sel:\n    X|wide|base64offset|contains: abc\n    Y|windash|contains: ' -x'\n    Z|cidr: 10.0.0.0/8\n    N|gte: 3\n    E|exists: true\n    F|fieldref: Image\n  condition: 1 of sel*\n"))
	f.Add([]byte("title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [User]\n  timespan: 5m\n  condition:\n    gte: 3\n---\ntitle: a\nname: a\nlogsource:\n  product: windows\n  service: security\ndetection:\n  sel:\n    EventID: 4625\n  condition: sel\n"))
	ev := &event.Event{System: event.System{Channel: "Microsoft-Windows-Sysmon/Operational", EventID: 1, TimeCreated: time.Unix(0, 0)},
		Data: []event.Field{{Name: "Image", Value: `C:\a\cmd.exe`}, {Name: "CommandLine", Value: "a b"}, {Name: "User", Value: "NT x"}, {Name: "X", Value: "YQBiAGMA"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := Parse("fuzz.yml", data)
		if err != nil {
			return
		}
		rs := Compile(rules, Options{})
		d := rs.NewDoc()
		d.Reset(ev)
		c := rs.NewCorrelator()
		rs.Match(d, func(h Hit) {
			for _, o := range rs.Observe(nil, h.Rule, d) {
				c.Add(o)
			}
		})
		c.Finish()
	})
}

// FuzzCondition parses arbitrary conditions: no panic, no runaway
// recursion, and what parses prints to a form that parses to the same text.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		"sel", "sel and not filter", "1 of sel_* and not 1 of filter_*", "all of them",
		"(a or b) and not (c or (d and e))", "3 of x*", "not not a", "a | count() > 5", "((((a))))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseCondition(s)
		if err != nil {
			return
		}
		printed := e.String()
		e2, err := ParseCondition(printed)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, printed, err)
		}
		if e2.String() != printed {
			t.Fatalf("%q printed as %q, then as %q", s, printed, e2.String())
		}
	})
}
