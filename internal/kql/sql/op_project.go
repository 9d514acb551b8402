package sql

import (
	"fmt"
	"strings"

	"wsec/internal/kql"
)

// project computes the plan's items over the input, carrying the input's
// order keys so a preceding sort still applies.
func (c *compiler) project(p *kql.Project) (*relSQL, error) {
	in, err := c.rel(p.In)
	if err != nil {
		return nil, err
	}
	items := p.Items
	if hasCall(items, "row_window_session") {
		if in, items, err = c.sessions(in, items); err != nil {
			return nil, err
		}
	}
	a := c.alias()
	sc := c.scopeOf(in, a)
	nm := c.newNames()
	hidden := hiddenCols(in)
	for _, h := range hidden {
		nm.reserve(h.sql)
	}
	out := &relSQL{order: in.order}
	var list []string
	for _, it := range items {
		// A column passed through keeps its SQL name (and stays cheap).
		if ref, ok := it.X.(*kql.ColRef); ok {
			if src, ok := sc.cols[ref.Name]; ok && !nm.taken[strings.ToLower(src.sql)] {
				nm.reserve(src.sql)
				list = append(list, c.ref(a, src))
				out.cols = append(out.cols, col{name: it.Name, sql: src.sql, t: src.t, nullable: src.nullable})
				continue
			}
		}
		e, err := c.scalar(it.X, sc)
		if err != nil {
			return nil, err
		}
		e = c.convert(e, it.X.Type())
		name := nm.alloc(it.Name)
		list = append(list, e.s+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{name: it.Name, sql: name, t: e.t, nullable: e.nullable})
	}
	for _, h := range hidden {
		list = append(list, c.ref(a, h))
		out.cols = append(out.cols, h)
	}
	out.sql = "SELECT " + strings.Join(list, ", ") + " FROM (" + in.sql + ") AS " + a
	return out, nil
}

func hasCall(items []kql.Item, fn string) bool {
	for _, it := range items {
		if findCall(it.X, fn) != nil {
			return true
		}
	}
	return false
}

func findCall(x kql.Scalar, fn string) *kql.Call {
	c, ok := x.(*kql.Call)
	if !ok {
		return nil
	}
	if c.Fn == fn {
		return c
	}
	for _, a := range c.Args {
		if f := findCall(a, fn); f != nil {
			return f
		}
	}
	return nil
}

// replaceCall returns x with every occurrence of call replaced by with.
func replaceCall(x kql.Scalar, call *kql.Call, with kql.Scalar) kql.Scalar {
	c, ok := x.(*kql.Call)
	if !ok {
		return x
	}
	if c == call {
		return with
	}
	args := make([]kql.Scalar, len(c.Args))
	changed := false
	for i, a := range c.Args {
		args[i] = replaceCall(a, call, with)
		changed = changed || args[i] != a
	}
	if !changed {
		return x
	}
	return &kql.Call{Fn: c.Fn, Args: args, T: c.T}
}

// sessions computes each row_window_session() of items as a column of the
// input (it needs a recursive pass over the ordered rows) and returns the
// items reading those columns instead.
func (c *compiler) sessions(in *relSQL, items []kql.Item) (*relSQL, []kql.Item, error) {
	items = append([]kql.Item(nil), items...)
	n := 0
	for {
		var call *kql.Call
		for _, it := range items {
			if call = findCall(it.X, "row_window_session"); call != nil {
				break
			}
		}
		if call == nil {
			return in, items, nil
		}
		if len(in.order) == 0 {
			return nil, nil, fmt.Errorf("compile: row_window_session() needs serialized rows")
		}
		n++
		sw, ok := c.d.(SessionWriter)
		if !ok {
			return nil, nil, fmt.Errorf("compile: row_window_session() is not supported by this store's SQL engine")
		}
		a := c.alias()
		sc := c.scopeOf(in, a)
		args := make([]string, 4)
		args[3] = c.boolLit(false)
		for i, x := range call.Args {
			e, err := c.scalar(x, sc)
			if err != nil {
				return nil, nil, err
			}
			args[i] = e.s
		}
		nm := c.namesOver(in.cols)
		name := nm.alloc(fmt.Sprintf("__rws%d", n))
		order := strings.Join(sc.order, ", ")
		out := &relSQL{
			sql:   sw.SessionStart(in.sql, a, args[0], args[1], args[2], args[3], order, name),
			cols:  append(append([]col(nil), in.cols...), col{name: name, sql: name, t: kql.TDateTime, nullable: true}),
			order: in.order,
		}
		ref := &kql.ColRef{Name: name, T: kql.TDateTime}
		for i := range items {
			items[i].X = replaceCall(items[i].X, call, ref)
		}
		in = out
	}
}
