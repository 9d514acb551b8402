package dcr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const ws = "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a"

func open(t *testing.T, v Validator) *Store {
	t.Helper()
	clock := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s, err := Open(t.TempDir(), v, func() time.Time { clock = clock.Add(time.Second); return clock })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutAssignForGroups(t *testing.T) {
	s := open(t, nil)
	if _, err := s.Put(ws, Rule{Name: "dc-logons", EventSet: "Minimal",
		XPathQueries: []string{"Security!*[System[(EventID=4624 or EventID=4625)]]"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ws, Rule{Name: "applocker", EventSet: "None",
		XPathQueries: []string{"Microsoft-Windows-AppLocker/EXE and DLL!*[System[(Level=2 or Level=3)]]"},
		Groups:       []string{"workstations"}}); err != nil {
		t.Fatal(err)
	}
	rules, tag0, err := s.ForGroups(ws, []string{"domain-controllers"})
	if err != nil || len(rules) != 0 {
		t.Fatalf("unassigned rule delivered: %v %v", rules, err)
	}
	if _, err := s.Assign(ws, "dc-logons", "domain-controllers"); err != nil {
		t.Fatal(err)
	}
	rules, tag1, _ := s.ForGroups(ws, []string{"domain-controllers"})
	if len(rules) != 1 || rules[0].Name != "dc-logons" || tag1 == tag0 {
		t.Fatalf("after assign: %v etag %s (before %s)", rules, tag1, tag0)
	}
	rules, _, _ = s.ForGroups(ws, []string{"workstations", "domain-controllers"})
	if len(rules) != 2 {
		t.Fatalf("two groups: %v", rules)
	}
	// Replacing a rule without groups keeps its assignment.
	if _, err := s.Put(ws, Rule{Name: "dc-logons", EventSet: "Common"}); err != nil {
		t.Fatal(err)
	}
	rules, tag2, _ := s.ForGroups(ws, []string{"domain-controllers"})
	if len(rules) != 1 || rules[0].EventSet != "Common" || tag2 == tag1 {
		t.Fatalf("after replace: %v", rules)
	}
	if _, err := s.Unassign(ws, "dc-logons", "domain-controllers"); err != nil {
		t.Fatal(err)
	}
	if rules, _, _ = s.ForGroups(ws, []string{"domain-controllers"}); len(rules) != 0 {
		t.Fatalf("after unassign: %v", rules)
	}
}

func TestValidationAndNames(t *testing.T) {
	bad := errors.New(`xpath: column 23: function "contains" is not supported`)
	s := open(t, func(r Rule) error {
		if len(r.XPathQueries) > 0 && strings.Contains(r.XPathQueries[0], "contains") {
			return bad
		}
		return nil
	})
	if _, err := s.Put(ws, Rule{Name: "x", XPathQueries: []string{"Security!*[contains(.,'a')]"}}); !errors.Is(err, bad) {
		t.Errorf("invalid query stored: %v", err)
	}
	for _, name := range []string{"", "a b", "../../etc/passwd", strings.Repeat("a", 65)} {
		if _, err := s.Put(ws, Rule{Name: name}); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	if _, err := s.Assign(ws, "missing", "g"); !errors.Is(err, ErrNotFound) {
		t.Errorf("assign to missing rule: %v", err)
	}
	for _, bad := range []string{"../../x", "{" + ws + "}"} {
		if _, err := s.Put(bad, Rule{Name: "r"}); err == nil {
			t.Errorf("workspace ID %q accepted (it names a file)", bad)
		}
	}
	if list, _ := s.List(ws); len(list) != 0 {
		t.Errorf("refused rules were stored: %v", list)
	}
}

func TestPersistsAcrossOpen(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, nil, nil)
	s.Put(ws, Rule{Name: "r1", EventSet: "All", Groups: []string{"g"}})
	s2, _ := Open(dir, nil, nil)
	list, err := s2.List(ws)
	if err != nil || len(list) != 1 || list[0].Groups[0] != "g" {
		t.Fatalf("reopened: %v %v", list, err)
	}
	if err := s2.Delete(ws, "r1"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Delete(ws, "r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
