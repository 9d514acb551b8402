package api

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fakeQuerier is a tiny query engine over in-memory tables, enough to
// behave like the real one at this boundary: it sees only the asked
// workspace, applies the time range to TimeGenerated (column 0), and
// reports what it cannot parse as a *QueryError with a position. It
// understands "T", "T | take N", "T | where Col == N" and "T | count".
type fakeQuerier struct {
	mu     sync.Mutex
	tables map[string]map[string]*Table // workspace → name → table
	calls  int
	err    error // returned as is when set
	block  bool  // wait for ctx to end
}

func (f *fakeQuerier) Query(ctx context.Context, ws, kql string, start, end time.Time) (*Table, error) {
	f.mu.Lock()
	f.calls++
	err, block := f.err, f.block
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(kql, "|")
	name := strings.TrimSpace(parts[0])
	src, ok := f.tables[ws][name]
	if !ok {
		return nil, &QueryError{Code: "SemanticError", Message: "'" + name + "' is not a table of this workspace", Line: 1,
			Column: strings.Index(kql, name) + 1}
	}
	out := &Table{Columns: src.Columns, Partial: src.Partial, Render: src.Render}
	for _, r := range src.Rows {
		tg := r[0].(time.Time)
		if (!start.IsZero() && tg.Before(start)) || (!end.IsZero() && !tg.Before(end)) {
			continue
		}
		out.Rows = append(out.Rows, r)
	}
	off := len(parts[0]) + 1
	for _, p := range parts[1:] {
		f := strings.Fields(p)
		col := off + len(p) - len(strings.TrimLeft(p, " ")) + 1
		switch {
		case len(f) == 2 && f[0] == "take":
			n, err := strconv.Atoi(f[1])
			if err != nil {
				return nil, &QueryError{Code: "SyntaxError", Message: "take needs a number", Line: 1, Column: col}
			}
			out.Rows = out.Rows[:min(n, len(out.Rows))]
		case len(f) == 4 && f[0] == "where" && f[2] == "==":
			ci := -1
			for i, c := range out.Columns {
				if c.Name == f[1] {
					ci = i
				}
			}
			if ci < 0 {
				return nil, &QueryError{Code: "SemanticError", Message: "unknown column " + f[1], Line: 1, Column: col}
			}
			var keep [][]any
			for _, r := range out.Rows {
				if strconv.FormatInt(int64(r[ci].(int)), 10) == f[3] {
					keep = append(keep, r)
				}
			}
			out.Rows = keep
		case len(f) == 1 && f[0] == "count":
			out = &Table{Columns: []Column{{"Count", "long"}}, Rows: [][]any{{int64(len(out.Rows))}}}
		default:
			return nil, &QueryError{Code: "SyntaxError", Message: "unexpected '" + strings.TrimSpace(p) + "'", Line: 1, Column: col}
		}
		off += len(p) + 1
	}
	return out, nil
}

// set changes the fake under its lock.
func (f *fakeQuerier) set(fn func(f *fakeQuerier)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeQuerier) Tables(_ context.Context, ws string) ([]Table, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Table
	for _, name := range []string{"Heartbeat", "SecurityEvent"} {
		if t, ok := f.tables[ws][name]; ok {
			out = append(out, Table{Name: name, Columns: t.Columns})
		}
	}
	return out, nil
}

var securityEventColumns = []Column{
	{"TimeGenerated", "datetime"}, {"Computer", "string"}, {"EventID", "int"},
	{"Elapsed", "timespan"}, {"EventData", "dynamic"}, {"Score", "real"},
}

// secRow is one SecurityEvent row.
func secRow(t time.Time, computer string, id int) []any {
	return []any{t, computer, id, 90 * time.Minute, json.RawMessage(`{"TargetUserName":"alice"}`), math.NaN()}
}

// querierOnly hides the TableLister capability.
type querierOnly struct{ Querier }
