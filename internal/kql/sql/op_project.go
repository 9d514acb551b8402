package sql

import (
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
	a := c.alias()
	sc := c.scopeOf(in, a)
	nm := newNames()
	hidden := hiddenCols(in)
	for _, h := range hidden {
		nm.reserve(h.sql)
	}
	out := &relSQL{order: in.order}
	var list []string
	for _, it := range p.Items {
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
