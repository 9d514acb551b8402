package kql

// DistinctOp is `distinct Cols` or `distinct *`.
type DistinctOp struct {
	OpPos Pos
	Cols  []Expr
}

func (o *DistinctOp) Pos() Pos     { return o.OpPos }
func (o *DistinctOp) Name() string { return "distinct" }

func (p *parser) parseDistinct(pos Pos) Operator {
	p.parseOptions()
	return &DistinctOp{OpPos: pos, Cols: p.parseExprList()}
}

func (o *DistinctOp) format(pr *printer) {
	pr.ws("distinct ")
	pr.exprList(o.Cols)
}

func (c *checker) checkDistinct(o *DistinctOp, in Rel, e *env) Rel {
	sc := newScope(in)
	agg := &Aggregate{In: in}
	taken := map[string]bool{}
	nm := newNamer("Column", taken)
	for _, x := range o.Cols {
		if _, ok := x.(*StarExpr); ok {
			for _, col := range sc.cols {
				if col.Name == BagColumn {
					continue
				}
				if !taken[col.Name] {
					taken[col.Name] = true
					agg.Keys = append(agg.Keys, passThrough(col))
				}
			}
			continue
		}
		v := c.scalar(x, sc, e)
		if v == nil {
			return nil
		}
		name := exprName(x)
		if name == "" {
			name = nm.fresh()
		}
		name = uniqueName(name, taken)
		taken[name] = true
		agg.Keys = append(agg.Keys, Item{Name: name, X: v})
	}
	return agg
}
