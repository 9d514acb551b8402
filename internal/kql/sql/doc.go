// Package sql compiles a checked KQL plan (package kql) into one SQL
// statement for a store's engine, behind the Dialect interface: DuckDB now,
// ClickHouse later.
//
// Why a compiler and not an interpreter: the store's engine is columnar and
// vectorised; handing it one SQL statement lets it push filters into scans,
// prune columns and run aggregations and joins in parallel. The KQL
// semantics that differ from SQL are written into the generated SQL here,
// once: strings are never null (an absent string is ""), has matches whole
// terms, =~ and contains ignore case, == with one null side is false and !=
// is true, sort defaults to descending with nulls last, join defaults to
// innerunique, summarize keys merge "" with absent strings.
//
// What is promised:
//   - Compile returns one statement (a WITH ... SELECT) and the output
//     columns with KQL types, or an error that names the KQL construct it
//     cannot express. It never panics on a checked plan.
//   - Options.TimeStart/TimeEnd (the API timespan) restrict every read of a
//     table with a TimeGenerated column, written directly on the scan; ago()
//     and now() are folded to timestamp literals with Options.Now, so time
//     filters reach the engine as plain column comparisons.
//   - Options.Layout (layout.go), when the store gives one, changes how
//     the SQL reads tables, never what it returns: a source of just the
//     columns the statement names, and a cheap candidate test before a
//     string predicate over a column the store computes per row.
//   - The core writes only the relational skeleton; every engine-specific
//     text (identifiers, literals, functions, JSON, regex, date arithmetic)
//     comes from the Dialect, so a ClickHouse dialect needs no core change.
//
// Value representation in the DuckDB dialect: datetime is TIMESTAMP (UTC),
// timespan is BIGINT microseconds, dynamic is JSON (returned as JSON text),
// int/long BIGINT, real DOUBLE, guid VARCHAR. Callers format result values
// from the returned kql.ColumnInfo types.
package sql
