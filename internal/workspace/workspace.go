// Package workspace is what a wsec workspace does with requests once they
// are authenticated: events go into the store, KQL is compiled to the
// store's SQL and run there. It implements ingest.Appender and api.Querier
// over any store that offers the small Store interface below, so the HTTP
// layer knows neither DuckDB nor the compiler, and a second store
// (ClickHouse) only needs a dialect and this interface.
//
// Promises: every method addresses exactly one workspace's store (queries
// cannot see another workspace's data); errors from the compiler come back
// as *api.QueryError with line and column so clients can point at the
// mistake; the API timespan is pushed into the SQL (TimeGenerated range),
// not applied after the fact.
package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"wsec/internal/api"
	"wsec/internal/event"
	"wsec/internal/extdata"
	"wsec/internal/ingest"
	"wsec/internal/kql"
	kqlsql "wsec/internal/kql/sql"
	"wsec/internal/protocol"
	"wsec/internal/schema"
	"wsec/internal/store"
	"wsec/internal/watchlist"
)

// Store is one workspace's storage: the store backends' Workspace.
type Store = store.Workspace

// Opener returns the store of a workspace ID (already authenticated).
type Opener func(id string) (Store, error)

// Options configure a Service.
type Options struct {
	// Dialect is the SQL dialect of the store; nil means DuckDB.
	Dialect kqlsql.Dialect
	// MaxRows caps a query's result rows in the SQL itself; 0: no cap (the
	// store's own limit still applies).
	MaxRows int64
	// Now is the query clock for ago() and now(); nil: time.Now.
	Now func() time.Time
	// External is what externaldata may read; nil refuses every URI.
	External *extdata.AllowList
	// Watchlists holds the workspaces' watchlists (_GetWatchlist); nil:
	// none.
	Watchlists *watchlist.Store
}

// Service implements ingest.Appender, api.Querier and api.TableLister.
type Service struct {
	open    Opener
	cat     *schema.Catalog // built-in tables, built once
	dialect kqlsql.Dialect
	maxRows int64
	now     func() time.Time

	external   *extdata.AllowList
	watchlists *watchlist.Store
}

