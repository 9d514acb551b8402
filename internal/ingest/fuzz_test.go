package ingest

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"wsec/internal/event"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzIngestBody seeds")

type denyAll struct{}

func (denyAll) Verify(*http.Request, int64, string) (string, error) {
	return "", fmt.Errorf("test: no auth")
}

func fuzzHandler(t testing.TB) *Handler {
	h, err := New(Options{Appender: newFakeStore(), Verifier: denyAll{}, Limits: Limits{
		MaxDecodedBytes: 1 << 20, MaxEventsPerBatch: 1000, MaxFieldsPerEvent: 64, MaxFieldBytes: 512,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// seed is one input of FuzzIngestBody: encoding, format, body.
type seed struct {
	name     string
	enc, fmt uint8
	body     []byte
	valid    bool
}

func fuzzSeeds(t testing.TB) []seed {
	evs := synthEvents(0, 3)
	b, j := batchBody(evs), ndjsonBody(evs)
	return []seed{
		{"batch", 0, 0, b, true},
		{"batch-gzip", 1, 0, gzipped(t, b), true},
		{"batch-zstd", 2, 0, zstded(t, b), true},
		{"ndjson", 0, 1, j, true},
		{"ndjson-zstd", 2, 1, zstded(t, j), true},
		{"empty", 0, 0, nil, true},
		{"torn-batch", 0, 0, b[:len(b)/2], false},
		{"frame-too-long", 0, 0, []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 1}, false},
		{"ndjson-garbage", 0, 1, []byte("{\"System\":{\"EventID\":\"x\"}}\n"), false},
	}
}

// TestFuzzSeeds keeps the seed corpus honest: valid seeds decode, broken
// ones are refused. With -update-seeds it rewrites the files.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzIngestBody")
	h := fuzzHandler(t)
	for _, s := range fuzzSeeds(t) {
		path := filepath.Join(dir, s.name)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			content := fmt.Sprintf("go test fuzz v1\nuint8(%d)\nuint8(%d)\n[]byte(%s)\n", s.enc, s.fmt, strconv.Quote(string(s.body)))
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("seed %s missing (run with -update-seeds): %v", s.name, err)
		}
		_, _, ref := decodeBody(h, s.enc, s.fmt, s.body)
		if (ref == nil) != s.valid {
			t.Errorf("seed %s: refusal %v, want valid=%v", s.name, ref, s.valid)
		}
	}
}

func decodeBody(h *Handler, enc, format uint8, body []byte) ([]*event.Event, int, *refusal) {
	raw, ref := h.decompress(context.Background(), body, encoding(enc%4))
	if ref != nil {
		return nil, 0, ref
	}
	return decodeEvents(raw, bodyFormat(format%2+1), h.limits)
}

// FuzzIngestBody: the native body decoder never panics, refuses with a
// complete refusal, and what it accepts respects the limits and survives
// a re-encode unchanged.
func FuzzIngestBody(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.enc, s.fmt, s.body)
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, enc, format uint8, body []byte) {
		evs, truncated, ref := decodeBody(h, enc, format, body)
		if ref != nil {
			if ref.status == 0 || ref.code == "" || ref.reason == "" || ref.msg == "" {
				t.Fatalf("incomplete refusal %+v", ref)
			}
			return
		}
		if len(evs) > h.limits.MaxEventsPerBatch {
			t.Fatalf("%d events accepted, limit %d", len(evs), h.limits.MaxEventsPerBatch)
		}
		for i, e := range evs {
			if len(e.Data) > h.limits.MaxFieldsPerEvent {
				t.Fatalf("event %d: %d fields accepted", i, len(e.Data))
			}
			for _, f := range e.Data {
				if len(f.Value) > h.limits.MaxFieldBytes || len(f.Name) > h.limits.MaxFieldBytes {
					t.Fatalf("event %d: field of %d bytes accepted", i, len(f.Value))
				}
			}
		}
		if truncated > 0 {
			return
		}
		again, _, ref := decodeEvents(batchBody(evs), formatBatch, h.limits)
		if ref != nil {
			t.Fatalf("re-encoded batch refused: %v", ref)
		}
		if len(evs) > 0 && !reflect.DeepEqual(again, evs) {
			t.Fatalf("re-encode changed the events")
		}
	})
}
