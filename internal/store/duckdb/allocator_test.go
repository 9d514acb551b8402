package duckdb

import (
	"errors"
	"testing"
)

// TestAllocatorDecay: a store, once open, has set allocatorDecayMs on
// DuckDB's jemalloc: on the arena its appends use and as the default for
// arenas made later.
func TestAllocatorDecay(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	appendOK(t, mustWorkspace(t, s, "ws"), "x", 1, securityEvents(t))
	for _, name := range []string{"arenas.dirty_decay_ms", "arenas.muzzy_decay_ms", "arena.0.dirty_decay_ms", "arena.0.muzzy_decay_ms"} {
		got, err := allocatorDecay(name)
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skip("DuckDB allocates without jemalloc on this platform")
		}
		if err != nil {
			t.Fatal(err)
		}
		if got != allocatorDecayMs {
			t.Errorf("%s = %d ms, want %d", name, got, allocatorDecayMs)
		}
	}
}
