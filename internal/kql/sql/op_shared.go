package sql

import (
	"strconv"

	"wsec/internal/kql"
)

// sharedRel compiles a relation read from several places once, as a common
// table expression (materialized for materialize()), or inlined where the
// dialect has no CTEWriter.
func (c *compiler) sharedRel(s *kql.Shared) (*relSQL, error) {
	if r, ok := c.shared[s]; ok {
		return r, nil
	}
	body, err := c.rel(s.In)
	if err != nil {
		return nil, err
	}
	cw, ok := c.d.(CTEWriter)
	if !ok {
		c.shared[s] = body
		return body, nil
	}
	name := "s" + strconv.Itoa(s.ID)
	c.ctes = append(c.ctes, cw.CTE(c.d.Quote(name), body.sql, s.Materialized))
	r := &relSQL{sql: "SELECT * FROM " + c.d.Quote(name), cols: body.cols, order: body.order}
	c.shared[s] = r
	return r, nil
}
