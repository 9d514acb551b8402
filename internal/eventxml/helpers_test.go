package eventxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

// readAll drains a Reader, returning the events and the errors in order.
// It stops at a fatal error. It fails the test when the reader returns more
// results than could be justified by the input (a loop).
func readAll(t testing.TB, in []byte, opts Options) ([]*event.Event, []error) {
	t.Helper()
	r := NewReader(bytes.NewReader(in), opts)
	var evs []*event.Event
	var errs []error
	for n := 0; ; n++ {
		if n > len(in)+10 {
			t.Fatalf("reader does not terminate on %d bytes of input", len(in))
		}
		ev, err := r.Next()
		if err == io.EOF {
			return evs, errs
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Next returned %T %v, want *Error", err, err)
			}
			errs = append(errs, err)
			if e.Fatal {
				if _, again := r.Next(); again != err {
					t.Fatalf("after fatal error %v, Next returned %v", err, again)
				}
				return evs, errs
			}
			continue
		}
		if ev == nil {
			t.Fatal("Next returned nil event and nil error")
		}
		evs = append(evs, ev)
	}
}

// mustReadAll is readAll for input that must have no errors.
func mustReadAll(t testing.TB, in []byte) []*event.Event {
	t.Helper()
	evs, errs := readAll(t, in, Options{})
	for _, err := range errs {
		t.Errorf("unexpected error: %v", err)
	}
	return evs
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventDiff describes the first differences between two events, "" if
// none. Times compare with Equal.
func eventDiff(got, want *event.Event) string {
	var d []string
	g, w := *got, *want
	if !g.System.TimeCreated.Equal(w.System.TimeCreated) {
		d = append(d, fmt.Sprintf("TimeCreated: got %s, want %s",
			g.System.TimeCreated.Format(time.RFC3339Nano), w.System.TimeCreated.Format(time.RFC3339Nano)))
	}
	g.System.TimeCreated, w.System.TimeCreated = time.Time{}, time.Time{}
	if g.System != w.System {
		d = append(d, fmt.Sprintf("System:\n got %+v\nwant %+v", g.System, w.System))
	}
	if g.Section != w.Section || g.UserDataName != w.UserDataName || g.UserDataNS != w.UserDataNS {
		d = append(d, fmt.Sprintf("section: got %v %q %q, want %v %q %q",
			g.Section, g.UserDataName, g.UserDataNS, w.Section, w.UserDataName, w.UserDataNS))
	}
	if len(g.Data) != len(w.Data) {
		d = append(d, fmt.Sprintf("got %d fields, want %d:\n got %q\nwant %q", len(g.Data), len(w.Data), g.Data, w.Data))
	} else {
		for i := range g.Data {
			if g.Data[i] != w.Data[i] {
				d = append(d, fmt.Sprintf("field %d: got %q, want %q", i, g.Data[i], w.Data[i]))
			}
		}
	}
	if g.Binary != w.Binary {
		d = append(d, fmt.Sprintf("Binary: got %q, want %q", g.Binary, w.Binary))
	}
	if !reflect.DeepEqual(g.Rendering, w.Rendering) {
		d = append(d, fmt.Sprintf("Rendering:\n got %+v\nwant %+v", g.Rendering, w.Rendering))
	}
	return strings.Join(d, "\n")
}

// normalizeCR applies XML's end-of-line normalization (which encoding/xml
// does and this package deliberately does not) to every string of an event.
func normalizeCR(ev *event.Event) *event.Event {
	n := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	c := *ev
	s := &c.System
	for _, p := range []*string{&s.Provider, &s.ProviderGUID, &s.EventSource, &s.ActivityID,
		&s.RelatedActivityID, &s.Channel, &s.Computer, &s.UserID, &c.UserDataName, &c.UserDataNS, &c.Binary} {
		*p = n(*p)
	}
	c.Data = nil
	for _, f := range ev.Data {
		c.Data = append(c.Data, event.Field{Name: n(f.Name), Value: n(f.Value)})
	}
	if ev.Rendering != nil {
		r := *ev.Rendering
		for _, p := range []*string{&r.Culture, &r.Message, &r.Level, &r.Task, &r.Opcode, &r.Channel, &r.Provider} {
			*p = n(*p)
		}
		r.Keywords = nil
		for _, k := range ev.Rendering.Keywords {
			r.Keywords = append(r.Keywords, n(k))
		}
		c.Rendering = &r
	}
	return &c
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}
