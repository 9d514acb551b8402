package sql

import (
	"strings"

	"wsec/internal/kql"
)

// filter keeps rows where the predicate holds. Over a plain scan the
// condition joins the scan's WHERE, so the engine sees one flat filter.
func (c *compiler) filter(f *kql.Filter) (*relSQL, error) {
	in, err := c.rel(f.In)
	if err != nil {
		return nil, err
	}
	if in.from != "" {
		sc := c.scopeOf(in, "")
		sc.table = in.table
		pred, err := c.predicate(f.Pred, sc)
		if err != nil {
			return nil, err
		}
		out := *in
		out.where = append(append([]string(nil), in.where...), pred)
		out.sql = scanSQL(in.from, out.where)
		return &out, nil
	}
	a := c.alias()
	pred, err := c.predicate(f.Pred, c.scopeOf(in, a))
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("SELECT * FROM (")
	b.WriteString(in.sql)
	b.WriteString(") AS " + a + " WHERE " + pred)
	return &relSQL{sql: b.String(), cols: in.cols, order: in.order}, nil
}
