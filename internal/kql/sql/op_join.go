package sql

import (
	"strings"

	"wsec/internal/kql"
)

// join compiles the KQL join kinds. innerunique first keeps one left row
// per key (which one is unspecified, as in KQL). String keys read NULL as
// "", so absent strings match each other like KQL's empty strings do.
func (c *compiler) join(j *kql.Join) (*relSQL, error) {
	left, err := c.rel(j.Left)
	if err != nil {
		return nil, err
	}
	right, err := c.rel(j.Right)
	if err != nil {
		return nil, err
	}
	if j.Kind == kql.JoinInnerUnique {
		if left, err = c.dedupLeft(left, j.LeftKeys); err != nil {
			return nil, err
		}
	}
	la, ra := c.alias(), c.alias()
	lsc, rsc := c.scopeOf(left, la), c.scopeOf(right, ra)
	var conds []string
	for i := range j.LeftKeys {
		l, err := c.scalar(j.LeftKeys[i], lsc)
		if err != nil {
			return nil, err
		}
		r, err := c.scalar(j.RightKeys[i], rsc)
		if err != nil {
			return nil, err
		}
		if l.t != r.t && (l.t == kql.TString || r.t == kql.TString) {
			l, r = c.convert(l, kql.TString), c.convert(r, kql.TString)
		}
		conds = append(conds, nn(l)+" = "+nn(r))
	}
	if len(conds) == 0 {
		conds = []string{c.boolLit(true)}
	}
	kw, err := c.d.JoinClause(j.Kind)
	if err != nil {
		return nil, err
	}
	nm := c.newNames()
	out := &relSQL{}
	var list []string
	outerL := j.Kind == kql.JoinRightOuter || j.Kind == kql.JoinFullOuter
	outerR := j.Kind == kql.JoinLeftOuter || j.Kind == kql.JoinFullOuter
	for _, jc := range j.Cols {
		sc, qual, nullable := lsc, la, outerL
		if jc.Side == 1 {
			sc, qual, nullable = rsc, ra, outerR
		}
		src := sc.cols[jc.Src]
		name := nm.alloc(jc.Name)
		list = append(list, c.ref(qual, src)+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{name: jc.Name, sql: name, t: src.t, nullable: src.nullable || nullable})
	}
	lsql, rsql := left.sql, right.sql
	if j.Kind == kql.JoinRightSemi || j.Kind == kql.JoinRightAnti {
		// Written as the mirrored left semi/anti join.
		lsql, rsql, la, ra = right.sql, left.sql, ra, la
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(list, ", "))
	b.WriteString(" FROM (" + lsql + ") AS " + la)
	b.WriteString(" " + kw + " (" + rsql + ") AS " + ra)
	b.WriteString(" ON " + strings.Join(conds, " AND "))
	out.sql = b.String()
	return out, nil
}

// dedupLeft keeps one row per key of the left side (innerunique).
func (c *compiler) dedupLeft(in *relSQL, keys []kql.Scalar) (*relSQL, error) {
	a := c.alias()
	sc := c.scopeOf(in, a)
	var parts []string
	for _, k := range keys {
		e, err := c.scalar(k, sc)
		if err != nil {
			return nil, err
		}
		parts = append(parts, nn(e))
	}
	if wl, ok := c.d.(Windowless); ok {
		return &relSQL{sql: wl.FirstPerKey(in.sql, a, parts), cols: in.cols}, nil
	}
	nm := c.namesOver(in.cols)
	rn := nm.alloc("__rn")
	partition := ""
	if len(parts) > 0 {
		partition = "PARTITION BY " + strings.Join(parts, ", ")
	}
	inner := "SELECT " + a + ".*, row_number() OVER (" + partition + ") AS " + c.d.Quote(rn) + " FROM (" + in.sql + ") AS " + a
	b := c.alias()
	return &relSQL{
		sql:  "SELECT * FROM (" + inner + ") AS " + b + " WHERE " + c.d.Quote(rn) + " = 1",
		cols: append(append([]col(nil), in.cols...), col{sql: rn, t: kql.TLong, hidden: true}),
	}, nil
}
