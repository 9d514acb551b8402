package kql

// MakeSeriesOp is `make-series [kind=nonempty] Aggs on Axis [from A] [to B]
// step S [by Keys]` (or `in range(A, B, S)`). Defaults[i] is the default of
// Aggs[i] (nil: the type's default).
type MakeSeriesOp struct {
	OpPos    Pos
	Opts     []*OptionArg
	Aggs     []*NamedExpr
	Defaults []Expr
	On       Expr
	From     Expr
	To       Expr
	Step     Expr
	By       []*NamedExpr
}

func (o *MakeSeriesOp) Pos() Pos     { return o.OpPos }
func (o *MakeSeriesOp) Name() string { return "make-series" }

func (p *parser) parseMakeSeries(pos Pos) Operator {
	o := &MakeSeriesOp{OpPos: pos, Opts: p.parseOptions("kind")}
	for {
		o.Aggs = append(o.Aggs, p.parseNamed(false))
		var def Expr
		if p.isWord("default") && p.peek(1).Kind == tAssign {
			p.advance()
			p.advance()
			def = p.parseExpr(false)
		}
		o.Defaults = append(o.Defaults, def)
		if p.bad || !p.got(tComma) {
			break
		}
	}
	p.expectWord("on", "after the aggregations of make-series")
	o.On = p.parseExpr(false)
	if p.gotWord("in") {
		p.expectWord("range", "after 'in' in make-series")
		p.expect(tLParen, "after 'range'")
		o.From = p.parseExpr(false)
		p.expect(tComma, "in range()")
		o.To = p.parseExpr(false)
		p.expect(tComma, "in range()")
		o.Step = p.parseExpr(false)
		p.expect(tRParen, "to close range()")
	} else {
		if p.gotWord("from") {
			o.From = p.parseExpr(false)
		}
		if p.gotWord("to") {
			o.To = p.parseExpr(false)
		}
		p.expectWord("step", "in make-series")
		o.Step = p.parseExpr(false)
	}
	if p.gotWord("by") {
		o.By = p.parseNamedList("after 'by'", false)
	}
	return o
}

func (o *MakeSeriesOp) format(pr *printer) {
	pr.ws("make-series ")
	pr.options(o.Opts)
	for i, a := range o.Aggs {
		if i > 0 {
			pr.ws(", ")
		}
		pr.named(a)
		if o.Defaults[i] != nil {
			pr.ws(" default = ")
			pr.expr(o.Defaults[i])
		}
	}
	pr.ws(" on ")
	pr.expr(o.On)
	if o.From != nil {
		pr.ws(" from ")
		pr.expr(o.From)
	}
	if o.To != nil {
		pr.ws(" to ")
		pr.expr(o.To)
	}
	pr.ws(" step ")
	pr.expr(o.Step)
	if len(o.By) > 0 {
		pr.ws(" by ")
		pr.namedList(o.By)
	}
}

func (c *checker) checkMakeSeries(o *MakeSeriesOp, in Rel, e *env) Rel {
	sc := newScope(in)
	taken := map[string]bool{}
	keys, ok := c.groupKeys(o.By, sc, e, taken)
	if !ok {
		return nil
	}
	ms := &MakeSeries{In: in, Keys: keys}
	axis := c.scalar(o.On, sc, e)
	if axis == nil {
		return nil
	}
	ms.Axis = axis
	if ms.AxisName = exprName(o.On); ms.AxisName == "" {
		ms.AxisName = "Column1"
	}
	for i, ne := range o.Aggs {
		call, name, spec, ok := directAgg(ne.X)
		if !ok {
			c.errorf(ne.X.Pos(), "make-series needs an aggregate such as count() or avg(x)")
			return nil
		}
		var names []string
		for _, n := range ne.Names {
			names = append(names, n.Name)
		}
		items := c.aggItems(call, name, spec, sc, e, names, nil)
		if len(items) != 1 || len(items[0].Outs) != 1 {
			if items != nil {
				c.errorf(ne.X.Pos(), "make-series aggregates return one value")
			}
			return nil
		}
		ms.Aggs = append(ms.Aggs, items[0])
		var def Scalar
		if o.Defaults[i] != nil {
			if def = c.scalar(o.Defaults[i], nil, e); def == nil {
				return nil
			}
		}
		ms.Defaults = append(ms.Defaults, def)
	}
	for _, x := range []Expr{o.From, o.To, o.Step} {
		if x == nil {
			c.errorf(o.Pos(), "make-series needs from, to and step (wsec does not infer the range)")
			return nil
		}
	}
	ms.From, ms.To, ms.Step = c.scalar(o.From, nil, e), c.scalar(o.To, nil, e), c.scalar(o.Step, nil, e)
	if ms.From == nil || ms.To == nil || ms.Step == nil {
		return nil
	}
	return ms
}
