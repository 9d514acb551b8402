package kql

// MvExpandOp is `mv-expand [bagexpansion=bag|array] [with_itemindex=Col]
// Col [to typeof(T)], ... [limit N]`. Several columns expand in lockstep.
type MvExpandOp struct {
	OpPos Pos
	Opts  []*OptionArg
	Cols  []*MvExpandCol
	Limit Expr
}

// MvExpandCol is one expanded column: [Name =] X [to typeof(Type)].
type MvExpandCol struct {
	Name   *Ident
	X      Expr
	ToType string
}

// MvApplyOp is `mv-apply [with_itemindex=I] Cols [limit N] on (Ops)`: the
// subquery is a chain of operators whose implicit source is each input
// row's expanded subtable.
type MvApplyOp struct {
	OpPos Pos
	Opts  []*OptionArg
	Cols  []*MvExpandCol
	Limit Expr
	Ops   []Operator
}

func (o *MvExpandOp) Pos() Pos     { return o.OpPos }
func (o *MvExpandOp) Name() string { return "mv-expand" }
func (o *MvApplyOp) Pos() Pos      { return o.OpPos }
func (o *MvApplyOp) Name() string  { return "mv-apply" }

func (p *parser) parseMvCols(kw string) []*MvExpandCol {
	var cols []*MvExpandCol
	for {
		c := &MvExpandCol{}
		n := p.parseNamed(false)
		if len(n.Names) == 1 {
			c.Name = n.Names[0]
		}
		c.X = n.X
		if p.gotWord("to") {
			p.expectWord("typeof", "after 'to' in "+kw)
			p.expect(tLParen, "after 'typeof'")
			c.ToType = p.parseTypeName("in typeof()")
			p.expect(tRParen, "after the type")
		}
		cols = append(cols, c)
		if p.bad || !p.got(tComma) {
			return cols
		}
	}
}

func (p *parser) parseMvExpand(pos Pos, kw string) Operator {
	o := &MvExpandOp{OpPos: pos, Opts: p.parseOptions("bagexpansion", "with_itemindex", "kind")}
	o.Cols = p.parseMvCols(kw)
	if p.gotWord("limit") {
		o.Limit = p.parseExpr(false)
	}
	return o
}

func (p *parser) parseMvApply(pos Pos) Operator {
	o := &MvApplyOp{OpPos: pos, Opts: p.parseOptions("with_itemindex", "bagexpansion")}
	o.Cols = p.parseMvCols("mv-apply")
	if p.gotWord("limit") {
		o.Limit = p.parseExpr(false)
	}
	p.expectWord("on", "in mv-apply")
	p.expect(tLParen, "after 'on' in mv-apply")
	for {
		before := p.i
		if op := p.parseOperator(); op != nil {
			o.Ops = append(o.Ops, op)
		}
		if p.bad || p.i == before || !p.got(tPipe) {
			break
		}
	}
	p.expect(tRParen, "to close the mv-apply subquery")
	return o
}

func (pr *printer) mvCols(cols []*MvExpandCol) {
	for i, c := range cols {
		if i > 0 {
			pr.ws(", ")
		}
		if c.Name != nil {
			pr.ident(c.Name)
			pr.ws(" = ")
		}
		pr.expr(c.X)
		if c.ToType != "" {
			pr.ws(" to typeof(" + c.ToType + ")")
		}
	}
}

func (o *MvExpandOp) format(pr *printer) {
	pr.ws("mv-expand ")
	pr.options(o.Opts)
	pr.mvCols(o.Cols)
	if o.Limit != nil {
		pr.ws(" limit ")
		pr.expr(o.Limit)
	}
}

func (o *MvApplyOp) format(pr *printer) {
	pr.ws("mv-apply ")
	pr.options(o.Opts)
	pr.mvCols(o.Cols)
	if o.Limit != nil {
		pr.ws(" limit ")
		pr.expr(o.Limit)
	}
	pr.ws(" on (")
	for i, op := range o.Ops {
		if i > 0 {
			pr.ws(" | ")
		}
		pr.operator(op)
	}
	pr.ws(")")
}

func (c *checker) checkMvExpand(o *MvExpandOp, in Rel, e *env) Rel {
	sc := newScope(in)
	mv := &MvExpand{In: in}
	if v, ok := optionValue(o.Opts, "bagexpansion"); ok {
		if v != "array" && v != "bag" {
			c.errorf(o.Pos(), "bagexpansion must be bag or array, got '%s'", v)
			return nil
		}
		mv.BagArray = v == "array"
	}
	if v, ok := optionValue(o.Opts, "with_itemindex"); ok {
		mv.Index = v
	}
	for _, col := range o.Cols {
		v := c.scalar(col.X, sc, e)
		if v == nil {
			return nil
		}
		if !v.Type().IsDynamic() {
			c.errorf(col.X.Pos(), "mv-expand needs a dynamic array or bag, got %s", v.Type())
			return nil
		}
		name := ""
		if col.Name != nil {
			name = col.Name.Name
		} else if name = exprName(col.X); name == "" {
			c.errorf(col.X.Pos(), "name the expanded expression: mv-expand Name = ...")
			return nil
		}
		t := TDynamic
		if col.ToType != "" {
			t, _ = ParseType(col.ToType)
		}
		mv.Items = append(mv.Items, MvItem{Name: name, X: v, Type: t})
	}
	if o.Limit != nil {
		n := c.scalar(o.Limit, nil, e)
		f, ok := constFloat(n)
		if n == nil || !ok || f < 0 {
			c.errorf(o.Limit.Pos(), "mv-expand limit must be a constant count")
			return nil
		}
		mv.Limit = int64(f)
	}
	return mv
}
