package sigma

import (
	"context"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/logfile"
)

// TestPrefilterAgrees runs all SigmaHQ Windows rules over the whole EVTX
// corpus twice, through Match (with the prefilter) and by evaluating every
// rule of the event's channel and event ID: the hits must be the same.
func TestPrefilterAgrees(t *testing.T) {
	rules, _, err := Load([]string{corpustest.Dir(t, "sigma-windows/rules")})
	if err != nil {
		t.Fatal(err)
	}
	rs := Compile(rules, Options{})
	files, err := logfile.Expand([]string{corpustest.Dir(t, "evtx")})
	if err != nil {
		t.Fatal(err)
	}
	d := rs.NewDoc()
	all := rs.NewDoc()
	all.exhaustive = true
	events, hits, evaluated := 0, 0, 0
	for _, f := range files {
		_, err := logfile.Read(context.Background(), f, logfile.Options{Workers: 1}, func(evs []*event.Event) []*event.Event { return evs },
			func(evs []*event.Event) error {
				for _, e := range evs {
					events++
					d.Reset(e)
					var got []*Compiled
					rs.Match(d, func(h Hit) { got = append(got, h.Rule) })
					var want []*Compiled
					all.Reset(e)
					if cr := rs.byChannel[e.System.Channel]; cr != nil {
						vs := cr.any
						if _, ok := cr.byID[e.System.EventID]; ok {
							vs = append(append([]*variant{}, cr.any...), cr.byID[e.System.EventID]...)
						}
						for _, v := range vs {
							evaluated++
							if v.cond.eval(all) {
								want = append(want, v.rule)
							}
						}
					}
					if len(got) != len(want) {
						t.Fatalf("%s record %d: prefilter gives %d hits, evaluating all %d", f, e.System.EventRecordID, len(got), len(want))
					}
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("%s record %d: hit %d is %q, want %q", f, e.System.EventRecordID, i, got[i].Rule.Title, want[i].Rule.Title)
						}
					}
					hits += len(got)
				}
				return nil
			})
		if err != nil {
			t.Logf("%s: %v", f, err)
		}
	}
	t.Logf("%d events, %d hits, %d rule evaluations without the prefilter", events, hits, evaluated)
	if hits == 0 {
		t.Fatal("no hits: the comparison proves nothing")
	}
}
