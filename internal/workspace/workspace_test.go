package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"wsec/internal/api"
	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// fakeStore answers every query with canned rows and records the SQL, so the
// service's own work (compile, error mapping, result shaping) is tested
// without a database; the store itself is tested in store/duckdb and the
// whole path in cmd/wsec.
type fakeStore struct {
	sql       string
	rows      [][]any
	cols      []store.Column
	truncated bool  // the result reached the store's limit
	err       error // returned by Query when set
}

func (f *fakeStore) AppendEvents(context.Context, string, uint64, []*event.Event, string) (store.AppendResult, error) {
	return store.AppendResult{Stored: 1}, nil
}
func (f *fakeStore) AppendCustom(context.Context, string, []map[string]any, string) (int, error) {
	return 0, nil
}
func (f *fakeStore) AppendHeartbeat(context.Context, *schema.Heartbeat) error { return nil }
func (f *fakeStore) AppendRows(context.Context, string, []schema.Row) error   { return nil }
func (f *fakeStore) Tables(context.Context) ([]*schema.Table, error)          { return nil, nil }
func (f *fakeStore) Query(_ context.Context, sqlText string, _ ...any) (*store.Result, error) {
	f.sql = sqlText
	if f.err != nil {
		return nil, f.err
	}
	return &store.Result{Columns: f.cols, Rows: f.rows, Truncated: f.truncated}, nil
}

func service(f *fakeStore) *Service {
	return New(func(string) (Store, error) { return f, nil }, Options{Now: func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) }})
}

func TestQueryErrorsArePositioned(t *testing.T) {
	s := service(&fakeStore{})
	_, err := s.Query(context.Background(), "ws", "SecurityEvent\n| where EventId == 4625", time.Time{}, time.Time{})
	var qe *api.QueryError
	if !errors.As(err, &qe) || qe.Code != "SemanticError" || qe.Line != 2 || qe.Column == 0 {
		t.Fatalf("unknown column: %#v", err)
	}
	_, err = s.Query(context.Background(), "ws", "SecurityEvent | where (EventID == ", time.Time{}, time.Time{})
	if !errors.As(err, &qe) || qe.Code != "SyntaxError" || qe.Line != 1 {
		t.Fatalf("syntax: %#v", err)
	}
}

func TestTimespanAndTimeRange(t *testing.T) {
	f := &fakeStore{rows: [][]any{{int64(90_000_000)}}}
	s := service(f)
	start := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	tb, err := s.Query(context.Background(), "ws", "SecurityEvent | summarize d = max(TimeGenerated) - min(TimeGenerated)", start, start.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Columns[0].Type != "timespan" || tb.Rows[0][0] != 90*time.Second {
		t.Errorf("timespan column: %v %#v", tb.Columns, tb.Rows[0][0])
	}
	if !strings.Contains(f.sql, "2026-11-24") {
		t.Errorf("API timespan not pushed into the SQL:\n%s", f.sql)
	}
}

// TestQueryAtClock: ago() in a query run with QueryAt is relative to the
// given instant, not the service clock (analytics windows depend on it).
func TestQueryAtClock(t *testing.T) {
	f := &fakeStore{}
	s := service(f)
	at := time.Date(2019, 3, 19, 23, 0, 0, 0, time.UTC)
	if _, err := s.QueryAt(context.Background(), "ws", "SecurityEvent | where TimeGenerated > ago(1h)", time.Time{}, time.Time{}, at); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.sql, "2019-03-19 22:00:00") || strings.Contains(f.sql, "2026") {
		t.Errorf("ago() not relative to the query's instant:\n%s", f.sql)
	}
}

func TestBagUnpackExpands(t *testing.T) {
	f := &fakeStore{rows: [][]any{
		{"a", json.RawMessage(`{"x":1,"y":"s"}`)},
		{"b", json.RawMessage(`{"z":true}`)},
	}}
	tb := &api.Table{Columns: []api.Column{{Name: "k", Type: "string"}, {Name: "__kql_bag", Type: "dynamic"}}, Rows: f.rows}
	expandBag(tb)
	if len(tb.Columns) != 4 || tb.Columns[1].Name != "x" || tb.Columns[3].Name != "z" {
		t.Fatalf("columns %v", tb.Columns)
	}
	if string(tb.Rows[0][2].(json.RawMessage)) != `"s"` || tb.Rows[0][3] != nil || string(tb.Rows[1][3].(json.RawMessage)) != "true" {
		t.Errorf("rows %v", tb.Rows)
	}
}

// TestQueryReportsCaps: a result the store cut at its limit is marked
// partial, and a limit the query's SQL finds exceeded as it runs is the
// query's error, not a server failure (issue 9.13).
func TestQueryReportsCaps(t *testing.T) {
	f := &fakeStore{rows: [][]any{{int64(1)}, {int64(2)}}, truncated: true}
	s := service(f)
	tab, err := s.Query(context.Background(), "ws", "SecurityEvent | project EventID", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.Partial, "first 2 rows") {
		t.Errorf("truncated store result: Partial %q", tab.Partial)
	}
	f.truncated = false
	if tab, _ = s.Query(context.Background(), "ws", "SecurityEvent | project EventID", time.Time{}, time.Time{}); tab.Partial != "" {
		t.Errorf("whole result marked partial: %q", tab.Partial)
	}
	f.err = errors.New(`Invalid Input Error: wsec query: range would make more than 100000 rows; narrow the bounds or widen the step`)
	_, err = s.Query(context.Background(), "ws", "range x from 1 to toscalar(SecurityEvent | count) * 100000 step 1", time.Time{}, time.Time{})
	var qe *api.QueryError
	if !errors.As(err, &qe) || !strings.HasPrefix(qe.Message, "range would make more than 100000 rows") {
		t.Errorf("runtime limit: %#v", err)
	}
}

// TestRenderHintCarried: a query ending in render hands its visualization
// and properties to the API, so the UI draws the chart the query asks for.
func TestRenderHintCarried(t *testing.T) {
	s := service(&fakeStore{})
	tb, err := s.Query(context.Background(), "ws",
		`SecurityEvent | summarize count() by bin(TimeGenerated, 1h) | render timechart with (title="Logons", ytitle="n")`, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if tb.Render == nil || tb.Render.Visual != "timechart" || tb.Render.Props["title"] != "Logons" || tb.Render.Props["ytitle"] != "n" {
		t.Fatalf("render hint: %#v", tb.Render)
	}
	tb, err = s.Query(context.Background(), "ws", "SecurityEvent | take 1", time.Time{}, time.Time{})
	if err != nil || tb.Render != nil {
		t.Fatalf("no render operator, got hint %#v (err %v)", tb.Render, err)
	}
}
