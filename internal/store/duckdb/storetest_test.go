package duckdb_test

import (
	"testing"

	"wsec/internal/store"
	"wsec/internal/store/duckdb"
	"wsec/internal/store/storeopen"
	"wsec/internal/store/storetest"
)

// TestBackendSuite runs the behaviour suite every store backend passes.
func TestBackendSuite(t *testing.T) {
	storetest.Run(t, Opener)
}

// Opener opens an embedded store in a test directory.
func Opener(t testing.TB, cfg storetest.Config) store.Backend {
	st, err := duckdb.Open(t.TempDir(), duckdb.Options{Now: cfg.Now, DefaultRetentionDays: cfg.RetentionDays})
	if err != nil {
		t.Fatal(err)
	}
	return storeopen.DuckDB(st)
}
