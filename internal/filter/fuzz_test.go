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
// events without panicking, with the same answers from the specialised
// matchers and from the general path walk.
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
		} else if q.fn != nil {
			// The specialised matchers must agree with the general walk.
			bang := strings.IndexByte(s, '!')
			general, _, err := compileXPathWith(&compiler{src: s, general: true}, bang+1)
			if err != nil {
				t.Fatalf("%q compiles, but not without fast paths: %v", s, err)
			}
			for _, i := range sample {
				e := &evs[i]
				a := q.fn(e, now.UnixNano(), node{kind: kRoot})
				if b := general(e, now.UnixNano(), node{kind: kRoot}); a != b {
					t.Fatalf("%q on event %d: fast %v, general %v", s, i, a, b)
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
