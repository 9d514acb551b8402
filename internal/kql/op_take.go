package kql

// TakeOp is `take N` / `limit N` (any N rows) or `sample N` (N random rows).
type TakeOp struct {
	OpPos  Pos
	Sample bool
	N      Expr
}

func (o *TakeOp) Pos() Pos { return o.OpPos }
func (o *TakeOp) Name() string {
	if o.Sample {
		return "sample"
	}
	return "take"
}

func (p *parser) parseTake(pos Pos, kw string) Operator {
	p.parseOptions()
	return &TakeOp{OpPos: pos, Sample: kw == "sample", N: p.parseExpr(false)}
}

func (o *TakeOp) format(pr *printer) {
	pr.ws(o.Name() + " ")
	pr.expr(o.N)
}

func (c *checker) limitCount(x Expr, e *env) Scalar {
	n := c.scalar(x, nil, e)
	if n == nil {
		return nil
	}
	if !n.Type().IsNumeric() {
		c.errorf(x.Pos(), "row count must be a number, got %s", n.Type())
		return nil
	}
	return n
}

func (c *checker) checkTake(o *TakeOp, in Rel, e *env) Rel {
	n := c.limitCount(o.N, e)
	if n == nil {
		return nil
	}
	return &Limit{In: in, N: n, Sample: o.Sample}
}
