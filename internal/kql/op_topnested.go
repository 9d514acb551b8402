package kql

// checkTopNested reduces top-nested to aggregates joined level by level:
// level k groups by the first k keys, keeps the top N_k groups within each
// group of the level before (a Limit partitioned by the earlier keys), and
// joins to the surviving rows of level k-1. The output is each level's key
// and aggregate, in order. "with others" is refused.
func (c *checker) checkTopNested(o *TopNestedOp, in Rel, e *env) Rel {
	var keys []*NamedExpr
	var result Rel
	var names []string // key names of the levels so far
	var cols []JoinCol // output columns so far
	for _, lv := range o.Levels {
		if lv.Others != nil {
			c.errorf(lv.Others.Pos(), "top-nested 'with others' is not supported by wsec")
			return nil
		}
		keys = append(keys, lv.Of)
		agg := lv.By
		if len(agg.Names) == 0 {
			name := exprName(lv.Of.X)
			if len(lv.Of.Names) == 1 {
				name = lv.Of.Names[0].Name
			}
			agg = &NamedExpr{Names: []*Ident{{NamePos: lv.By.Pos(), Name: "aggregated_" + name}}, X: lv.By.X}
		}
		a := c.checkSummarize(&SummarizeOp{OpPos: o.OpPos, Aggs: []*NamedExpr{agg}, By: append([]*NamedExpr(nil), keys...)}, in, e)
		if a == nil {
			return nil
		}
		acols := a.Columns()
		if len(acols) != len(keys)+1 {
			c.errorf(lv.By.Pos(), "top-nested needs one aggregate per level")
			return nil
		}
		key, val := acols[len(keys)-1], acols[len(keys)]
		var lvl Rel = &Sort{In: a, Keys: []SortSpec{{X: &ColRef{Name: val.Name, T: val.Type}, Desc: lv.Dir != "asc"}}}
		if lv.N != nil {
			n := c.limitCount(lv.N, e)
			if n == nil {
				return nil
			}
			l := &Limit{In: lvl, N: n}
			for _, prior := range acols[:len(keys)-1] {
				l.Partition = append(l.Partition, &ColRef{Name: prior.Name, T: prior.Type})
			}
			if len(l.Partition) == 0 {
				l.Partition = nil
			}
			lvl = l
		}
		if result == nil {
			result = lvl
			cols = []JoinCol{{Name: key.Name, Side: 0, Src: key.Name, Type: key.Type}, {Name: val.Name, Side: 0, Src: val.Name, Type: val.Type}}
			names = append(names, key.Name)
			continue
		}
		j := &Join{Left: result, Right: lvl, Kind: JoinInner}
		for i, n := range names {
			t := acols[i].Type
			j.LeftKeys = append(j.LeftKeys, &ColRef{Name: n, T: t})
			j.RightKeys = append(j.RightKeys, &ColRef{Name: acols[i].Name, T: t})
		}
		for _, jc := range cols {
			j.Cols = append(j.Cols, JoinCol{Name: jc.Name, Side: 0, Src: jc.Name, Type: jc.Type})
		}
		j.Cols = append(j.Cols, JoinCol{Name: key.Name, Side: 1, Src: key.Name, Type: key.Type}, JoinCol{Name: val.Name, Side: 1, Src: val.Name, Type: val.Type})
		cols = j.Cols
		names = append(names, key.Name)
		result = j
	}
	return result
}