// New returns a service over the stores open returns.
func New(open Opener, o Options) *Service {
	s := &Service{open: open, cat: schema.New(), dialect: o.Dialect, maxRows: o.MaxRows, now: o.Now, external: o.External, watchlists: o.Watchlists}
	if s.dialect == nil {
		s.dialect = kqlsql.DuckDB{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// AppendEvents implements ingest.Appender.
func (s *Service) AppendEvents(ctx context.Context, ws, sender string, seq uint64, evs []*event.Event, sourceSystem string) (ingest.Result, error) {
	st, err := s.open(ws)
	if err != nil {
		return ingest.Result{}, err
	}
	r, err := st.AppendEvents(ctx, sender, seq, evs, sourceSystem)
	res := ingest.Result{Stored: r.Stored, Duplicates: r.Duplicates, DuplicateBatch: r.Duplicate}
	for _, rj := range r.Rejected {
		res.Rejected = append(res.Rejected, protocol.Rejection{Index: rj.Index, Reason: rj.Reason})
	}
	return res, err
}

// AppendCustom implements ingest.Appender.
func (s *Service) AppendCustom(ctx context.Context, ws, table string, recs []map[string]any, timeField string) (int, error) {
	st, err := s.open(ws)
	if err != nil {
		return 0, err
	}
	return st.AppendCustom(ctx, table, recs, timeField)
}

// AppendRows stores rows of a detection table (SecurityAlert,
// SecurityIncident) in workspace ws.
func (s *Service) AppendRows(ctx context.Context, ws, table string, rows []schema.Row) error {
	st, err := s.open(ws)
	if err != nil {
		return err
	}
	return st.AppendRows(ctx, table, rows)
}

// AppendHeartbeat implements ingest.Appender.
func (s *Service) AppendHeartbeat(ctx context.Context, ws string, hb *ingest.Heartbeat) error {
	st, err := s.open(ws)
	if err != nil {
		return err
	}
	return st.AppendHeartbeat(ctx, &schema.Heartbeat{
		Time: hb.TimeGenerated, Computer: hb.Computer, ComputerIP: hb.ComputerIP, Category: hb.Category,
		OSType: hb.OSType, OSName: hb.OSName, OSMajorVersion: hb.OSMajorVersion, OSMinorVersion: hb.OSMinorVersion,
		AgentVersion: hb.Version, SourceComputerID: firstNonEmpty(hb.SourceComputerID, hb.Sender),
		SourceSystem: ingest.DefaultSourceSystem, EventsPerSecond: hb.EventsPerSecond, QueueDepth: hb.QueueDepth, LastError: hb.LastError,
	})
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// catalog adapts a workspace's tables to kql.Catalog.
func (s *Service) catalog(ctx context.Context, ws string, st Store) (kql.Catalog, error) {
	tables, err := st.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	cat := kql.NewCatalog(s.cat, tables...)
	if s.external == nil && s.watchlists == nil {
		return cat, nil
	}
	return kql.WithSources(cat, querySources{ctx: ctx, ws: ws, external: s.external, watchlists: s.watchlists}), nil
}

// querySources answers a query's externaldata and _GetWatchlist.
type querySources struct {
	ctx        context.Context
	ws         string
	external   *extdata.AllowList
	watchlists *watchlist.Store
}

func (q querySources) ExternalData(uri string) ([]byte, error) {
	return q.external.Fetch(q.ctx, uri)
}

func (q querySources) Watchlist(alias string) (*kql.Watchlist, error) {
	if q.watchlists == nil {
		return nil, fmt.Errorf("this server keeps no watchlists")
	}
	return q.watchlists.Get(q.ws, alias)
}

// Catalog returns the tables queries of workspace ws may name.
func (s *Service) Catalog(ctx context.Context, ws string) (kql.Catalog, error) {
	st, err := s.open(ws)
	if err != nil {
		return nil, err
	}
	return s.catalog(ctx, ws, st)
}

// Compile parses, checks and compiles a KQL query for the workspace's store.
func (s *Service) Compile(ctx context.Context, ws, text string, start, end time.Time) (string, []kql.ColumnInfo, error) {
	st, err := s.open(ws)
	if err != nil {
		return "", nil, err
	}
	sqlText, cols, _, err := s.compile(ctx, ws, st, text, kqlsql.Options{TimeStart: start, TimeEnd: end, Now: s.now()})
	return sqlText, cols, err
}

func (s *Service) compile(ctx context.Context, ws string, st Store, text string, opts kqlsql.Options) (string, []kql.ColumnInfo, *api.Render, error) {
	q, err := kql.Parse(text)
	if err != nil {
		return "", nil, nil, queryError("SyntaxError", err)
	}
	cat, err := s.catalog(ctx, ws, st)
	if err != nil {
		return "", nil, nil, err
	}
	plan, err := kql.Check(q, cat)
	if err != nil {
		return "", nil, nil, queryError("SemanticError", err)
	}
	opts.MaxRows = s.maxRows
	if l, ok := st.(kqlsql.Layout); ok {
		opts.Layout = l // the embedded store's: its tables read faster (kql/sql layout.go)
	}
	sqlText, cols, err := kqlsql.CompilePlan(plan, s.dialect, opts)
	if err != nil {
		return "", nil, nil, queryError("SemanticError", err)
	}
	var render *api.Render
	if plan.Render != nil {
		render = &api.Render{Visual: plan.Render.Visual, Props: plan.Render.Props}
	}
	return sqlText, cols, render, nil
}

// queryError turns compiler errors into the API's positioned error.
func queryError(code string, err error) error {
	var list kql.ErrorList
	var one *kql.Error
	switch {
	case errors.As(err, &list) && len(list) > 0:
		// Line and Column carry the first error's position; the message
		// does not repeat it.
		msg := list[0].Msg
		for _, e := range list[1:] {
			msg += "\n" + e.Error()
		}
		return &api.QueryError{Code: code, Message: msg, Line: list[0].Pos.Line, Column: list[0].Pos.Column}
	case errors.As(err, &one):
		return &api.QueryError{Code: code, Message: one.Msg, Line: one.Pos.Line, Column: one.Pos.Column}
	}
	return &api.QueryError{Code: code, Message: err.Error()}
}

// Query implements api.Querier.
func (s *Service) Query(ctx context.Context, ws, text string, start, end time.Time) (*api.Table, error) {
	return s.QueryAt(ctx, ws, text, start, end, s.now())
}

// QueryAt is Query as if run at now: ago() and now() in the query are taken
// relative to it, not to the service clock. Scheduled analytics rules run
// this way, so a rule evaluates its window as it would have at the
// window's end.
func (s *Service) QueryAt(ctx context.Context, ws, text string, start, end, now time.Time) (*api.Table, error) {
	return s.query(ctx, ws, text, kqlsql.Options{TimeStart: start, TimeEnd: end, Now: now})
}

// QueryReceived is QueryAt over the rows the workspace received with
// after < _TimeReceived <= until, whatever their TimeGenerated:
// near-real-time analytics rules read newly ingested rows this way.
func (s *Service) QueryReceived(ctx context.Context, ws, text string, after, until, now time.Time) (*api.Table, error) {
	return s.query(ctx, ws, text, kqlsql.Options{ReceivedAfter: after, ReceivedUntil: until, Now: now})
}

func (s *Service) query(ctx context.Context, ws, text string, opts kqlsql.Options) (*api.Table, error) {
	st, err := s.open(ws)
	if err != nil {
		return nil, err
	}
	sqlText, cols, render, err := s.compile(ctx, ws, st, text, opts)
	if err != nil {
		return nil, err
	}
	res, err := st.Query(ctx, sqlText)
	if msg, ok := kqlsql.RuntimeError(err); ok {
		return nil, &api.QueryError{Code: "SemanticError", Message: msg}
	}
	if err != nil {
		return nil, fmt.Errorf("run query: %w", err)
	}
	t := &api.Table{Name: "PrimaryResult", Rows: res.Rows, Render: render}
	if res.Truncated {
		t.Partial = fmt.Sprintf("the result reached the store's limit of rows or bytes; only the first %d rows were kept. Narrow the query (where, summarize, take)", len(res.Rows))
	}
	for i, c := range cols {
		typ := c.Type.String()
		if c.Type == kql.TUnknown && i < len(res.Columns) {
			typ = res.Columns[i].Type
		}
		store.Normalize(res.Rows, i, c.Type)
		t.Columns = append(t.Columns, api.Column{Name: c.Name, Type: typ})
	}
	if n := len(cols); n > 0 && cols[n-1].Expand {
		expandBag(t)
	}
	return t, nil
}

// expandBag replaces the hidden property-bag column that bag_unpack leaves
// at the end of an open row with one dynamic column per key found in any
// row, in first-seen order, as Kusto shows an unpacked bag.
func expandBag(t *api.Table) {
	last := len(t.Columns) - 1
	var keys []string
	index := map[string]int{}
	bags := make([]map[string]json.RawMessage, len(t.Rows))
	for i, row := range t.Rows {
		var raw []byte
		switch v := row[last].(type) {
		case json.RawMessage:
			raw = v
		case string:
			raw = []byte(v)
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		bags[i] = m
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			if _, ok := index[k]; !ok {
				index[k] = len(keys)
				keys = append(keys, k)
			}
		}
	}
	t.Columns = t.Columns[:last]
	for _, k := range keys {
		t.Columns = append(t.Columns, api.Column{Name: k, Type: "dynamic"})
	}
	for i, row := range t.Rows {
		out := make([]any, last+len(keys))
		copy(out, row[:last])
		for k, v := range bags[i] {
			out[last+index[k]] = v
		}
		t.Rows[i] = out
	}
}

// Tables implements api.TableLister.
func (s *Service) Tables(ctx context.Context, ws string) ([]api.Table, error) {
	st, err := s.open(ws)
	if err != nil {
		return nil, err
	}
	tables, err := st.Tables(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]api.Table, 0, len(tables))
	for _, tb := range tables {
		at := api.Table{Name: tb.Name}
		for _, c := range tb.Columns {
			at.Columns = append(at.Columns, api.Column{Name: c.Name, Type: c.Type.String()})
		}
		out = append(out, at)
	}
	return out, nil
}
