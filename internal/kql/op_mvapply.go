package kql

// mvApplyRow is the hidden column numbering the input rows of mv-apply:
// the partition key of every operator of the subquery.
const mvApplyRow = "__mvapply_row"

// checkMvApply reduces mv-apply to relational algebra: number the input
// rows, mv-expand them, run the subquery with every operator partitioned by
// the row number (summarize groups by it, take and top keep N per row),
// and join the result back to the row's columns that were not expanded.
// Operators whose per-row meaning wsec does not compile (join, union,
// make-series, nested mv-apply, ...) are refused inside the subquery.
func (c *checker) checkMvApply(o *MvApplyOp, in Rel, e *env) Rel {
	rowCol := Column{Name: mvApplyRow, Type: TLong}
	numbered := &Project{In: &Sort{In: in}, Items: passThroughAll(in)}
	numbered.Items = append(numbered.Items, Item{Name: mvApplyRow, X: &Call{Fn: "row_number", T: TLong}})
	mv, ok := c.checkMvExpand(&MvExpandOp{OpPos: o.OpPos, Opts: o.Opts, Cols: o.Cols, Limit: o.Limit}, numbered, e).(*MvExpand)
	if !ok || mv == nil {
		return nil
	}
	// The subtable: the expanded columns, the item index, the row number.
	sub := &Project{In: mv}
	expanded := map[string]bool{}
	for _, it := range mv.Items {
		expanded[it.Name] = true
		sub.Items = append(sub.Items, Item{Name: it.Name, X: &ColRef{Name: it.Name, T: it.Type}})
	}
	if mv.Index != "" {
		expanded[mv.Index] = true
		sub.Items = append(sub.Items, Item{Name: mv.Index, X: &ColRef{Name: mv.Index, T: TLong}})
	}
	sub.Items = append(sub.Items, passThrough(rowCol))
	var r Rel = sub
	for _, op := range o.Ops {
		if r = c.partitioned(op, r, e); r == nil {
			return nil
		}
	}
	// The row's other columns, joined back on the row number.
	outer := &Project{In: numbered}
	taken := map[string]bool{}
	j := &Join{Kind: JoinInner, LeftKeys: []Scalar{&ColRef{Name: mvApplyRow, T: TLong}}, RightKeys: []Scalar{&ColRef{Name: mvApplyRow, T: TLong}}}
	for _, col := range in.Columns() {
		if expanded[col.Name] {
			continue
		}
		outer.Items = append(outer.Items, passThrough(col))
		j.Cols = append(j.Cols, JoinCol{Name: col.Name, Side: 0, Src: col.Name, Type: col.Type})
		taken[col.Name] = true
	}
	outer.Items = append(outer.Items, passThrough(rowCol))
	for _, col := range r.Columns() {
		if col.Name == mvApplyRow {
			continue
		}
		j.Cols = append(j.Cols, JoinCol{Name: uniqueName(col.Name, taken), Side: 1, Src: col.Name, Type: col.Type})
		taken[col.Name] = true
	}
	j.Left, j.Right = outer, r
	return j
}

func passThroughAll(r Rel) []Item {
	var items []Item
	for _, col := range r.Columns() {
		items = append(items, passThrough(col))
	}
	return items
}

// partitioned checks one operator of an mv-apply subquery so that it works
// on each input row's subtable separately (rows are told apart by
// mvApplyRow, which every step keeps).
func (c *checker) partitioned(op Operator, in Rel, e *env) Rel {
	row := &Ident{NamePos: op.Pos(), Name: mvApplyRow}
	rowRef := &ColRef{Name: mvApplyRow, T: TLong}
	switch o := op.(type) {
	case *WhereOp, *SortOp:
		r, _ := c.operator(op, in, e)
		return r
	case *ProjectOp:
		r, _ := c.operator(op, in, e)
		if p, ok := r.(*Project); ok && !hasColumn(p, mvApplyRow) {
			p.Items = append(p.Items, Item{Name: mvApplyRow, X: rowRef})
		}
		return r
	case *SummarizeOp:
		s := *o
		s.By = append([]*NamedExpr{{X: row}}, o.By...)
		return c.checkSummarize(&s, in, e)
	case *CountOp:
		return c.checkSummarize(&SummarizeOp{OpPos: o.Pos(), Aggs: []*NamedExpr{{Names: []*Ident{{Name: "Count"}}, X: &CallExpr{Fun: &Ident{Name: "count"}}}}, By: []*NamedExpr{{X: row}}}, in, e)
	case *DistinctOp:
		d := *o
		d.Cols = append([]Expr{row}, o.Cols...)
		return c.checkDistinct(&d, in, e)
	case *TakeOp, *TopOp:
		r, _ := c.operator(op, in, e)
		if l, ok := r.(*Limit); ok {
			l.Partition = []Scalar{rowRef}
		}
		return r
	}
	c.errorf(op.Pos(), "operator '%s' inside mv-apply is not supported by wsec (supported: where, extend, project, summarize, count, distinct, sort, top, take)", op.Name())
	return nil
}

func hasColumn(r Rel, name string) bool {
	for _, col := range r.Columns() {
		if col.Name == name {
			return true
		}
	}
	return false
}
