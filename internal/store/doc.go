// Package store holds the types every workspace store shares (the embedded
// DuckDB store in store/duckdb, a ClickHouse store later): what an append
// did, what a query returned. It declares no interface on purpose: each
// consumer (ingest, the query API) declares the two or three methods it
// calls, and a store returns these concrete types.
package store
