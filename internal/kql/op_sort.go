package kql

// SortKey is one key of sort/top: X [asc|desc] [nulls first|last].
type SortKey struct {
	X     Expr
	Dir   string // "", "asc", "desc"
	Nulls string // "", "first", "last"
}

// SortOp is `sort by Keys` (also order by).
type SortOp struct {
	OpPos Pos
	Keys  []*SortKey
}

// TopOp is `top N by Key`.
type TopOp struct {
	OpPos Pos
	N     Expr
	By    *SortKey
}

// TopNestedOp is `top-nested N of X by Agg, ...`.
type TopNestedOp struct {
	OpPos  Pos
	Levels []*TopNestedLevel
}

// TopNestedLevel is one level of top-nested.
type TopNestedLevel struct {
	N      Expr // nil: all
	Of     *NamedExpr
	Others Expr // with others = X; nil when absent
	By     *NamedExpr
	Dir    string
}

func (o *SortOp) Pos() Pos          { return o.OpPos }
func (o *SortOp) Name() string      { return "sort" }
func (o *TopOp) Pos() Pos           { return o.OpPos }
func (o *TopOp) Name() string       { return "top" }
func (o *TopNestedOp) Pos() Pos     { return o.OpPos }
func (o *TopNestedOp) Name() string { return "top-nested" }

func (p *parser) parseSortKey() *SortKey {
	k := &SortKey{X: p.parseExpr(false)}
	if p.isWord("asc") || p.isWord("desc") {
		k.Dir = p.advance().Text
	}
	if p.gotWord("nulls") {
		if p.isWord("first") || p.isWord("last") {
			k.Nulls = p.advance().Text
		} else {
			p.errExpected("'first' or 'last'", "after 'nulls'")
		}
	}
	return k
}

func (p *parser) parseSort(pos Pos, kw string) Operator {
	p.parseOptions()
	p.expectWord("by", "after '"+kw+"'")
	o := &SortOp{OpPos: pos}
	for {
		o.Keys = append(o.Keys, p.parseSortKey())
		if p.bad || !p.got(tComma) {
			return o
		}
	}
}

func (p *parser) parseTop(pos Pos) Operator {
	o := &TopOp{OpPos: pos, N: p.parseExpr(false)}
	p.expectWord("by", "after the row count of 'top'")
	o.By = p.parseSortKey()
	return o
}

func (p *parser) parseTopNested(pos Pos) Operator {
	o := &TopNestedOp{OpPos: pos}
	for {
		lv := &TopNestedLevel{}
		if !p.isWord("of") {
			lv.N = p.parseExpr(false)
		}
		p.expectWord("of", "in top-nested")
		lv.Of = p.parseNamed(false)
		if p.gotWord("with") {
			p.expectWord("others", "after 'with' in top-nested")
			p.expect(tAssign, "after 'others'")
			lv.Others = p.parseExpr(false)
		}
		p.expectWord("by", "in top-nested")
		lv.By = p.parseNamed(false)
		if p.isWord("asc") || p.isWord("desc") {
			lv.Dir = p.advance().Text
		}
		o.Levels = append(o.Levels, lv)
		if p.bad || !p.got(tComma) {
			return o
		}
		// Each further level repeats the keyword: ..., top-nested 1 of ...
		if p.isWord("top") && p.peek(1).Kind == tMinus && p.peek(2).Kind == tIdent && p.peek(2).Text == "nested" {
			p.advance()
			p.advance()
			p.advance()
		}
	}
}

func (pr *printer) sortKey(k *SortKey) {
	pr.expr(k.X)
	if k.Dir != "" {
		pr.ws(" " + k.Dir)
	}
	if k.Nulls != "" {
		pr.ws(" nulls " + k.Nulls)
	}
}

func (o *SortOp) format(pr *printer) {
	pr.ws("sort by ")
	for i, k := range o.Keys {
		if i > 0 {
			pr.ws(", ")
		}
		pr.sortKey(k)
	}
}

func (o *TopOp) format(pr *printer) {
	pr.ws("top ")
	pr.expr(o.N)
	pr.ws(" by ")
	pr.sortKey(o.By)
}

func (o *TopNestedOp) format(pr *printer) {
	pr.ws("top-nested ")
	for i, lv := range o.Levels {
		if i > 0 {
			pr.ws(", top-nested ")
		}
		if lv.N != nil {
			pr.expr(lv.N)
			pr.ws(" ")
		}
		pr.ws("of ")
		pr.named(lv.Of)
		if lv.Others != nil {
			pr.ws(" with others = ")
			pr.expr(lv.Others)
		}
		pr.ws(" by ")
		pr.named(lv.By)
		if lv.Dir != "" {
			pr.ws(" " + lv.Dir)
		}
	}
}

// sortSpec applies KQL's defaults: descending unless asc is written; nulls
// first when ascending and last when descending.
func (c *checker) sortSpec(k *SortKey, sc *scope, e *env) (SortSpec, bool) {
	v := c.scalar(k.X, sc, e)
	if v == nil {
		return SortSpec{}, false
	}
	desc := k.Dir != "asc"
	nullsFirst := !desc
	switch k.Nulls {
	case "first":
		nullsFirst = true
	case "last":
		nullsFirst = false
	}
	return SortSpec{X: v, Desc: desc, NullsFirst: nullsFirst}, true
}

func (c *checker) checkSort(o *SortOp, in Rel, e *env) Rel {
	sc := newScope(in)
	s := &Sort{In: in}
	for _, k := range o.Keys {
		spec, ok := c.sortSpec(k, sc, e)
		if !ok {
			return nil
		}
		s.Keys = append(s.Keys, spec)
	}
	return s
}

func (c *checker) checkTop(o *TopOp, in Rel, e *env) Rel {
	n := c.limitCount(o.N, e)
	spec, ok := c.sortSpec(o.By, newScope(in), e)
	if n == nil || !ok {
		return nil
	}
	return &Limit{In: &Sort{In: in, Keys: []SortSpec{spec}}, N: n}
}
