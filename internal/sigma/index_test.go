package sigma

import (
	"fmt"
	"slices"
	"testing"
)

func TestRequiredEventIDs(t *testing.T) {
	searches := "  a:\n    EventID: 4624\n  b:\n    EventID: [4624, 4625]\n  c:\n    - EventID: 1\n    - EventID: 2\n  d:\n    LogonType: 3\n  e:\n    - EventID: 7\n    - LogonType: 2\n  f:\n    EventID|gt: 5\n"
	f := func(cond string, want string) {
		t.Helper()
		rules, err := Parse("i.yml", []byte("title: t\nlogsource:\n  product: windows\n  service: security\ndetection:\n"+searches+"  condition: "+cond+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		d := rules[0].Detection
		ids, ok := requiredEventIDs(d.Condition, d, nil)
		slices.Sort(ids)
		got := "any"
		if ok {
			got = fmt.Sprint(ids)
		}
		if got != want {
			t.Errorf("%s: %s, want %s", cond, got, want)
		}
	}
	f("a", "[4624]")
	f("a and d", "[4624]")
	f("d", "any")
	f("a or d", "any")
	f("a or c", "[1 2 4624]")
	f("a and b", "[4624]")
	f("a and c", "[]")
	f("e", "any")
	f("f", "any")
	f("not a", "any")
	f("1 of a or 1 of b", "[4624 4625]")
	f("all of them", "[]")
	f("b and not a", "[4624 4625]")
}

func TestRegexLiteral(t *testing.T) {
	f := func(expr, want string) {
		t.Helper()
		if got := regexLiteral(expr); got != want {
			t.Errorf("regexLiteral(%q) = %q, want %q", expr, got, want)
		}
	}
	f(`\\Windows\\Temp\\[a-z]+\.exe$`, `\windows\temp\`)
	f(`(?i)iex\s*\(new-object`, "(new-object")
	f(`(?i)invoke-mimikatz`, "")            // k folds to the Kelvin sign
	f(`Invoke-Mimikatz`, "invoke-mimikatz") // case-sensitive: lowered
	f(`a|bcdef`, "")                        // alternation: nothing required
	f(`(abcd)x`, "")
	f(`^abc`, "")
}
