package clickhouse_test

import (
	"testing"

	"wsec/internal/store"
	"wsec/internal/store/duckdb"
	"wsec/internal/store/storeopen"
	"wsec/internal/store/storetest"
)

// TestSameAnswersAsDuckDB runs storetest.Queries over the same events on
// the embedded store and on the cluster: every answer must be equal.
func TestSameAnswersAsDuckDB(t *testing.T) {
	storetest.Compare(t, duckOpener, Opener)
}

// duckOpener opens an embedded store in a test directory.
func duckOpener(tb testing.TB, cfg storetest.Config) store.Backend {
	st, err := duckdb.Open(tb.TempDir(), duckdb.Options{Now: cfg.Now})
	if err != nil {
		tb.Fatal(err)
	}
	return storeopen.DuckDB(st)
}
