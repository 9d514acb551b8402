// Package store defines what a workspace store is: the Backend interface
// every storage engine implements (the embedded DuckDB store in
// store/duckdb, the ClickHouse cluster store in store/clickhouse), the
// guarantees each method states, and the types they share. The server's
// wiring (`wsec serve`) talks to a Backend only, so queries, rules, alerts
// and the UI stay the same whatever engine holds the rows.
//
// # Why an interface, and why this one
//
// Earlier the package declared no interface: each consumer declared the
// methods it called of the one store there was. With a second engine the
// contract has to be written down once, with what it promises, in the
// manner of Prometheus' storage/interface.go (Appendable, Queryable: small
// interfaces with stated semantics) and database/sql/driver (a required
// core, optional interfaces a driver may implement, a documented fallback
// when it does not). Backend and Workspace are the required core; Coordinator
// is optional. A caller discovers an optional capability with a type
// assertion and falls back as its comment says.
//
// # What every backend promises
//
//   - Open and Workspace: a workspace is created on first use; its ID is
//     1-64 letters, digits, '-' or '_' (ErrInvalidName otherwise). Every
//     method of a Workspace reads and writes that workspace only.
//   - AppendEvents is idempotent and deduplicating: after any sequence of
//     calls, retries and crashes, a query sees each event identity
//     (event.Key: channel, computer, record ID, time created, ...) at most
//     once, and every event of a batch that was acknowledged (returned nil)
//     at least once. The store does not need the (sender, seq) mark to be
//     exact: identity dedup alone makes a retried batch harmless; the mark
//     only reports AppendResult.Duplicate and saves work.
//   - An acknowledged append is visible to every later query of any node
//     using the same backend; it is durable as the engine makes it (DuckDB:
//     its WAL is fsynced at commit; ClickHouse: see store/clickhouse).
//   - AppendCustom stores records of a custom table (<Name>_CL), adding
//     columns as records bring new fields; AppendRows stores detection rows
//     (SecurityAlert, SecurityIncident) all or nothing; AppendHeartbeat one
//     Heartbeat row. Custom records and detection rows carry no identity:
//     a retried call may store them twice (callers that retry derive
//     deterministic IDs, as the analytics engine does).
//   - Retention: EnforceRetention deletes rows received longer ago than
//     their table's retention, by receive time, not TimeGenerated.
//   - Query runs one read-only SELECT written in the backend's Dialect (the
//     KQL compiler's output for that engine) and returns rows in the value
//     representation store.Result documents after Normalize; results are
//     bounded (Truncated says when rows were cut).
//   - Close waits for appends in progress; later calls fail with ErrClosed.
//
// The behaviour suite in store/storetest checks these promises, and that
// the same KQL gives the same answers, on every backend.
package store
