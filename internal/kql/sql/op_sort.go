package sql

import (
	"fmt"
	"strings"

	"wsec/internal/kql"
)

// sort adds the sort keys as hidden columns and records the ORDER BY; the
// order is applied where it matters (a following take, window functions,
// the final SELECT), so order-keeping operators in between stay flat.
func (c *compiler) sort(s *kql.Sort) (*relSQL, error) {
	in, err := c.rel(s.In)
	if err != nil {
		return nil, err
	}
	a := c.alias()
	sc := c.scopeOf(in, a)
	nm := c.namesOver(in.cols)
	list := []string{a + ".*"}
	out := &relSQL{cols: append([]col(nil), in.cols...)}
	if len(s.Keys) == 0 {
		// serialize: keep the input's order, or fix the current one.
		if len(in.order) > 0 {
			return in, nil
		}
		name := nm.alloc("__ord")
		rn := "row_number() OVER ()"
		if wl, ok := c.d.(Windowless); ok {
			rn = wl.RowNumber()
		}
		list = append(list, rn+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{sql: name, t: kql.TLong, hidden: true})
		out.order = []string{c.d.Quote(name)}
		out.sql = "SELECT " + strings.Join(list, ", ") + " FROM (" + in.sql + ") AS " + a
		return out, nil
	}
	for _, k := range s.Keys {
		e, err := c.scalar(k.X, sc)
		if err != nil {
			return nil, err
		}
		if e.t.IsDynamic() {
			e = c.convert(e, kql.TString)
		}
		name := nm.alloc("__ord")
		list = append(list, nn(e)+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{sql: name, t: e.t, hidden: true})
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		nulls := " NULLS LAST"
		if k.NullsFirst {
			nulls = " NULLS FIRST"
		}
		out.order = append(out.order, c.d.Quote(name)+dir+nulls)
	}
	out.sql = "SELECT " + strings.Join(list, ", ") + " FROM (" + in.sql + ") AS " + a
	return out, nil
}

// limit keeps N rows: the first N of an ordered input, any N otherwise, or
// N random ones for sample.
func (c *compiler) limit(l *kql.Limit) (*relSQL, error) {
	in, err := c.rel(l.In)
	if err != nil {
		return nil, err
	}
	n, err := c.scalar(l.N, &scope{cols: map[string]col{}})
	if err != nil {
		return nil, err
	}
	if n.k == nil {
		return nil, fmt.Errorf("compile: take/top count must be a constant")
	}
	f, _ := constNum(n.k)
	if f < 0 {
		f = 0
	}
	count := fmt.Sprintf("%d", int64(f))
	out := &relSQL{cols: in.cols, order: in.order}
	if l.Sample {
		out.sql = c.d.Sample(in.sql, count)
		out.order = nil
		return out, nil
	}
	if len(l.Partition) > 0 {
		return c.limitPartitioned(l, in, count)
	}
	var b strings.Builder
	b.WriteString("SELECT * FROM (" + in.sql + ") AS " + c.alias())
	if len(in.order) > 0 {
		b.WriteString(" ORDER BY " + strings.Join(in.order, ", "))
	}
	b.WriteString(" LIMIT " + count)
	out.sql = b.String()
	return out, nil
}

// limitPartitioned keeps the first count rows (in the input's order) of
// each partition.
func (c *compiler) limitPartitioned(l *kql.Limit, in *relSQL, count string) (*relSQL, error) {
	if l.Sample {
		return nil, fmt.Errorf("compile: sample inside mv-apply is not supported")
	}
	if _, ok := c.d.(Windowless); ok {
		return nil, fmt.Errorf("compile: take and top inside mv-apply need SQL window functions, which this store's engine lacks")
	}
	a := c.alias()
	sc := c.scopeOf(in, a)
	var parts []string
	for _, p := range l.Partition {
		e, err := c.scalar(p, sc)
		if err != nil {
			return nil, err
		}
		parts = append(parts, e.s)
	}
	over := "PARTITION BY " + strings.Join(parts, ", ")
	if len(in.order) > 0 {
		over += " ORDER BY " + strings.Join(in.order, ", ")
	}
	rn := c.d.Quote(c.namesOver(in.cols).alloc("__rn"))
	inner := "SELECT " + a + ".*, row_number() OVER (" + over + ") AS " + rn + " FROM (" + in.sql + ") AS " + a
	return &relSQL{sql: "SELECT * FROM (" + inner + ") AS " + c.alias() + " WHERE " + rn + " <= " + count, cols: in.cols, order: in.order}, nil
}
