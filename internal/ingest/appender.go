package ingest

import (
	"context"
	"time"

	"wsec/internal/event"
	"wsec/internal/protocol"
)

// Appender is what ingest needs from the store. The lead wires the DuckDB
// store (or any other) behind it.
//
// Every method must return only once what it accepted is durable (synced
// to disk): the handler answers 200 right after, and the client then
// forgets the data. An error means nothing was stored, so the client's
// retry cannot create a duplicate; an implementation that can fail halfway
// must roll back or make the retry idempotent. Methods must honour ctx
// cancellation (the client went away) and be safe for concurrent use.
type Appender interface {
	// AppendEvents stores a native batch. (workspace, sender, seq) names
	// the batch: if it was stored before, nothing is stored and
	// Result.DuplicateBatch is true. Events already stored under the same
	// event.Key (the same log shipped by another sender) are counted in
	// Result.Duplicates and not stored again. sourceSystem fills the
	// SourceSystem column.
	AppendEvents(ctx context.Context, workspace, sender string, seq uint64, evs []*event.Event, sourceSystem string) (Result, error)

	// AppendCustom stores Data Collector records in the custom table
	// (already "<Log-Type>_CL", validated: letters, digits, underscore) and
	// returns how many were stored. Each record's keys are sanitised
	// property names (letters, digits, underscore; never a leading
	// underscore); values are string, float64 or bool (nested JSON arrives
	// as its compact JSON text; nulls are left out). Every record also has
	// "TimeGenerated" as a time.Time in UTC, set by ingest from timeField
	// or the receive time. timeField is the sanitised name of the
	// time-generated-field ("" when none), for a store that wants to keep
	// it as a column too.
	AppendCustom(ctx context.Context, workspace, table string, recs []map[string]any, timeField string) (int, error)

	// AppendHeartbeat stores one agent heartbeat in the Heartbeat table.
	AppendHeartbeat(ctx context.Context, workspace string, hb *Heartbeat) error
}

// Result is what AppendEvents did with a batch.
type Result struct {
	Stored         int                  // events written
	Duplicates     int                  // events skipped because their event.Key was stored before
	DuplicateBatch bool                 // the (sender, seq) was stored before; nothing written
	Rejected       []protocol.Rejection // events refused one by one (no identity, a time out of range)
}

// Heartbeat is one agent heartbeat: the agent's view of itself (the
// protocol's body) plus what the server adds on receipt.
type Heartbeat struct {
	protocol.Heartbeat
	TimeGenerated time.Time `json:"-"` // set by the server on receipt
	Sender        string    `json:"-"` // X-Wsec-Sender, when sent
}
