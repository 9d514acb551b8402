package incident

import (
	"fmt"
	"testing"
	"time"

	"wsec/internal/analytics/rule"
	"wsec/internal/schema"
)

var t0 = time.Date(2019, 3, 19, 20, 0, 0, 0, time.UTC)

func testRule(method string, lookback time.Duration, reopen bool, selected ...string) *rule.Rule {
	return &rule.Rule{ID: "r1", Name: "Brute force", Severity: "Medium", Incident: rule.IncidentConfiguration{
		CreateIncident: true,
		Grouping: rule.Grouping{Enabled: method != "", MatchingMethod: method, LookbackDuration: lookback,
			ReopenClosedIncident: reopen, GroupByEntities: selected},
	}}
}

func host(name string) Entity {
	return Entity{Type: "Host", Identifiers: map[string]string{"HostName": name}}
}
func account(name string) Entity {
	return Entity{Type: "Account", Identifiers: map[string]string{"Name": name}}
}

func alert(n int, after time.Duration, ents ...Entity) *Alert {
	at := t0.Add(after)
	return &Alert{ID: fmt.Sprintf("a%d", n), RuleID: "r1", DisplayName: "Brute force", Severity: "Medium",
		Time: at, Start: at.Add(-time.Hour), End: at, Entities: ents}
}

// numbers adds the alerts in order and returns the incident number of each.
func numbers(b *Book, r *rule.Rule, alerts ...*Alert) []int {
	var out []int
	for _, a := range alerts {
		in := b.Add(r, a)
		if in == nil {
			out = append(out, 0)
			continue
		}
		out = append(out, in.Number)
	}
	return out
}

func clock() func() time.Time {
	now := t0
	return func() time.Time { now = now.Add(time.Second); return now }
}

func TestGrouping(t *testing.T) {
	f := func(name string, r *rule.Rule, alerts []*Alert, want ...int) {
		t.Helper()
		got := numbers(NewBook(clock()), r, alerts...)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: incidents %v, want %v", name, got, want)
		}
	}
	h1a := []*Alert{alert(1, 0, host("dc1"), account("bob")), alert(2, time.Hour, host("DC1"), account("bob")),
		alert(3, 2*time.Hour, host("dc1"), account("eve")), alert(4, 3*time.Hour, host("dc2"), account("bob"))}
	f("grouping off: one incident per alert", testRule("", 0, false), h1a, 1, 2, 3, 4)
	f("AnyAlert: all in one", testRule(rule.AnyAlert, 5*time.Hour, false), h1a, 1, 1, 1, 1)
	f("AllEntities: same host and account (case-insensitive)", testRule(rule.AllEntities, 5*time.Hour, false), h1a, 1, 1, 2, 3)
	f("Selected Host", testRule(rule.Selected, 5*time.Hour, false, "Host"), h1a, 1, 1, 1, 2)
	f("Selected Account", testRule(rule.Selected, 5*time.Hour, false, "Account"), h1a, 1, 1, 2, 1)
	f("AllEntities without entities: alone", testRule(rule.AllEntities, 5*time.Hour, false), []*Alert{alert(1, 0), alert(2, time.Minute)}, 1, 2)
	f("lookback from the group's first alert", testRule(rule.AnyAlert, 90*time.Minute, false),
		[]*Alert{alert(1, 0), alert(2, time.Hour), alert(3, 2*time.Hour), alert(4, 3*time.Hour)}, 1, 1, 2, 2)
	no := testRule(rule.AnyAlert, time.Hour, false)
	no.Incident.CreateIncident = false
	f("createIncident false", no, []*Alert{alert(1, 0)}, 0)
}

func TestGroupingCap(t *testing.T) {
	b := NewBook(clock())
	r := testRule(rule.AnyAlert, 5*time.Hour, false)
	for i := 0; i < MaxAlerts+1; i++ {
		in := b.Add(r, alert(i, time.Duration(i)*time.Second))
		if want := 1 + i/MaxAlerts; in.Number != want {
			t.Fatalf("alert %d in incident %d, want %d", i, in.Number, want)
		}
	}
}

func TestReopen(t *testing.T) {
	for _, reopen := range []bool{false, true} {
		b := NewBook(clock())
		r := testRule(rule.AnyAlert, 5*time.Hour, reopen)
		b.Add(r, alert(1, 0))
		if _, err := b.Close(1, "TruePositive", "SuspiciousActivity", "contained", "analyst"); err != nil {
			t.Fatal(err)
		}
		in := b.Add(r, alert(2, time.Hour))
		switch {
		case reopen && (in.Number != 1 || in.Status != Active || in.Classification != "" || len(in.AlertIDs) != 2):
			t.Errorf("reopen: %+v", in)
		case !reopen && (in.Number != 2 || in.Status != New):
			t.Errorf("no reopen: %+v", in)
		}
	}
}

func TestLifecycleVersionsAndRows(t *testing.T) {
	now := t0
	b := NewBook(func() time.Time { return now }) // a clock that does not move: versions still increase
	r := testRule(rule.Selected, time.Hour, false, "Host")
	b.Add(r, alert(1, 0, host("dc1")))
	if _, err := b.Assign(1, Owner{AssignedTo: "alice"}, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Comment(1, "looking", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Close(1, "Maybe", "", "", "alice"); err == nil {
		t.Error("unknown classification accepted")
	}
	if _, err := b.Close(1, "FalsePositive", "IncorrectAlertLogic", "", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Close(1, "FalsePositive", "", "", "alice"); err == nil {
		t.Error("closed twice")
	}
	if _, err := b.Reopen(2, "alice"); err == nil {
		t.Error("reopened a missing incident")
	}
	changed := b.Flush()
	if len(changed) != 1 || b.Flush() != nil {
		t.Fatalf("flush %v", changed)
	}
	in := changed[0]
	if in.Status != Closed || in.Owner.AssignedTo != "alice" || len(in.Comments) != 1 || !in.Version.Equal(t0.Add(3*time.Microsecond)) {
		t.Fatalf("incident %+v", in)
	}
	// Row → cells → Load gives the same state back.
	cat := schema.New()
	var row schema.Row
	Row(cat.SecurityIncident, in, &row)
	cells := make([]any, len(Columns))
	for _, c := range row.Cells {
		name := cat.SecurityIncident.Columns[c.Col].Name
		for i, n := range Columns {
			if n != name {
				continue
			}
			switch cat.SecurityIncident.Columns[c.Col].Type {
			case schema.DateTime:
				cells[i] = schema.TicksTime(c.I)
			case schema.Int:
				cells[i] = int32(c.I)
			default:
				cells[i] = c.S
			}
		}
	}
	older := append([]any(nil), cells...)
	older[0] = t0
	older[6] = New
	b2, err := Load([][]any{cells, older}, clock())
	if err != nil {
		t.Fatal(err)
	}
	got, ok := b2.Get(1)
	if !ok || got.Status != Closed || got.GroupKey != in.GroupKey || !got.GroupStart.Equal(in.GroupStart) || got.Comments[0].Message != "looking" || !b2.Grouped("a1") {
		t.Fatalf("loaded %+v", got)
	}
	if in := b2.Add(r, alert(9, time.Minute, host("dc9"))); in.Number != 2 {
		t.Errorf("next incident number %d, want 2", in.Number)
	}
}
