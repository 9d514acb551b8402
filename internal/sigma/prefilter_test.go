package sigma

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/logfile"
)

// matchAll is what Match is held to: every variant of every rule whose
// log source covers the event's channel and event ID, evaluated with no
// index by event ID, no prefilter and no literal shortcut. byChannel is
// each channel's variants in rule order; it returns the rules that match,
// by their index in rs.Rules.
func matchAll(byChannel map[string][]*variant, index map[*Compiled]int, d *Doc, e *event.Event) []int {
	d.exhaustive = true
	d.Reset(e)
	var out []int
	for _, v := range byChannel[e.System.Channel] {
		if ids := v.target.EventIDs; (len(ids) == 0 || slices.Contains(ids, e.System.EventID)) && v.cond.eval(d) {
			out = append(out, index[v.rule])
		}
	}
	return out
}

// agreement compares Match with matchAll event by event.
type agreement struct {
	rs          *Ruleset
	d, all      *Doc
	index       map[*Compiled]int
	byChannel   map[string][]*variant
	events      int
	hits        []int // per rule
	evaluations int   // variants Match would evaluate without the prefilter
}

func newAgreement(rs *Ruleset) *agreement {
	a := &agreement{rs: rs, d: rs.NewDoc(), all: rs.NewDoc(), index: map[*Compiled]int{}, byChannel: map[string][]*variant{}, hits: make([]int, len(rs.Rules))}
	for i, c := range rs.Rules {
		a.index[c] = i
		for _, v := range c.variants {
			a.byChannel[v.target.Channel] = append(a.byChannel[v.target.Channel], v)
		}
	}
	return a
}

func (a *agreement) check(t *testing.T, where string, e *event.Event) {
	t.Helper()
	a.events++
	a.d.Reset(e)
	var got []int
	a.rs.Match(a.d, func(h Hit) { got = append(got, a.index[h.Rule]) })
	slices.Sort(got)
	want := matchAll(a.byChannel, a.index, a.all, e)
	if !slices.Equal(got, want) {
		t.Fatalf("%s record %d (%s %d): Match gives rules %v, evaluating every rule %v", where, e.System.EventRecordID, e.System.Channel, e.System.EventID, got, want)
	}
	for _, i := range got {
		a.hits[i]++
	}
	if cr := a.rs.byChannel[e.System.Channel]; cr != nil {
		a.evaluations += len(cr.any) + len(cr.byID[e.System.EventID])
	}
}

func (a *agreement) file(t *testing.T, path string) {
	t.Helper()
	_, err := logfile.Read(context.Background(), path, logfile.Options{Workers: 1}, func(evs []*event.Event) []*event.Event { return evs },
		func(evs []*event.Event) error {
			for _, e := range evs {
				a.check(t, path, e)
			}
			return nil
		})
	if err != nil {
		t.Logf("%s: %v", path, err)
	}
}

// TestMatchAgreesFixtures holds Match (index by channel and event ID,
// literal prefilter, regular-expression literals) to evaluating every
// rule on every event, over rules that each take a different path through
// them (testdata/dispatch.yml), the sample EVTX files and events made to
// hit the case-folding corners. Every rule must both match and miss (but
// the contradiction, which can match nothing), or the comparison proves
// little.
func TestMatchAgreesFixtures(t *testing.T) {
	rules, problems, err := Load([]string{"testdata/dispatch.yml"})
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	rs := Compile(rules, Options{})
	if len(rs.Problems) > 0 {
		t.Fatalf("fixture rules do not compile: %v", rs.Problems)
	}
	a := newAgreement(rs)
	samples, err := filepath.Glob("../../cmd/wsec/samples/*.evtx")
	if err != nil || len(samples) == 0 {
		t.Fatalf("no sample EVTX files in cmd/wsec/samples: %v", err)
	}
	for _, f := range samples {
		a.file(t, f)
	}
	proc := func(cmd string) *event.Event {
		return &event.Event{System: event.System{Channel: "Security", EventID: 4688, Provider: "Microsoft-Windows-Security-Auditing"},
			Data: []event.Field{{Name: "NewProcessName", Value: `C:\Windows\System32\cmd.exe`}, {Name: "CommandLine", Value: cmd}}}
	}
	for _, cmd := range []string{
		"\\??\\C:\\Windows\\system32\\conho\u017ft.exe 0xffffffff", // (?i)s matches the long s, which lowering keeps
		"powershell Invo\u212ae-Mimikatz",                          // the Kelvin sign lowers to k
		"powershell invoke-mimikatz",
		"WHOAMI",
		"cmd /c whoami & hostname",
	} {
		a.check(t, "made", proc(cmd))
	}
	for i, c := range rs.Rules {
		never := strings.HasPrefix(c.Rule.Title, "contradiction")
		if a.hits[i] == 0 && !never || a.hits[i] == a.events {
			t.Errorf("rule %q matches %d of %d events: it must match some and miss some", c.Rule.Title, a.hits[i], a.events)
		}
	}
}

// TestMatchAgreesCorpus is TestMatchAgreesFixtures with all SigmaHQ
// Windows rules over the whole EVTX corpus.
func TestMatchAgreesCorpus(t *testing.T) {
	rules, _, err := Load([]string{corpustest.Dir(t, "sigma-windows/rules")})
	if err != nil {
		t.Fatal(err)
	}
	rs := Compile(rules, Options{})
	files, err := logfile.Expand([]string{corpustest.Dir(t, "evtx")})
	if err != nil {
		t.Fatal(err)
	}
	a := newAgreement(rs)
	for _, f := range files {
		a.file(t, f)
	}
	hits := 0
	for _, n := range a.hits {
		hits += n
	}
	t.Logf("%d events, %d hits, %d rule evaluations without the prefilter", a.events, hits, a.evaluations)
	if hits == 0 {
		t.Fatal("no hits: the comparison proves nothing")
	}
}
