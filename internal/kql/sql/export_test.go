package sql

import (
	dbsql "database/sql"
	"testing"
)

// For the cross-engine benchmark (package sql_test, which may import the
// stores that import this package).

// BenchQueries are the names and KQL of the benchmark's queries.
func BenchQueries() (names, kqls []string) {
	for _, q := range benchQueries() {
		names, kqls = append(names, q.name), append(kqls, q.kql)
	}
	return names, kqls
}

// OpenBenchDB is the benchmark's DuckDB database and its row count.
func OpenBenchDB(b *testing.B) (*dbsql.DB, int) { return openBenchDB(b), benchDB.rows }

// BenchNow is the clock of the benchmark's queries.
var BenchNow = benchNow
