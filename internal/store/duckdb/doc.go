// Package duckdb is the workspace's embedded analytics store: one DuckDB
// database file per workspace, holding the logical tables queries name
// (SecurityEvent, WindowsEvent, Heartbeat, <Name>_CL) and what makes
// ingestion exactly-once (batch marks, event identity hashes).
//
// # Why DuckDB, and why this layout
//
// DuckDB is embedded (no server to run beside `wsec serve`), columnar and
// vectorised: a GROUP BY over millions of events takes milliseconds, which is
// what detection rules and hunting queries need. Its cost is on the write
// side, and measurement decided the physical layout (FORMAT.md):
//
//   - DuckDB's append cost grows with every physical column, null or not
//     (≈0.2-0.3 µs per cell measured here), and with every byte of text
//     (about 5-10 ns per byte across append, WAL, checkpoint compression).
//     A table of all 226 logical SecurityEvent columns appends at ~41k
//     rows/s (dependencies.md); so SecurityEvent is a view over a physical
//     table of 25 "hot" columns: the System fields, the columns the mapper
//     derives (Activity, Account, ...) and the payload fields detection
//     content filters on most (counted in the corpus' Sentinel and Sigma
//     rules).
//   - Every other payload column is read from the EventData text, which is
//     a logical column and stored anyway: the view takes the first
//     <Data Name="X"> element, undoing schema.EventDataXML's escaping. The
//     encoder checks, per row and field, that this extraction reproduces
//     the mapper's value exactly (mirror, encode.go); when it cannot be sure
//     (control characters, a repeated field name, an int that is not plain
//     decimal, a derived value) the value goes to the _Rest JSON column,
//     which the view consults first. So the view equals the mapper's row for
//     every column by construction, and TestColumnsMatchMapper checks it on
//     real events. Storing the cold values a second time (a JSON of all
//     fields) cost ~500 bytes per event: about a third of the append time.
//   - DuckDB's default checkpoint threshold (16 MiB of WAL) checkpoints every
//     few thousand events and recompresses the row group being filled each
//     time; 256 MiB halves the append cost (limits.go).
//   - Projections push through the view: a query that does not name a cold
//     column never evaluates its extraction (DuckDB prunes unused view
//     columns; TestViewProjectionPushdown checks the plan).
//
// # What is promised
//
// AppendEvents (append_events.go) is atomic per batch (rows and the
// (sender, seq) mark commit together), idempotent per (sender, seq),
// deduplicating by event identity across all senders and batches for events
// of any age, and durable when it returns: DuckDB fsyncs its WAL at every
// commit, and the store fsyncs the directory once per new WAL file, which
// DuckDB does not. TestDurabilityKill9 kills a child process with SIGKILL
// right after acknowledgements and finds every acknowledged batch. After a
// crash, opening the workspace replays DuckDB's WAL: nothing else to repair.
//
// Dedup keeps the 128-bit hash of each event's identity in a _Key0/_Key1
// column pair and, in memory, per UTC day of TimeCreated: a day is loaded
// whole on first use, so the check is exact for old events too (importing
// the same EVTX file twice stores nothing new), and memory is bounded by
// evicting whole days (Options.MaxDedupKeys).
//
// Queries (query.go) are single SELECT statements over the logical names;
// the database runs with external access disabled, so a query reads this
// workspace's file and nothing else, and results are bounded in rows and
// bytes. Appends are serialised on one writer connection (DuckDB allows one
// writer); queries run on a pool and see every committed batch.
//
// Retention (retention.go) deletes rows received (_TimeReceived) longer ago
// than their table's retention — not by TimeGenerated, so logs of an old
// incident imported today stay — and resets the dedup index, so an event
// deleted by retention is stored again if sent again.
//
// # Measured
//
// See the Performance section at the end of this comment.
package duckdb
