package duckdb

import (
	"runtime"
	"time"
)

// Limits of the store. Each can be overridden through Options; a zero field
// there means the default below.
const (
	// DefaultMaxBatchEvents bounds one AppendEvents call. A batch is encoded
	// in memory before it is written in one transaction (about 2 KiB per
	// Security event), so this bounds that memory: 100k events ≈ 200 MiB.
	// A larger batch is refused whole with store.ErrLimit.
	DefaultMaxBatchEvents = 100_000

	// maxGroupEvents bounds the events of the batches the committer writes in
	// one transaction (group.go): a group's rows are in memory until the
	// commit, so this caps that memory beyond what the waiting batches hold
	// anyway. A batch larger than this is written alone.
	maxGroupEvents = 100_000

	// maxTemplates bounds the templates a workspace registers (each a few
	// hundred bytes of memory, loaded at open). Real Windows logs have a few
	// hundred event shapes; a sender inventing shapes beyond the bound makes
	// its rows carry their template inline instead (bigger, still correct).
	maxTemplates = 100_000

	// maxQueuedBatches bounds the encoded batches waiting for the committer;
	// more callers wait in AppendEvents (backpressure), their ctx honoured.
	maxQueuedBatches = 64

	// DefaultMaxCustomRecords bounds one AppendCustom call, for the same
	// reason (the Data Collector API caps a post at 30 MB anyway).
	DefaultMaxCustomRecords = 100_000

	// MaxWorkspaceIDBytes caps a workspace ID, which becomes a file name.
	MaxWorkspaceIDBytes = 64

	// MaxSenderBytes caps the sender name kept with each batch mark.
	MaxSenderBytes = 256

	// DefaultMaxResultRows bounds the rows one Query materialises (Log
	// Analytics' own default limit is 500,000 records). More rows set
	// Result.Truncated; the query is wrapped in a LIMIT so DuckDB does not
	// build more than that either.
	DefaultMaxResultRows = 500_000

	// DefaultMaxResultBytes bounds the approximate size of one result
	// (strings count their length, other cells 8 bytes); Log Analytics caps
	// a response at 64 MB. Reaching it sets Result.Truncated.
	DefaultMaxResultBytes = 64 << 20

	// DefaultMaxDedupKeys bounds the identity keys the dedup filters hold in
	// memory per workspace (dedup.go: 2-4 bytes a key, so 32M keys ≈ 64-128
	// MiB, whatever the events per day or the stored total). Beyond it whole
	// hours are evicted, least recently used first, and reloaded from the
	// database when a batch touches them again; an hour that alone exceeds
	// it is checked against the database key by key.
	DefaultMaxDedupKeys = 32 << 20

	// rangeConfirmMin is the number of keys of one hour and table a dedup
	// filter may have seen from which they are confirmed by one scan of
	// the keys in their time range rather than by an IN list of them
	// (dedup.go): a batch sent again after a restart is a hit for every
	// key.
	rangeConfirmMin = 256

	// DefaultMaxOpenWorkspaces bounds the DuckDB databases open at once
	// (each has its own buffer pool and threads). Opening one more fails
	// with store.ErrLimit.
	DefaultMaxOpenWorkspaces = 256

	// DefaultWriters is the number of parallel writers per workspace: DuckDB
	// appends from two transactions at once at nearly twice the rate of one
	// (doc.go); more than the cores gains nothing.
	DefaultWriters = 2

	// DefaultQueryConns is the number of connections per workspace that
	// queries share; more concurrent queries wait for one.
	DefaultQueryConns = 4

	// DefaultCheckpointThresholdBytes is the WAL size at which the store
	// checkpoints (maybeCheckpoint): folds the WAL into the database file.
	// The WAL is what opening the workspace replays after a crash (~1 s per
	// 100 MiB on the project's machine) and the rows not yet checkpointed
	// live in memory; a checkpoint costs about the same per event at 64 or
	// 256 MiB now that it no longer merges row groups (append.go).
	DefaultCheckpointThresholdBytes = 64 << 20

	// DefaultIdleCheckpointAfter is how long a workspace goes without a
	// commit before its WAL is checkpointed (idleCheckpoints).
	DefaultIdleCheckpointAfter = 5 * time.Second

	// duckdbCheckpointThreshold is DuckDB's own checkpoint_threshold: out of
	// reach, so that DuckDB never checkpoints inside a commit by itself
	// (maybeCheckpoint decides).
	duckdbCheckpointThreshold = 1 << 40

	// storageVersion is the storage format of a new database file; an
	// existing file keeps its own. v1.3.0 is the first with DICT_FSST for
	// text columns (doc.go says what it saves); files are then readable by
	// DuckDB 1.3 or later.
	storageVersion = "v1.3.0"

	// DefaultRetentionDays is the retention of a table with no explicit
	// retention (Log Analytics' default interactive retention is 90 days for
	// Sentinel workspaces).
	DefaultRetentionDays = 90

	// MaxRetentionDays caps a configured retention (Log Analytics allows up
	// to 12 years; beyond that a typo is more likely than intent).
	MaxRetentionDays = 4383
)

// hourMicros is one dedup bucket: identity keys are grouped by the UTC hour
// of their TimeCreated, the unit of loading and eviction.
const hourMicros = int64(time.Hour / time.Microsecond)

// DefaultThreads is DuckDB's threads per workspace database: half the
// cores the Go runtime uses (GOMAXPROCS, which follows a container's CPU
// limit), at least one. DuckDB's own default, a thread per core, costs
// ingest dearly on a small machine: the writers are DuckDB's client
// threads, and a client thread busy-waits (its pending query's task loop)
// while background threads run the tasks of its appends, commits and
// checkpoints. On the project's 2-core machine, one thread against two:
// BenchmarkAppendEvents 10.4-12.3 against 12.2-14.7 cpu-µs per event
// (three runs each, alternated); one agent → serve 13.7-14.4 against
// 16.1-17.3 serve CPU-s per million events, 88-93k against 82-87k events/s
// end to end; bench-scale at 10M events: the load 118k against 101k
// events/s; at 100M events, 105.7k (the last 10% at 106% of the first)
// against 87.0k (89.7%) in an earlier run with two. The price is that one
// query runs on these threads only: bench-scale's queries at 10M took
// 1.2-2 times as long on an idle machine (a GROUP BY IpAddress 219 against
// 125 ms, EventData has "S-1-5-18" 7.0 against 3.9 s). Ingest comes first:
// events an agent cannot deliver pile up in its spool.
var DefaultThreads = max(1, runtime.GOMAXPROCS(0)/2)
