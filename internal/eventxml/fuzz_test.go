package eventxml

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"wsec/internal/event"
)

// smallLimits makes the fuzzer's small inputs reach every limit.
func smallLimits() Options {
	return Options{MaxValueBytes: 64, MaxEventBytes: 512, MaxDepth: 8, MaxFields: 16, MaxAttrs: 4, MaxNameBytes: 16}
}

// result is what a whole read produced, for comparing two reads.
type result struct {
	evs  []*event.Event
	errs []*Error
}

func readResult(t *testing.T, r io.Reader, opts Options, limit int) result {
	t.Helper()
	rd := NewReader(r, opts)
	var res result
	for n := 0; ; n++ {
		if n > limit {
			t.Fatalf("reader returned more than %d results", limit)
		}
		ev, err := rd.Next()
		if err == io.EOF {
			return res
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Next returned %T %v, want *Error", err, err)
			}
			res.errs = append(res.errs, e)
			if e.Fatal {
				return res
			}
			continue
		}
		res.evs = append(res.evs, ev)
	}
}

// FuzzEventXML checks, on any input:
//   - no panic, and the reader terminates (at most one result per input
//     byte, plus one);
//   - reading through 1..7-byte reads (a pipe) gives the same events and
//     the same errors at the same offsets as reading all at once, which
//     holds the resumable framer to its promise;
//   - with small limits the same holds and nothing panics;
//   - when encoding/xml (stdParse) and the reader both accept the input,
//     they read the same events (up to line-end normalisation);
//   - ParseEvent agrees with the reader on one-event inputs.
func FuzzEventXML(f *testing.F) {
	f.Add([]byte(ev(1, `<Data Name="A">a &amp; b</Data><Data>x</Data><Binary>00</Binary>`)))
	f.Add([]byte(`<Events>` + ev(1, "") + `<!-- c -->` + ev(2, "") + `</Events>`))
	f.Add([]byte(`<Event><System><EventID Qualifiers="16384">7045</EventID></System><UserData><W xmlns="u"><A b="1"/><P><Q>t</Q></P></W></UserData></Event>`))
	f.Add([]byte(`<Event><System/><RenderingInfo Culture="en"><Message>m&#13;&#10;</Message><Keywords><Keyword>k</Keyword></Keywords></RenderingInfo></Event>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		limit := len(in) + 1
		whole := readResult(t, bytes.NewReader(in), Options{}, limit)
		chunked := readResult(t, &chunkReader{b: in, n: 1 + len(in)%7}, Options{}, limit)
		sameResults(t, "chunked read", whole, chunked)

		small := readResult(t, bytes.NewReader(in), smallLimits(), limit)
		smallChunked := readResult(t, &chunkReader{b: in, n: 1 + len(in)%5}, smallLimits(), limit)
		sameResults(t, "chunked read with small limits", small, smallChunked)

		if std, err := stdParse(in); err == nil && !bytes.Contains(in, []byte("\r")) {
			// Where encoding/xml accepts the input, we may refuse only what
			// we refuse on purpose.
			for _, e := range whole.errs {
				if !deliberatelyStricter(e) {
					t.Fatalf("encoding/xml accepts the input, we refuse it: %v", e)
				}
			}
			if len(whole.errs) == 0 {
				if len(std) != len(whole.evs) {
					t.Fatalf("encoding/xml read %d events, we read %d", len(std), len(whole.evs))
				}
				for i := range std {
					if d := eventDiff(normalizeCR(whole.evs[i]), normalizeCR(std[i])); d != "" {
						t.Fatalf("event %d differs from encoding/xml:\n%s", i+1, d)
					}
				}
			}
		}

		ev, err := ParseEvent(in)
		if len(whole.errs) == 0 && len(whole.evs) == 1 {
			if err != nil {
				t.Fatalf("ParseEvent: %v; the reader read one event", err)
			}
			if d := eventDiff(ev, whole.evs[0]); d != "" {
				t.Fatalf("ParseEvent differs from the reader:\n%s", d)
			}
		} else if err == nil {
			t.Fatalf("ParseEvent accepted what the reader read as %d events and %d errors", len(whole.evs), len(whole.errs))
		}
	})
}

// deliberatelyStricter reports whether an error is one this package raises
// on purpose where encoding/xml (as stdParse uses it) does not: DTDs and
// markup declarations, limits, anything between events (stdParse skips
// stray text there), an <Event> inside an <Event> (taken for truncation),
// and duplicate or unseparated attributes (which XML forbids and
// encoding/xml lets pass).
func deliberatelyStricter(e *Error) bool {
	msg := e.Error()
	return errors.Is(e, ErrDTD) || errors.Is(e, ErrLimit) || e.Event == 0 ||
		strings.Contains(msg, "a new <Event> starts") || strings.Contains(msg, "duplicate attribute") || strings.Contains(msg, "missing space before attribute")
}

// sameResults compares two reads of the same input: the same events, and
// errors of the same kind at the same place.
func sameResults(t *testing.T, what string, a, b result) {
	t.Helper()
	if len(a.evs) != len(b.evs) || len(a.errs) != len(b.errs) {
		t.Fatalf("%s: %d events %d errors (%v), want %d events %d errors (%v)",
			what, len(b.evs), len(b.errs), b.errs, len(a.evs), len(a.errs), a.errs)
	}
	for i := range a.evs {
		if d := eventDiff(b.evs[i], a.evs[i]); d != "" {
			t.Fatalf("%s: event %d differs:\n%s", what, i+1, d)
		}
	}
	for i := range a.errs {
		x, y := a.errs[i], b.errs[i]
		if x.Event != y.Event || x.Offset != y.Offset || x.Fatal != y.Fatal ||
			errors.Is(x, ErrSyntax) != errors.Is(y, ErrSyntax) || errors.Is(x, ErrLimit) != errors.Is(y, ErrLimit) ||
			errors.Is(x, ErrDTD) != errors.Is(y, ErrDTD) {
			t.Fatalf("%s: error %d is %v, want %v", what, i+1, y, x)
		}
	}
}
