package sigma

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
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

func TestRegexLiterals(t *testing.T) {
	f := func(expr, need, lits string) {
		t.Helper()
		n, ls := regexLiterals(expr)
		var got []string
		for _, l := range ls {
			s := fmt.Sprintf("%q", l.s)
			if l.longS {
				s += "+ſ"
			}
			got = append(got, s)
		}
		if n != need || strings.Join(got, " ") != lits {
			t.Errorf("regexLiterals(%q) = %q, %s; want %q, %s", expr, n, strings.Join(got, " "), need, lits)
		}
	}
	f(`\\Windows\\Temp\\[a-z]+\.exe$`, `\windows\temp\`, `"\\windows\\temp\\" ".exe"`)
	f(`(?i)iex\s*\(new-object`, "(new-object", `"iex" "(new-object"`)
	f(`(?i)invoke-mimikatz`, "invoke-mimikatz", `"invoke-mimikatz"`) // the Kelvin sign lowers to k
	f(`(?i)(set).*&&\s?set.*(environment|invoke)`, "", `"set"+ſ "&&" "set"+ſ`)
	f(`Set-Item`, "set-item", `"set-item"`) // case-sensitive: no long s
	f(`a|bcdef`, "", "")                    // alternation: nothing required
	f(`(abcd)x`, "abcdx", `"abcdx"`)
	f(`(?:ab)+cd(?:ef)*`, "", `"ab" "cd"`)
	f(`x{2,}y`, "", `"x" "x" "y"`) // simplified to xx+y
	f(`(?i)ab(c)D`, "abcd", `"abcd"`)
	f(`^abc`, "", `"abc"`)
	f(`caf\u00e9`, "", "")
}

// TestASCIIFolds: the regular-expression literal check looks for a
// case-insensitive ASCII literal in the lowered value, which holds when
// every character matching an ASCII letter case-insensitively lowers to
// that letter; the long s is the one exception (regexLit.longS).
func TestASCIIFolds(t *testing.T) {
	for c := 'a'; c <= 'z'; c++ {
		for r := unicode.SimpleFold(c); r != c; r = unicode.SimpleFold(r) {
			if unicode.ToLower(r) != c && !(c == 's' && r == '\u017f') {
				t.Errorf("%q folds to %q, which lowers to %q", r, c, unicode.ToLower(r))
			}
		}
	}
}
