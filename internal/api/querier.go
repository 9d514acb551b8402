package api

import (
	"context"
	"fmt"
	"time"
)

// Querier runs a KQL query against one workspace. The lead wires the KQL
// compiler and the store behind it.
//
// start and end bound TimeGenerated of every table the query reads, as the
// Log Analytics "timespan" does: start ≤ TimeGenerated < end. A zero start
// or end means unbounded on that side. The query must see only
// workspace's data.
//
// A query the compiler refuses must be reported as a *QueryError (or an
// error wrapping one). Implementations must honour ctx (timeout, client
// gone) and should bound the rows they materialise; the handler sends at
// most Limits.MaxRows. Safe for concurrent use.
type Querier interface {
	Query(ctx context.Context, workspace, kql string, start, end time.Time) (*Table, error)
}

// TableLister is an optional capability of a Querier: the tables a
// workspace has, with columns and no rows. Without it GET .../tables
// answers 404.
type TableLister interface {
	Tables(ctx context.Context, workspace string) ([]Table, error)
}

// Table is a query result: the shape of one entry of the Log Analytics
// response's "tables".
//
// Row cells hold nil, string, bool, int, int32, int64, uint32, float64,
// time.Time (datetime), time.Duration (timespan), json.RawMessage or
// string (dynamic, as JSON text), or []byte (sent as a string). Other
// types are sent as their JSON encoding.
type Table struct {
	Name    string // "PrimaryResult" for the main result
	Columns []Column
	Rows    [][]any
	// Partial says why Rows are only the first rows of the result (a limit
	// of the store was reached); "" when they are the whole result. The
	// answer then carries a PartialError, as for MaxRows.
	Partial string
	// Render is the query's closing render operator; nil when it has none.
	Render *Render
}

// Render is how the query asks its result to be drawn: Visual is the
// render operator's visualization (timechart, columnchart, barchart,
// piechart, areachart, scatterchart, table, ...), Props its with(...)
// properties (title, xcolumn, ycolumns, kind, ...), names in lower case.
// The answer carries it as "render":{"visualization":Visual, props...}.
type Render struct {
	Visual string
	Props  map[string]string
}

// Column is a result column; Type is the KQL type name (string, int, long,
// real, bool, datetime, timespan, dynamic, guid).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// QueryError is a query the compiler refused: the client's mistake.
type QueryError struct {
	// Code is "SyntaxError" or "SemanticError".
	Code    string
	Message string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
}

func (e *QueryError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message)
	}
	return e.Message
}
