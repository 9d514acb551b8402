package hunt

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/event"
	"wsec/internal/evtx"
	"wsec/internal/sigma"
)

// fixtureRules are regression cases over the three-chunk Security fixture
// (TestSigmaRegression's logic without the corpus): each rule must match
// exactly the events its predicate, written out in Go, picks from the
// decoded file.
var fixtureRules = []struct {
	yaml string
	want func(e *event.Event) bool
}{
	{`title: service logon
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4624, LogonType: 5}
  condition: sel
`, func(e *event.Event) bool { return e.System.EventID == 4624 && e.Value("LogonType") == "5" }},
	{`title: interactive logon, not by the machine account
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4624}
  machine: {TargetUserName|endswith: '$'}
  service: {LogonType: 5}
  condition: sel and not machine and not service
`, func(e *event.Event) bool {
		return e.System.EventID == 4624 && !strings.HasSuffix(e.Value("TargetUserName"), "$") && e.Value("LogonType") != "5"
	}},
	{`title: group membership enumerated or audit policy changed
logsource: {product: windows, service: security}
detection:
  enum: {EventID: 4799}
  policy: {EventID: 4719}
  condition: 1 of them
`, func(e *event.Event) bool { return e.System.EventID == 4799 || e.System.EventID == 4719 }},
	{`title: log cleared
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 1102}
  condition: sel
`, func(e *event.Event) bool { return e.System.EventID == 1102 }},
}

func TestSigmaRegressionFixture(t *testing.T) {
	path := filepath.Join("..", "source", "file", "testdata", "security-3chunks.evtx")
	f, err := evtx.Open(path, evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var evs []*event.Event
	if _, err := f.Events(context.Background(), func(e *event.Event) error { evs = append(evs, e); return nil }); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, c := range fixtureRules {
		rules, err := sigma.Parse("fixture.yml", []byte(c.yaml))
		if err != nil {
			t.Fatal(err)
		}
		rs := sigma.Compile(rules, sigma.Options{})
		if len(rs.Problems) > 0 {
			t.Fatalf("%s: %v", rules[0].Title, rs.Problems[0].Err)
		}
		want := 0
		for _, e := range evs {
			if c.want(e) {
				want++
			}
		}
		got := 0
		if _, err := Run(context.Background(), rs, []string{path}, Options{Workers: 2}, func(Finding) error { got++; return nil }); err != nil {
			t.Fatal(err)
		}
		if got != want || want == 0 {
			t.Errorf("%s: %d matches, want %d (and some)", rules[0].Title, got, want)
		}
	}
}
