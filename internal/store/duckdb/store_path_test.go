package duckdb

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"wsec/internal/store"
)

// A data directory DuckDB's driver cannot open is refused at Open with
// ErrInvalidName; one with a '%' it can open keeps its database there.
func TestStorePathCharacters(t *testing.T) {
	for _, name := range []string{"a?b", "a#b", "50%off", "bad%zz"} {
		if _, err := Open(filepath.Join(t.TempDir(), name), Options{}); !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("Open(.../%s): %v, want ErrInvalidName", name, err)
		}
	}
	dir := filepath.Join(t.TempDir(), "100%41 sure")
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w, err := st.Workspace("ws")
	if err != nil {
		t.Fatal(err)
	}
	evs := securityEvents(t)[:10]
	if res := appendOK(t, w, "s", 1, evs); res.Stored != len(evs) {
		t.Errorf("stored %d of %d", res.Stored, len(evs))
	}
	if _, err := os.Stat(filepath.Join(dir, "ws.duckdb")); err != nil {
		t.Errorf("the database is not in the directory named: %v", err)
	}
}
