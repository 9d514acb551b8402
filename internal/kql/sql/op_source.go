package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"wsec/internal/kql"
)

// scan reads a logical table, restricted to the API timespan when the
// table has a TimeGenerated datetime column.
func (c *compiler) scan(s *kql.Scan) (*relSQL, error) {
	r := &relSQL{from: c.d.Quote(s.Table)}
	if l := c.opts.Layout; l != nil {
		if c.used == nil {
			r.table = s.Table // the first pass assumes Source will answer
		} else if src, ok := l.Source(s.Table, c.used); ok {
			r.from, r.table = "("+src+") AS "+c.d.Quote(s.Table), s.Table
		}
	}
	for _, cl := range s.Cols {
		r.cols = append(r.cols, col{name: cl.Name, sql: cl.Name, t: cl.Type, nullable: true})
	}
	for _, col := range s.Cols {
		if col.Name == ReceivedColumn && col.Type == kql.TDateTime {
			w, err := c.receivedWhere()
			if err != nil {
				return nil, err
			}
			r.where = append(r.where, w...)
		}
		if col.Name != TimeColumn || col.Type != kql.TDateTime {
			continue
		}
		ts := c.d.Quote(TimeColumn)
		if !c.opts.TimeStart.IsZero() {
			lit, err := c.d.Literal(&kql.Const{T: kql.TDateTime, V: c.opts.TimeStart.UTC()})
			if err != nil {
				return nil, err
			}
			r.where = append(r.where, ts+" >= "+lit)
		}
		if !c.opts.TimeEnd.IsZero() {
			lit, err := c.d.Literal(&kql.Const{T: kql.TDateTime, V: c.opts.TimeEnd.UTC()})
			if err != nil {
				return nil, err
			}
			r.where = append(r.where, ts+" < "+lit)
		}
	}
	r.sql = scanSQL(r.from, r.where)
	return r, nil
}

// ReceivedColumn is when the workspace received a row.
const ReceivedColumn = "_TimeReceived"

// receivedWhere is the Options.ReceivedAfter/ReceivedUntil restriction.
func (c *compiler) receivedWhere() ([]string, error) {
	var out []string
	col := c.d.Quote(ReceivedColumn)
	for _, b := range []struct {
		t  time.Time
		op string
	}{{c.opts.ReceivedAfter, " > "}, {c.opts.ReceivedUntil, " <= "}} {
		if b.t.IsZero() {
			continue
		}
		lit, err := c.d.Literal(&kql.Const{T: kql.TDateTime, V: b.t.UTC()})
		if err != nil {
			return nil, err
		}
		out = append(out, col+b.op+lit)
	}
	return out, nil
}

func scanSQL(from string, where []string) string {
	s := "SELECT * FROM " + from
	if len(where) > 0 {
		s += " WHERE " + strings.Join(where, " AND ")
	}
	return s
}

// values is a constant table (datatable, print). An ordinal column keeps
// the written row order.
func (c *compiler) values(v *kql.Values) (*relSQL, error) {
	nm := c.newNames()
	r := &relSQL{}
	sc := &scope{cols: map[string]col{}}
	for _, cl := range v.Cols {
		r.cols = append(r.cols, col{name: cl.Name, sql: nm.alloc(cl.Name), t: cl.Type, nullable: true})
	}
	ord := col{sql: nm.alloc("__ord"), t: kql.TLong, hidden: true}
	var rows []string
	for i, row := range v.Rows {
		var parts []string
		for j, x := range row {
			e, err := c.scalar(x, sc)
			if err != nil {
				return nil, err
			}
			e = c.convert(e, v.Cols[j].Type)
			if e.k != nil && e.k.V == nil || e.t != v.Cols[j].Type {
				lit, err := c.d.Literal(kql.Null(v.Cols[j].Type))
				if err == nil && e.k != nil && e.k.V == nil {
					e.s = lit
				}
			}
			parts = append(parts, e.s+" AS "+c.d.Quote(r.cols[j].sql))
		}
		parts = append(parts, strconv.Itoa(i)+" AS "+c.d.Quote(ord.sql))
		rows = append(rows, "SELECT "+strings.Join(parts, ", "))
	}
	if len(rows) == 0 {
		var parts []string
		for _, cl := range r.cols {
			lit, err := c.d.Literal(kql.Null(cl.t))
			if err != nil {
				return nil, err
			}
			parts = append(parts, lit+" AS "+c.d.Quote(cl.sql))
		}
		parts = append(parts, "0 AS "+c.d.Quote(ord.sql))
		rows = append(rows, "SELECT "+strings.Join(parts, ", ")+" WHERE "+c.boolLit(false))
	}
	r.cols = append(r.cols, ord)
	r.sql = strings.Join(rows, " UNION ALL ")
	if len(rows) > 1 {
		r.sql = "SELECT * FROM (" + r.sql + ") AS " + c.alias()
	}
	r.order = []string{c.d.Quote(ord.sql)}
	return r, nil
}

// rangeRel is range Col from A to B step S (both ends inclusive).
func (c *compiler) rangeRel(g *kql.Range) (*relSQL, error) {
	sc := &scope{cols: map[string]col{}}
	from, err := c.scalar(g.From, sc)
	if err != nil {
		return nil, err
	}
	to, err := c.scalar(g.To, sc)
	if err != nil {
		return nil, err
	}
	step, err := c.scalar(g.Step, sc)
	if err != nil {
		return nil, err
	}
	if k, ok := step.k, step.k != nil; ok {
		if f, isNum := constNum(k); isNum && f == 0 {
			return nil, fmt.Errorf("compile: range step must not be zero")
		}
	}
	if n, ok := rangeRows(from.k, to.k, step.k); ok && n > kql.MaxSeriesPoints {
		return nil, fmt.Errorf("compile: range would make %.0f rows, over the limit of %d; narrow the bounds or widen the step", n, kql.MaxSeriesPoints)
	}
	nm := c.newNames()
	name := nm.alloc(g.Col.Name)
	from, to = c.convert(from, g.Col.Type), c.convert(to, g.Col.Type)
	sql, err := c.d.Func("range_series", []Arg{from.arg(), to.arg(), step.arg(), {SQL: c.d.Quote(name)}}, g.Col.Type)
	if err != nil {
		return nil, err
	}
	return &relSQL{sql: sql, cols: []col{{name: g.Col.Name, sql: name, t: g.Col.Type}}, order: []string{c.d.Quote(name)}}, nil
}

// rangeRows is the number of rows of range from A to B step S when all
// three are constants (ok false otherwise). A bigger range is refused at
// compile time; one whose bounds are known only when the query runs is
// refused then (rangeSeries).
func rangeRows(from, to, step *kql.Const) (n float64, ok bool) {
	if from == nil || to == nil || step == nil {
		return 0, false
	}
	var span, width float64
	if f, isTime := from.V.(time.Time); isTime {
		t, ok1 := to.V.(time.Time)
		s, ok2 := step.V.(time.Duration)
		if !ok1 || !ok2 {
			return 0, false
		}
		span, width = float64(t.Sub(f)), float64(s)
	} else {
		f, ok1 := constNum(from)
		t, ok2 := constNum(to)
		s, ok3 := constNum(step)
		if !ok1 || !ok2 || !ok3 {
			return 0, false
		}
		span, width = t-f, s
	}
	if width == 0 {
		return 0, false
	}
	return max(math.Floor(span/width)+1, 0), true
}

func constNum(k *kql.Const) (float64, bool) {
	switch v := k.V.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}
