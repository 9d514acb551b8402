package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"wsec/internal/schema"
	"wsec/internal/store"
	"wsec/internal/store/customlog"
)

// Workspace is one workspace's database on the cluster. It is safe for
// concurrent use, and several nodes may use the same workspace at once.
type Workspace struct {
	s  *Store
	id string
	db string

	mu     sync.Mutex
	custom map[string]*customTable // by lower-case name
	next   atomic.Uint64           // round-robin shard of rows without identity

	committers []*committer // per shard: events
}

// customTable is a custom table's columns as last seen.
type customTable struct {
	name string
	cols map[string]schema.Type // property columns by name
}

// ID is the workspace's ID.
func (w *Workspace) ID() string { return w.id }

// Tables implements store.Workspace. Custom tables are read from the
// cluster each time, so a table another node created is seen at once.
func (w *Workspace) Tables(ctx context.Context) ([]*schema.Table, error) {
	if err := w.s.checkOpen(); err != nil {
		return nil, err
	}
	if err := w.loadCustom(ctx); err != nil {
		return nil, err
	}
	c := w.s.cat
	out := append([]*schema.Table{c.SecurityEvent, c.WindowsEvent, c.Heartbeat}, c.Detection()...)
	w.mu.Lock()
	var custom []*schema.Table
	for _, ct := range w.custom {
		cols := []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}}
		for n, t := range ct.cols {
			cols = append(cols, schema.Column{Name: n, Type: t})
		}
		rest := cols[1:]
		sort.Slice(rest, func(i, j int) bool { return rest[i].Name < rest[j].Name })
		cols = append(cols, schema.Column{Name: "Type", Type: schema.String}, schema.Column{Name: "TenantId", Type: schema.String},
			schema.Column{Name: "_ResourceId", Type: schema.String})
		custom = append(custom, schema.NewTable(ct.name, cols))
	}
	w.mu.Unlock()
	sort.Slice(custom, func(i, j int) bool { return custom[i].Name < custom[j].Name })
	return append(out, custom...), nil
}

// customFixed are the columns of a custom table that are not properties.
var customFixed = map[string]bool{"TimeGenerated": true, colReceived: true, colKey0: true, colKey1: true, "Type": true, "TenantId": true, "_ResourceId": true}

// loadCustom reads the custom tables' columns from the first shard that
// answers.
func (w *Workspace) loadCustom(ctx context.Context) error {
	q := "SELECT table, name FROM system.columns WHERE database = " + quoteString(w.db) + " AND endsWith(table, " + quoteString(customlog.Suffix+"_local") + ")"
	var res *tsvResult
	var err error
	for _, sh := range w.s.shards {
		if res, err = sh.selectTSV(ctx, "", q, nil); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("list custom tables of %s: %w", w.id, err)
	}
	tables := map[string]*customTable{}
	for _, row := range res.rows {
		name := strings.TrimSuffix(row[0].(string), "_local")
		ct := tables[strings.ToLower(name)]
		if ct == nil {
			ct = &customTable{name: name, cols: map[string]schema.Type{}}
			tables[strings.ToLower(name)] = ct
		}
		if col := row[1].(string); !customFixed[col] {
			ct.cols[col] = customlog.TypeOf(col)
		}
	}
	w.mu.Lock()
	w.custom = tables
	w.mu.Unlock()
	return nil
}

// AppendHeartbeat implements store.Workspace.
func (w *Workspace) AppendHeartbeat(ctx context.Context, hb *schema.Heartbeat) error {
	var r schema.Row
	t := w.s.mapper.HeartbeatRow(hb, &r)
	return w.appendRows(ctx, t, []schema.Row{r})
}

// AppendRows implements store.Workspace: the rows go in one INSERT to one
// shard, so they are stored all or nothing.
func (w *Workspace) AppendRows(ctx context.Context, table string, rows []schema.Row) error {
	t, ok := w.s.cat.Table(table)
	if !ok || table == schema.SecurityEventTable || table == schema.WindowsEventTable {
		return fmt.Errorf("append rows to %q: only SecurityAlert, SecurityIncident, Anomalies and Heartbeat take rows: %w", table, store.ErrInvalidName)
	}
	return w.appendRows(ctx, t, rows)
}

func (w *Workspace) appendRows(ctx context.Context, t *schema.Table, rows []schema.Row) error {
	if err := w.s.checkOpen(); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	enc := newBlockEncoder(t, w.id, w.s.opts.Now().UnixMicro(), len(rows))
	for i := range rows {
		enc.row(&rows[i], [2]uint64{})
	}
	sh := w.s.shards[w.next.Add(1)%uint64(len(w.s.shards))]
	return sh.exec(ctx, "", enc.insertSQL(w.db, localName(t.Name)), enc.body())
}

// Query implements store.Workspace: sqlText (the KQL compiler's output in
// the ClickHouse dialect) runs read-only in the workspace's database on
// the first shard that answers; every shard holds the Distributed tables
// and views, so any can coordinate the query.
func (w *Workspace) Query(ctx context.Context, sqlText string, args ...any) (*store.Result, error) {
	if err := w.s.checkOpen(); err != nil {
		return nil, err
	}
	if len(args) > 0 {
		return nil, errors.New("clickhouse query: parameters are not supported; compile constants into the SQL")
	}
	if !isSelect(sqlText) {
		return nil, store.ErrNotReadOnly
	}
	start := time.Now()
	max := w.s.opts.MaxResultRows
	settings := url.Values{
		"readonly":                             {"2"},
		"max_result_rows":                      {strconv.Itoa(max + 1)},
		"result_overflow_mode":                 {"break"},
		"join_use_nulls":                       {"1"},
		"enable_optimize_predicate_expression": {"1"},
	}
	var res *tsvResult
	var err error
	for _, sh := range w.s.shards {
		res, err = sh.selectTSV(ctx, w.db, sqlText, settings)
		var chErr *Error
		if err == nil || errors.As(err, &chErr) || ctx.Err() != nil {
			break // an answer, or the query's own error: do not retry elsewhere
		}
	}
	if err != nil {
		return nil, err
	}
	out := &store.Result{Rows: res.rows}
	for i, n := range res.names {
		out.Columns = append(out.Columns, store.Column{Name: n, Type: kqlTypeOf(res.types[i])})
	}
	if len(out.Rows) > max {
		out.Rows, out.Truncated = out.Rows[:max], true
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

// isSelect reports whether q is one SELECT (or WITH ... SELECT) statement.
func isSelect(q string) bool {
	s := strings.ToUpper(strings.TrimSpace(q))
	if !strings.HasPrefix(s, "SELECT") && !strings.HasPrefix(s, "WITH") {
		return false
	}
	return !strings.Contains(strings.TrimRight(s, "; \n\t"), ";")
}

// kqlTypeOf is the KQL type of a result column's ClickHouse type.
func kqlTypeOf(typ string) string {
	typ = strings.TrimSuffix(strings.TrimPrefix(typ, "Nullable("), ")")
	switch {
	case typ == "UInt8":
		return "bool"
	case strings.HasPrefix(typ, "Int"), strings.HasPrefix(typ, "UInt"):
		return "long"
	case strings.HasPrefix(typ, "Float"):
		return "real"
	case typ == "String":
		return "string"
	}
	return "dynamic"
}
