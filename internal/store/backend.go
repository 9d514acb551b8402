package store

import (
	"context"
	"time"

	"wsec/internal/event"
	kqlsql "wsec/internal/kql/sql"
	"wsec/internal/schema"
)

// Backend is a storage engine holding workspaces. Implementations are safe
// for concurrent use.
type Backend interface {
	// Workspace returns workspace id, creating it on first use.
	Workspace(id string) (Workspace, error)
	// Dialect is the SQL dialect the KQL compiler writes for this engine.
	Dialect() kqlsql.Dialect
	// EnforceRetention deletes, in every workspace, the rows past their
	// table's retention (by receive time).
	EnforceRetention(ctx context.Context) error
	// Close releases the backend; appends in progress finish first.
	Close() error
}

// Workspace is one workspace's tables. See the package doc for what each
// method promises.
type Workspace interface {
	// AppendEvents stores a native event batch of sender numbered seq.
	AppendEvents(ctx context.Context, sender string, seq uint64, events []*event.Event, sourceSystem string) (AppendResult, error)
	// AppendCustom stores records of custom table table (<Name>_CL); the
	// record's timeField (if any) becomes TimeGenerated. It returns the
	// records stored.
	AppendCustom(ctx context.Context, table string, records []map[string]any, timeField string) (int, error)
	// AppendHeartbeat stores one Heartbeat row.
	AppendHeartbeat(ctx context.Context, hb *schema.Heartbeat) error
	// AppendRows stores rows of SecurityAlert or SecurityIncident, all or
	// nothing.
	AppendRows(ctx context.Context, table string, rows []schema.Row) error
	// Query runs a read-only SELECT in the backend's dialect.
	Query(ctx context.Context, sqlText string, args ...any) (*Result, error)
	// Tables lists the workspace's custom tables (built-in ones are in
	// schema.Catalog).
	Tables(ctx context.Context) ([]*schema.Table, error)
}

// Coordinator is an optional capability of a backend that several nodes
// share (store/clickhouse): a lease, so that work which must run once
// across every node (analytics scheduling) runs on one node at a time, and
// marks, the progress of that work kept in the store, so that the next
// holder resumes where the last one stopped. A backend one process opens at
// a time (DuckDB) does not implement it: its node is the only one, needs no
// lease and keeps its progress itself.
type Coordinator interface {
	// AcquireLease takes or renews the lease name for holder, which must
	// be unique to the calling process (a restarted node is a new
	// holder). The lease is granted for ttl; Lease.Until is when the
	// holder must have stopped the leased work, by its own clock, a
	// margin before another holder can take the lease. A holder that
	// renews before Until keeps the lease and its term; one that does
	// not loses it, and after ttl another holder (or itself, under a new
	// term) takes it.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, error)
	// Marks returns the marks of lease name: for each key, the greatest
	// value ever set.
	Marks(ctx context.Context, name string) (map[string]int64, error)
	// SetMarks records marks of lease name. A key's mark only grows (the
	// greatest value set wins), so a late write of a holder that lost the
	// lease never moves one back.
	SetMarks(ctx context.Context, name string, marks map[string]int64) error
}

// Lease is what AcquireLease granted.
type Lease struct {
	// Held reports whether the caller holds the lease, until Until.
	Held  bool
	Until time.Time
	// Term numbers the holderships of the lease: it grows every time the
	// lease is taken anew, so a holder that sees a new term knows another
	// node may have worked in between and reloads its marks.
	Term uint64
}
