// Package clickhouse is the workspace store on a ClickHouse cluster: the
// same logical tables as the embedded store (SecurityEvent, WindowsEvent,
// Heartbeat, SecurityAlert, SecurityIncident, <Name>_CL), so the same KQL,
// rules and UI run when one machine is not enough. It speaks ClickHouse's
// HTTP interface (no driver: clickhouse-go/v2 needs ClickHouse 19.x or
// later for its native protocol revision, and the HTTP interface is the
// one ClickHouse keeps stable across versions), with SQL that ClickHouse
// 18.16 (Debian's clickhouse-server) and current releases both accept.
//
// # Layout
//
// Each workspace is a database, <db>_<workspace>. Each logical table T is
//
//   - T_local on every shard: a MergeTree table partitioned by UTC day of
//     TimeGenerated and ordered by (TimeGenerated, _Key0, _Key1), so the
//     time range every query carries (the API timespan, ago() windows)
//     reads only the parts and granules of its days; event tables are
//     ReplacingMergeTree over that order, see below;
//   - T_all: a Distributed table over the shards of the cluster named in
//     the URL (remote_servers), sharded by _Key0;
//   - T: a view over T_all (FINAL for event tables), the name queries use.
//
// Datetimes and timespans are stored as Int64 microseconds (18.16 has no
// DateTime64), bools as UInt8, dynamic values as JSON text: the ClickHouse
// KQL dialect (kql/sql.ClickHouse) compiles to that representation and
// store.Normalize turns results back into the Result types.
//
// # Exactly-once without multi-table transactions
//
// ClickHouse has no transaction spanning the rows of a batch and a
// (sender, seq) mark, and its insert deduplication needs Replicated tables
// (ZooKeeper) before 20.x. So the store does not rely on either; it makes
// the rows themselves idempotent:
//
//  1. Deterministic identity: each event's key is the 128-bit xxh3 hash of
//     its identity (Computer, Channel, EventRecordID, TimeCreated), the same
//     identity the embedded store deduplicates by; _Key0 picks the shard.
//     A retried batch produces byte-identical key columns and lands on the
//     same shard, in the same day partition.
//  2. Dedup before insert: keys already stored are looked up and skipped,
//     which makes AppendResult's Stored/Duplicates counts right in the
//     common case and keeps re-sent batches from costing disk.
//  3. ReplacingMergeTree + query-time FINAL: two copies of one identity
//     (two ingest nodes racing with the same events, or a retry after a
//     crash between a shard's insert and the acknowledgement) share the
//     sorting key, so background merges collapse them and queries, which
//     read the views (FROM T_all FINAL), never see both.
//  4. The (sender, seq) mark is written to wsec_batches after every shard
//     acknowledged its rows; it only reports Duplicate for a batch sent
//     again and saves the lookups. Losing it loses nothing.
//
// What holds when something dies mid-insert:
//
//   - An ingest node (wsec serve) dies: each shard's INSERT is atomic (one
//     part, renamed into place when complete), so a shard has all of the
//     batch's rows for it or none. The agent got no acknowledgement and
//     sends the batch again (to any node): the rows already written are
//     found by step 2 or collapsed by step 3. Result: every event once.
//   - A ClickHouse server dies: an INSERT in flight to it fails or its
//     part was never renamed (removed at restart); AppendEvents returns an
//     error, nothing is acknowledged, the agent retries until the server is
//     back. Queries fail with an error naming the shard while it is down
//     (no partial answers: skip_unavailable_shards stays off).
//   - Durability of an acknowledged batch is ClickHouse's: parts are
//     written through the page cache and 18.16 does not fsync them, so a
//     batch survives a server process crash (kill -9) but not a power loss
//     of that server within seconds of the insert. Use replicas
//     (Replicated tables on a ZooKeeper) for that; this package creates
//     plain MergeTree tables.
//   - Counts: under concurrency two nodes may both count one event as
//     Stored; the set of stored events is exact, the counts are advisory.
//
// Custom tables and detection rows have no identity (as in the embedded
// store): a retried AppendCustom may store its records twice.
//
// # Leases (store.Coordinator)
//
// Several wsec serve nodes on one cluster must run each analytics rule
// window once. ClickHouse 18.16 has no transactions, no conditional
// update and (without ZooKeeper) no consensus across servers, so the lease
// lives on one server, the first shard's, and is built from the one
// atomic decision a single server makes: CREATE TABLE of a table that
// exists fails. Term k of lease L is the table <Database>.wsec_lease_<hash
// of L>_<k>; the node whose CREATE succeeded holds term k. The holder
// renews by inserting a row (its name, the server's now()) into its term's
// table. Another node reads the highest term and its age on the server's
// clock (since its last row, or its creation): past the TTL it creates
// term k+1, and whichever node's CREATE wins holds the lease. Marks (rule
// cursors) are rows of <Database>.wsec_marks, a ReplacingMergeTree keeping a
// key's greatest mark; readers take max(Mark), so a mark never moves back.
//
// One holder at a time: a holder counts its lease valid until the moment
// it sent the renewal plus TTL less a margin (TTL/4), by its own clock,
// and a renewal (or creation) counts only if its round trip took less
// than the margin, so its row landed before the server's clock could show
// the lease expired; after each renewal the holder checks that no higher
// term exists. The server's clock counts whole seconds, so a term is taken
// over only at an age of more than ceil(TTL) seconds. This holds while the
// nodes' clocks run at about the same rate (not the same time: only the
// server's clock and each node's elapsed time are compared) and no node
// stalls longer than the margin between checking its lease and writing
// (the classic limit of leases without fencing tokens, which ClickHouse
// cannot check on insert). TestLeaseOneHolder races three nodes.
//
// When the first shard's server is down, no lease can be taken or renewed:
// analytics pause on every node (no window skipped or run twice) until it
// is back.
//
// # Measured
//
// On one 2-core machine shared with other work (load 10-30), the cluster's
// two servers on the same cores, in one run beside the embedded store:
// BenchmarkIngest (4 senders, one node) 8.5k events/s (median of 3) against
// DuckDB's 61k; per event 23 µs of the node's CPU and 49 µs of the
// servers' against DuckDB's 16 µs; 200 bytes on disk per event as ingested
// (unmerged parts) against 129. kql/sql's BenchmarkSentinelEngines, 5M rows
// (medians of 3), the ten Sentinel queries through Workspace.Query: 3.7x to
// 40x DuckDB's time (0.8-5.6 s against 0.02-1.5 s), the same answers; two
// shards on the same two cores are no faster than one (0.70x to 1.55x of
// its time). At 50M rows (one run each, load 1-7): DuckDB 0.08-8.0 s,
// one shard 6.7-34.8 s (4.4x to 93x), two shards 4.1-23.3 s (0.50x to
// 0.75x of one shard); the CSV bulk load took 63k rows/s into one shard
// and 45k into two (plus 4 minutes of merging); 63.4 bytes per row merged
// against DuckDB's 25.8. Queries that aggregate many groups
// (outcome_windows: 10-minute bins by account, address and host) need
// the profile's max_bytes_before_external_group_by, which
// scripts/clickhouse-cluster.sh sets, to stay under the per-query memory
// limit. So on one machine the embedded store is the better engine; the
// cluster is for when the rows outgrow it.
//
// # Retention
//
// EnforceRetention deletes rows received (_TimeReceived) before their
// table's retention with ALTER TABLE ... DELETE on every shard (a
// mutation, asynchronous in ClickHouse: rows disappear within the merge
// that rewrites their parts).
package clickhouse
