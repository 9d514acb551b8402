package store

import (
	"errors"
	"time"
)

// AppendResult says what an append of a native event batch did.
type AppendResult struct {
	// Stored is the number of events written.
	Stored int
	// Duplicates is the number of events skipped because an event with the
	// same identity (event.Key) was stored before, by any sender, or earlier
	// in the same batch.
	Duplicates int
	// Duplicate is true when the batch's (sender, seq) was committed before:
	// nothing was written, so Stored is 0 and every event not rejected
	// counts in Duplicates.
	Duplicate bool
	// Rejected are the events the store refused, each with why; the rest
	// of the batch is stored. Stored + Duplicates + len(Rejected) is the
	// number of events of the batch.
	Rejected []Rejection
}

// Rejection is an event of a batch that was refused: Index is its position
// in the batch, Reason says what is wrong with it.
type Rejection struct {
	Index  int
	Reason string
}

// Column is one result column. Type is the KQL type name: string, int,
// long, real, bool, datetime, timespan, dynamic or guid.
type Column struct {
	Name string
	Type string
}

// Result is the outcome of a query.
//
// Row cells hold nil, string, int32 (int), int64 (long), float64 (real),
// bool, time.Time (datetime, UTC), time.Duration (timespan) or
// json.RawMessage (dynamic, compact JSON text).
type Result struct {
	Columns []Column
	Rows    [][]any
	// Truncated is true when the query produced more rows (or bytes) than
	// the store's result limit: Rows holds the first ones only.
	Truncated bool
	// Elapsed is how long the store took, for logs and metrics.
	Elapsed time.Duration
}

// Errors a caller acts on. Stores wrap them with context; check them with
// errors.Is.
var (
	// ErrInvalidName: a workspace ID, table or column name was refused
	// (bad characters, too long). The request is wrong; do not retry.
	ErrInvalidName = errors.New("invalid name")
	// ErrNotReadOnly: Query was given a statement that is not a single
	// read-only SELECT.
	ErrNotReadOnly = errors.New("statement is not a single read-only query")
	// ErrClosed: the store or workspace was closed.
	ErrClosed = errors.New("store closed")
	// ErrLimit: a bounded resource (columns of a custom table, open
	// workspaces, batch size) would be exceeded. The request is refused as
	// a whole; nothing was stored.
	ErrLimit = errors.New("limit exceeded")
	// ErrTableFull: the records would add a column to a table that has as
	// many as the store allows (a custom table's columns). Unlike ErrLimit
	// it is the data's doing and stays so: the request is wrong; do not
	// retry it.
	ErrTableFull = errors.New("table has the most columns allowed")
	// ErrLowDiskSpace: the disk holding the store has less free space than
	// the store keeps in reserve, so ingestion is paused; nothing was
	// stored. It resumes by itself once space is freed: retry later.
	// Queries keep working.
	ErrLowDiskSpace = errors.New("ingestion paused: low free disk space")
)
