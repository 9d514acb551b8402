package sql

import (
	"strings"

	"wsec/internal/kql"
)

// union concatenates the legs, matching columns by name; a leg without a
// column gives NULL there. withsource adds the leg's name.
func (c *compiler) union(u *kql.Union) (*relSQL, error) {
	nm := c.newNames()
	out := &relSQL{}
	for _, cl := range u.Cols {
		out.cols = append(out.cols, col{name: cl.Name, sql: nm.alloc(cl.Name), t: cl.Type, nullable: true})
	}
	var legs []string
	for i, leg := range u.Ins {
		in, err := c.rel(leg)
		if err != nil {
			return nil, err
		}
		a := c.alias()
		sc := c.scopeOf(in, a)
		var list []string
		for j, cl := range u.Cols {
			var v string
			switch {
			case u.Source != "" && j == 0:
				lit, err := c.d.Literal(&kql.Const{T: kql.TString, V: u.Names[i]})
				if err != nil {
					return nil, err
				}
				v = lit
			default:
				src := kql.UnionSource(u, i, cl)
				if src == "" {
					lit, err := c.d.Literal(kql.Null(cl.Type))
					if err != nil {
						return nil, err
					}
					v = lit
				} else {
					src := sc.cols[src]
					v = c.convert(sqlExpr{s: c.ref(a, src), t: src.t, nullable: true}, cl.Type).s
				}
			}
			list = append(list, v+" AS "+c.d.Quote(out.cols[j].sql))
		}
		legs = append(legs, "SELECT "+strings.Join(list, ", ")+" FROM ("+in.sql+") AS "+a)
	}
	out.sql = "SELECT * FROM (" + strings.Join(legs, " UNION ALL ") + ") AS " + c.alias()
	return out, nil
}
