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
	duck := func(t *testing.T, cfg storetest.Config) store.Backend {
		st, err := duckdb.Open(t.TempDir(), duckdb.Options{Now: cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		return storeopen.DuckDB(st)
	}
	storetest.Compare(t, duck, Opener)
}
