package sql

// MaxSQLBytes caps the generated statement. Inlined lets and functions can
// multiply a query's size; 4 MiB is far above any real rule (the largest
// Sentinel rule compiles to under 64 KiB) and well below what DuckDB
// parses comfortably.
const MaxSQLBytes = 4 << 20
