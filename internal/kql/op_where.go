package kql

// WhereOp is `where Predicate` (also spelled filter).
type WhereOp struct {
	OpPos Pos
	Pred  Expr
}

func (o *WhereOp) Pos() Pos     { return o.OpPos }
func (o *WhereOp) Name() string { return "where" }

func (p *parser) parseWhere(pos Pos, _ string) Operator {
	return &WhereOp{OpPos: pos, Pred: p.parseExpr(false)}
}

func (o *WhereOp) format(pr *printer) {
	pr.ws("where ")
	pr.expr(o.Pred)
}

func (c *checker) checkWhere(o *WhereOp, in Rel, e *env) Rel {
	pred := c.scalar(o.Pred, newScope(in), e)
	if pred == nil {
		return nil
	}
	if t := pred.Type(); t != TBool && !t.IsDynamic() {
		c.errorf(o.Pred.Pos(), "where needs a bool predicate, got %s", t)
		return nil
	}
	return &Filter{In: in, Pred: pred}
}
