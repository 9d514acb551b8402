package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/schema"
)

// expectedCell is what the view must return for a mapped cell: the oracle
// is schema.Mapper itself, run independently of the store.
func expectedCell(c *schema.Cell, t schema.Type) any {
	switch t {
	case schema.Int:
		if c.I < math.MinInt32 || c.I > math.MaxInt32 {
			return nil
		}
		return int32(c.I)
	case schema.Long:
		return c.I
	case schema.Real:
		return c.F
	case schema.Bool:
		return c.I != 0
	case schema.DateTime:
		return schema.TicksTime(c.I).Truncate(time.Microsecond)
	case schema.TimeSpan:
		return time.Duration(c.I).Truncate(time.Microsecond)
	}
	return validUTF8(c.S)
}

// kqlTypeName is the result type a logical column reports: guid columns
// are stored as text and come back as string.
func kqlTypeName(t schema.Type) string {
	if t == schema.GUID {
		return "string"
	}
	return t.String()
}

// checkTableAgainstMapper selects every logical column of table by name and
// compares each cell with what schema.Mapper produced for the same events.
func checkTableAgainstMapper(t *testing.T, w *Workspace, table *schema.Table, evs []*event.Event, received time.Time) {
	t.Helper()
	m := schema.NewMapper(schema.New())
	want := map[string]map[int]any{} // Computer/EventRecordID → column → value
	for _, e := range evs {
		var r schema.Row
		if got := m.Map(e, "OpsManager", &r); got.Name != table.Name {
			continue
		}
		cells := map[int]any{}
		for i := range r.Cells {
			c := &r.Cells[i]
			cells[c.Col] = expectedCell(c, table.Columns[c.Col].Type)
		}
		want[fmt.Sprintf("%s/%d", e.System.Computer, e.System.EventRecordID)] = cells
	}
	if len(want) == 0 {
		t.Fatalf("no %s events in the fixture", table.Name)
	}
	names := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		names[i] = quoteIdent(c.Name)
	}
	recCol := "EventRecordID"
	if _, ok := table.Col(recCol); !ok {
		recCol = "EventRecordId"
	}
	res := mustQuery(t, w, "SELECT "+strings.Join(names, ", ")+" FROM "+quoteIdent(table.Name))
	if len(res.Rows) != len(want) {
		t.Fatalf("%s: %d rows, want %d", table.Name, len(res.Rows), len(want))
	}
	for i, c := range table.Columns {
		if res.Columns[i].Name != c.Name || res.Columns[i].Type != kqlTypeName(c.Type) {
			t.Errorf("%s column %d: got %s %s, want %s %s", table.Name, i, res.Columns[i].Name, res.Columns[i].Type, c.Name, kqlTypeName(c.Type))
		}
	}
	ci := func(name string) int { i, _ := table.Col(name); return i }
	mismatches := 0
	for _, row := range res.Rows {
		id := fmt.Sprintf("%s/%v", row[ci("Computer")], row[ci(recCol)])
		cells, ok := want[id]
		if !ok {
			t.Fatalf("%s: unexpected row %s", table.Name, id)
		}
		for i, c := range table.Columns {
			exp, set := cells[i]
			switch {
			case c.Name == "Type":
				exp, set = table.Name, true
			case c.Name == "TenantId":
				exp, set = w.id, true
			case c.Name == "_TimeReceived":
				exp, set = received, true
			}
			if !set {
				exp = nil
			}
			got := row[i]
			if c.Type == schema.Dynamic && got != nil && exp != nil {
				var a, b any
				if err := json.Unmarshal(got.(json.RawMessage), &a); err != nil {
					t.Errorf("%s %s.%s: bad JSON %s", id, table.Name, c.Name, got)
				}
				if err := json.Unmarshal([]byte(exp.(string)), &b); err != nil {
					t.Fatalf("%s %s.%s: mapper JSON %s: %v", id, table.Name, c.Name, exp, err)
				}
				got, exp = a, b
			}
			if !reflect.DeepEqual(got, exp) {
				mismatches++
				if mismatches <= 20 {
					t.Errorf("%s %s.%s = %#v, mapper says %#v", id, table.Name, c.Name, got, exp)
				}
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%s: %d cells differ from the mapper", table.Name, mismatches)
	}
}

// TestColumnsMatchMapper is the layout's correctness proof: every logical
// column of SecurityEvent and WindowsEvent is selectable by its name, has
// its logical type, and holds exactly what schema.Mapper produced, whether
// it is stored physically, extracted from EventData or read from _Rest.
func TestColumnsMatchMapper(t *testing.T) {
	s, clk, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws1")
	evs := append(securityEvents(t), sysmonEvents(t)...)
	if _, err := w.AppendEvents(context.Background(), "agent", 1, evs, "OpsManager"); err != nil {
		t.Fatal(err)
	}
	checkTableAgainstMapper(t, w, s.cat.SecurityEvent, evs, clk.Now())
	checkTableAgainstMapper(t, w, s.cat.WindowsEvent, evs, clk.Now())

	// How big the remainder is, and how many shapes it took: reported, and
	// bounded, so that a change in the mapper that defeats the payload
	// extraction (every value becoming an extra) fails here rather than
	// showing up as a silent slowdown.
	r := mustQuery(t, w, "SELECT count(*), sum(length(_Vals)) FROM wsec_SecurityEvent")
	n, valsBytes := r.Rows[0][0].(int64), r.Rows[0][1].(int64)
	tpls := w.tpl.count()
	t.Logf("SecurityEvent: %d rows, _Vals %.0f bytes/row, %d templates", n, float64(valsBytes)/float64(n), tpls)
	if float64(valsBytes)/float64(n) > 600 || tpls > 100 {
		t.Errorf("_Vals averages %.0f bytes per row with %d templates: values are not left to the payload", float64(valsBytes)/float64(n), tpls)
	}
}
