package sigma

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"wsec/internal/corpustest"
)

// TestSigmaHQWindowsRules loads all of SigmaHQ's Windows rules: every one
// parses, and of the rules whose log source is mapped at least 98 %
// compile; the rest are reported with a reason.
func TestSigmaHQWindowsRules(t *testing.T) {
	dir := corpustest.Dir(t, "sigma-windows/rules")
	rules, problems, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("does not parse: %v", p.Err)
	}
	rs := Compile(rules, Options{})
	type count struct{ ok, unmapped, unsupported, broken int }
	by := map[string]*count{}
	reasons := map[string]int{}
	for _, c := range rs.Rules {
		cat := c.Rule.LogSource.String()
		if by[cat] == nil {
			by[cat] = &count{}
		}
		by[cat].ok++
	}
	unmapped := 0
	for _, p := range rs.Problems {
		if by[p.Category] == nil {
			by[p.Category] = &count{}
		}
		var u *UnsupportedError
		switch {
		case errors.As(p.Err, &u) && strings.Contains(u.Reason, "log source"):
			by[p.Category].unmapped++
			unmapped++
		case errors.As(p.Err, &u):
			by[p.Category].unsupported++
		default:
			by[p.Category].broken++
		}
		reason := p.Err.Error()
		if i := strings.Index(reason, "\""); i > 0 && !strings.Contains(reason, "log source") {
			reason = reason[:i]
		}
		reasons[reason]++
	}
	cats := make([]string, 0, len(by))
	for c := range by {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	var b strings.Builder
	for _, c := range cats {
		n := by[c]
		fmt.Fprintf(&b, "%-50s compiled %4d  unmapped %3d  unsupported %3d  invalid %3d\n", c, n.ok, n.unmapped, n.unsupported, n.broken)
	}
	for r, n := range reasons {
		fmt.Fprintf(&b, "  %4d × %s\n", n, r)
	}
	t.Logf("%d rules: %d compile, %d do not\n%s", len(rules), len(rs.Rules), len(rs.Problems), b.String())
	if len(rules) != 2407 {
		t.Errorf("loaded %d rules, want 2407", len(rules))
	}
	mapped := len(rules) - unmapped
	if float64(len(rs.Rules)) < 0.98*float64(mapped) {
		t.Errorf("%d of %d rules with a mapped log source compile, want ≥ 98 %%", len(rs.Rules), mapped)
	}
}
