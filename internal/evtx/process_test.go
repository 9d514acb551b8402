package evtx

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"

	"wsec/internal/event"
)

// repeated returns the four fixture chunks repeated to n chunks.
func repeated(t *testing.T, n int) []byte {
	t.Helper()
	base, _ := fixtureChunks(t)
	out := bytes.Clone(base[:FileHeaderSize])
	for i := 0; i < n; i++ {
		k := i % 4
		out = append(out, base[FileHeaderSize+k*ChunkSize:FileHeaderSize+(k+1)*ChunkSize]...)
	}
	// The header keeps counting 4 chunks: the rest are found by position.
	return out
}

type chunkSeen struct {
	idx int
	ids []uint64
}

func readOrder(t *testing.T, b []byte, workers int) []chunkSeen {
	t.Helper()
	f, err := NewReader(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []chunkSeen
	_, err = Process(context.Background(), f, workers,
		func(idx int, evs []*event.Event, _ []Problem) chunkSeen {
			s := chunkSeen{idx: idx}
			for _, e := range evs {
				s.ids = append(s.ids, e.System.EventRecordID)
			}
			return s
		},
		func(s chunkSeen) error { out = append(out, s); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestProcessOrder(t *testing.T) {
	b := repeated(t, 37)
	one := readOrder(t, b, 1)
	if len(one) != 37 {
		t.Fatalf("%d chunks emitted, want 37", len(one))
	}
	for _, w := range []int{2, 3, 8} {
		many := readOrder(t, b, w)
		if len(many) != len(one) {
			t.Fatalf("workers %d: %d chunks", w, len(many))
		}
		for i := range one {
			if many[i].idx != i || !slices.Equal(many[i].ids, one[i].ids) {
				t.Fatalf("workers %d: chunk #%d is %d with %v, want %d with %v", w, i, many[i].idx, many[i].ids, i, one[i].ids)
			}
		}
	}
}

func TestProcessStops(t *testing.T) {
	b := repeated(t, 64)
	before := runtime.NumGoroutine()
	stop := errors.New("enough")
	for _, w := range []int{1, 4} {
		f, err := NewReader(bytes.NewReader(b), int64(len(b)), Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		emitted := 0
		_, err = Process(context.Background(), f, w,
			func(int, []*event.Event, []Problem) int { return 0 },
			func(int) error {
				emitted++
				if emitted == 5 {
					return stop
				}
				return nil
			})
		if !errors.Is(err, stop) || emitted != 5 {
			t.Errorf("workers %d: err %v after %d emits, want %v after 5", w, err, emitted, stop)
		}
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		_, err = f.Events(ctx, func(*event.Event) error {
			if n++; n == 10 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("workers %d: cancelled read returned %v", w, err)
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after: workers leaked", before, after)
	}
}

func TestProgress(t *testing.T) {
	b := repeated(t, 9)
	var seen []int64
	f, err := NewReader(bytes.NewReader(b), int64(len(b)), Options{Workers: 3, Progress: func(done, total int64) {
		if total != int64(len(b)) {
			t.Errorf("total %d, want %d", total, len(b))
		}
		seen = append(seen, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Events(context.Background(), func(*event.Event) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 9 || seen[len(seen)-1] != int64(len(b)) {
		t.Fatalf("progress %v, want 9 calls ending at %d", seen, len(b))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("progress not increasing: %v", seen)
		}
	}
}
