// Package bulk appends rows to DuckDB tables from typed Go columns, through
// DuckDB's C API on a connection of its own to a database that
// github.com/duckdb/duckdb-go opened.
//
// # Why not duckdb-go's Appender
//
// The store ingests 10^5 events a second on two cores, and per event it
// appends about twenty cells, fourteen of them text. duckdb-go's Appender
// takes a row of driver.Value: every cell is boxed (an allocation for each
// string and timestamp), type-switched, and each text crosses into C on its
// own call, where DuckDB checks its UTF-8 again and copies it into the
// vector's string heap before the appender copies it once more. Measured on
// the store's workload this was about a fifth of the CPU of an append.
//
// Here a Column holds a table column's values in Go memory (numbers in one
// slice, texts concatenated in one byte slice), and an Appender writes them
// straight into the vectors of a DuckDB data chunk: numbers as values,
// texts as DuckDB string_t records (short ones inline, longer ones pointing
// into the pinned Go buffer), one C call per 2,048 rows. DuckDB copies the
// texts when the chunk is appended. The price is that the caller promises
// valid UTF-8 (DuckDB does not check it on this path).
//
// # Sharing the database
//
// Attach joins the DuckDB instance duckdb-go opened for a file (through
// duckdb-go's instance cache), so a bulk connection sees the same catalog
// and transactions as database/sql connections, and the file is opened
// once.
package bulk
