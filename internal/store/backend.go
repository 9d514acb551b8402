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

// Leaser is an optional capability: a lease held in the store, so that work
// which must run once across every node sharing the backend (analytics
// scheduling) runs on one node at a time. Without it (a single-process
// backend such as DuckDB, which one process opens at a time) the caller
// needs no lease: it is the only node.
type Leaser interface {
	// AcquireLease takes or renews the lease name for holder until ttl from
	// now, and reports whether holder holds it. A lease expires unless its
	// holder renews it within ttl, so a dead node's lease passes to another
	// node after at most ttl.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}
