package duckdb

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/diskspace"
)

// Options configure a Store. The zero value works: every zero field means
// the default named in its comment.
type Options struct {
	// Logger receives the store's logs. nil: logs are discarded.
	Logger *slog.Logger
	// Registerer receives the store's metrics. nil: no metrics.
	Registerer prometheus.Registerer
	// Now is the clock for receive times and retention. nil: time.Now.
	Now func() time.Time

	// MaxBatchEvents bounds one AppendEvents call. 0: DefaultMaxBatchEvents.
	MaxBatchEvents int
	// MaxCustomRecords bounds one AppendCustom call. 0: DefaultMaxCustomRecords.
	MaxCustomRecords int
	// MaxResultRows bounds one query's rows. 0: DefaultMaxResultRows.
	MaxResultRows int
	// MaxResultBytes bounds one query's approximate size. 0: DefaultMaxResultBytes.
	MaxResultBytes int64
	// MaxDedupKeys bounds the identity keys the dedup filters hold in
	// memory per workspace (2-4 bytes each).
	// 0: DefaultMaxDedupKeys.
	MaxDedupKeys int
	// MaxOpenWorkspaces bounds the databases open at once.
	// 0: DefaultMaxOpenWorkspaces.
	MaxOpenWorkspaces int
	// Writers is the number of goroutines (each with a DuckDB connection)
	// that write AppendEvents batches of a workspace in parallel.
	// 0: DefaultWriters.
	Writers int
	// QueryConns is the number of connections per workspace for queries.
	// 0: DefaultQueryConns.
	QueryConns int
	// CheckpointThresholdBytes is the WAL size at which the store
	// checkpoints. 0: DefaultCheckpointThresholdBytes.
	CheckpointThresholdBytes int64
	// IdleCheckpointAfter: a workspace where nothing has committed for
	// this long is checkpointed (its WAL folded into the database file),
	// so that a restart after ingest paused replays nothing. 0:
	// DefaultIdleCheckpointAfter; < 0: never.
	IdleCheckpointAfter time.Duration
	// MemoryLimitBytes is DuckDB's memory_limit per workspace database.
	// 0: DuckDB's default (80% of RAM).
	MemoryLimitBytes int64
	// Threads is DuckDB's threads per workspace database, which one
	// query may use. 0: DefaultThreads.
	Threads int

	// MinFreeDiskBytes pauses ingestion (AppendEvents, AppendCustom and
	// AppendHeartbeat fail with store.ErrLowDiskSpace) while the disk
	// holding the store has less free space (diskguard.go). 0: no minimum.
	MinFreeDiskBytes int64
	// FreeSpace measures that free space. nil: diskspace.Free.
	FreeSpace diskspace.Func

	// GeoInfo answers wsec_geo_info(ip) in workspace ws, what KQL's
	// geo_info_from_ip_address() reads: a JSON object, or false for null
	// (geoip.Settings.GeoInfoJSON: each workspace may have its own
	// databases). Called concurrently. nil: always null.
	GeoInfo func(ws, ip string) (string, bool)

	// RetentionDays maps a table name (SecurityEvent, Foo_CL, ...) to its
	// retention in days. Tables not listed keep DefaultRetentionDays; a
	// value ≤ 0 keeps that table forever.
	RetentionDays map[string]int
	// DefaultRetentionDays is the retention of tables not in RetentionDays.
	// 0: DefaultRetentionDays; < 0: forever.
	DefaultRetentionDays int
	// WorkspaceRetention, when set, gives a workspace's own retention per
	// table in days (the Settings page's), asked on every retention pass;
	// a table it does not name keeps RetentionDays or the default.
	WorkspaceRetention func(workspace string) map[string]int
}

// DefaultOptions returns Options with every default spelled out.
func DefaultOptions() Options {
	return Options{
		MaxBatchEvents:           DefaultMaxBatchEvents,
		MaxCustomRecords:         DefaultMaxCustomRecords,
		MaxResultRows:            DefaultMaxResultRows,
		MaxResultBytes:           DefaultMaxResultBytes,
		MaxDedupKeys:             DefaultMaxDedupKeys,
		MaxOpenWorkspaces:        DefaultMaxOpenWorkspaces,
		QueryConns:               DefaultQueryConns,
		Writers:                  DefaultWriters,
		Threads:                  DefaultThreads,
		CheckpointThresholdBytes: DefaultCheckpointThresholdBytes,
		IdleCheckpointAfter:      DefaultIdleCheckpointAfter,
		DefaultRetentionDays:     DefaultRetentionDays,
	}
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FreeSpace == nil {
		o.FreeSpace = diskspace.Free
	}
	setInt := func(p *int, def int) {
		if *p <= 0 {
			*p = def
		}
	}
	setInt(&o.MaxBatchEvents, d.MaxBatchEvents)
	setInt(&o.MaxCustomRecords, d.MaxCustomRecords)
	setInt(&o.MaxResultRows, d.MaxResultRows)
	setInt(&o.MaxDedupKeys, d.MaxDedupKeys)
	setInt(&o.MaxOpenWorkspaces, d.MaxOpenWorkspaces)
	setInt(&o.QueryConns, d.QueryConns)
	setInt(&o.Writers, d.Writers)
	setInt(&o.Threads, d.Threads)
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = d.MaxResultBytes
	}
	if o.CheckpointThresholdBytes <= 0 {
		o.CheckpointThresholdBytes = d.CheckpointThresholdBytes
	}
	if o.IdleCheckpointAfter == 0 {
		o.IdleCheckpointAfter = d.IdleCheckpointAfter
	}
	if o.DefaultRetentionDays == 0 {
		o.DefaultRetentionDays = d.DefaultRetentionDays
	}
	return o
}

// retentionDays returns the retention of a workspace's table in days; ≤ 0
// means forever.
func (o *Options) retentionDays(workspace, table string) int {
	days, ok := 0, false
	if o.WorkspaceRetention != nil {
		days, ok = o.WorkspaceRetention(workspace)[table]
	}
	if !ok {
		days, ok = o.RetentionDays[table]
	}
	if !ok {
		days = o.DefaultRetentionDays
	}
	if days > MaxRetentionDays {
		days = MaxRetentionDays
	}
	return days
}
