package filter

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzXPathFilter compiles arbitrary text as a DCR query (and as a
// QueryList when it looks like XML). It must never panic, errors must carry
// a column inside the text, and a query that compiles must match real
// events without panicking, the same way twice.
func FuzzXPathFilter(f *testing.F) {
	evs := allFixtureEvents(f)
	// A spread of the fixtures: EventData, UserData, AppLocker, both 4688s.
	var sample []int
	for i := 0; i < len(evs); i += 37 {
		sample = append(sample, i)
	}
	sample = append(sample, len(evs)-1, len(evs)-4)
	for _, s := range []string{
		`Security!*[System[(EventID=4624 or EventID=4625)]]`,
		`Microsoft-Windows-AppLocker/EXE and DLL!*[System[(Level=2 or Level=3)]]`,
	} {
		f.Add(s)
	}
	now := time.Date(2019, 2, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		opts := Options{Now: func() time.Time { return now }}
		q, err := CompileQuery(s, opts)
		if err != nil {
			var xe *Error
			if !errors.As(err, &xe) {
				t.Fatalf("CompileQuery(%q) error %T %v, want *Error", s, err, err)
			}
			if xe.Column < 1 || xe.Column > utf8.RuneCountInString(s)+1 {
				t.Fatalf("CompileQuery(%q): column %d outside the text", s, xe.Column)
			}
		} else {
			for _, i := range sample {
				e := &evs[i]
				a, b := q.Match(e, now), q.Match(e, now)
				if a != b {
					t.Fatalf("%q on event %d: %v then %v", s, i, a, b)
				}
			}
		}
		if strings.HasPrefix(strings.TrimSpace(s), "<") {
			r, err := Compile(Policy{Set: SetMinimal, Queries: []string{s}}, opts)
			if err == nil {
				for _, i := range sample {
					r.Keep(&evs[i])
				}
				_ = r.Channels()
			}
		}
	})
}
