package kql

import "strings"

// SearchOp is `search [kind=case_sensitive] [in (Tables)] Predicate`. A bare
// string predicate "x" means: any string column has the term x (with '*'
// wildcards: contains / startswith / endswith); Col:"x" means Col has x.
type SearchOp struct {
	OpPos  Pos
	Opts   []*OptionArg
	Tables []Expr
	Pred   Expr
}

func (o *SearchOp) Pos() Pos     { return o.OpPos }
func (o *SearchOp) Name() string { return "search" }
func (*SearchOp) exprNode()      {}

func (p *parser) parseSearch(pos Pos) *SearchOp {
	o := &SearchOp{OpPos: pos, Opts: p.parseOptions("kind")}
	if p.isWord("in") && p.peek(1).Kind == tLParen {
		p.advance()
		p.advance()
		for {
			o.Tables = append(o.Tables, p.parseWildIdent("in search tables"))
			if p.bad || !p.got(tComma) {
				break
			}
		}
		p.expect(tRParen, "to close the search tables")
	}
	o.Pred = p.parseSearchPred()
	return o
}

// parseSearchPred parses an ordinary predicate where Col:"term" is also
// allowed (it means Col has "term").
func (p *parser) parseSearchPred() Expr {
	if p.tok().Kind == tStar && (p.peek(1).Kind == tPipe || p.peek(1).Kind == tEOF || p.peek(1).Kind == tSemi || p.peek(1).Kind == tRParen) {
		t := p.advance()
		return &StarExpr{Star: t.Pos}
	}
	return p.parseSearchOr()
}

func (p *parser) parseSearchOr() Expr {
	x := p.parseSearchAnd()
	for p.isWord("or") {
		pos := p.advance().Pos
		x = &BinaryExpr{X: x, OpPos: pos, Op: "or", Y: p.parseSearchAnd()}
	}
	return x
}

func (p *parser) parseSearchAnd() Expr {
	x := p.parseSearchTerm()
	for p.isWord("and") {
		pos := p.advance().Pos
		x = &BinaryExpr{X: x, OpPos: pos, Op: "and", Y: p.parseSearchTerm()}
	}
	return x
}

func (p *parser) parseSearchTerm() Expr {
	if p.tok().Kind == tIdent && p.peek(1).Kind == tColon && p.peek(2).Kind == tString {
		id := p.parseIdent("")
		pos := p.advance().Pos
		s := p.advance()
		return &BinaryExpr{X: id, OpPos: pos, Op: ":", Y: &BasicLit{ValuePos: s.Pos, Kind: LitString, Value: s.Text}}
	}
	return p.parseCompare(false)
}

func (o *SearchOp) format(pr *printer) {
	pr.ws("search ")
	pr.options(o.Opts)
	if len(o.Tables) > 0 {
		pr.ws("in (")
		pr.tables(o.Tables)
		pr.ws(") ")
	}
	pr.expr(o.Pred)
}

// checkSearch filters rows by a search predicate. Without an input it
// searches the tables named by in (...) or every table, adding a $table
// column with each row's table name.
func (c *checker) checkSearch(o *SearchOp, in Rel, e *env) Rel {
	cs := false
	if k, ok := optionValue(o.Opts, "kind"); ok {
		switch k {
		case "case_sensitive":
			cs = true
		case "case_insensitive", "default":
		default:
			c.errorf(o.Pos(), "search kind must be case_sensitive or case_insensitive, got '%s'", k)
			return nil
		}
	}
	if in == nil {
		var tables []Expr
		if len(o.Tables) > 0 {
			tables = o.Tables
		} else {
			for _, n := range sortedTableNames(c.cat) {
				tables = append(tables, &Ident{NamePos: o.Pos(), Name: n})
			}
		}
		u := &UnionOp{OpPos: o.Pos(), Opts: []*OptionArg{{Name: "withsource", Value: "$table"}}, Tables: tables}
		in = c.checkUnion(u, nil, e)
		if in == nil {
			return nil
		}
	}
	sc := newScope(in)
	pred := c.searchPred(o.Pred, sc, e, cs)
	if pred == nil {
		return nil
	}
	return &Filter{In: in, Pred: pred}
}

func (c *checker) searchPred(x Expr, sc *scope, e *env, cs bool) Scalar {
	switch x := x.(type) {
	case *StarExpr:
		return constBool(true)
	case *BasicLit:
		if x.Kind == LitString {
			var ors Scalar
			for _, col := range sc.cols {
				if col.Name == BagColumn || col.Type != TString && col.Type != TDynamic {
					continue
				}
				term := searchTerm(&ColRef{Name: col.Name, T: col.Type}, x.Value, cs)
				if ors == nil {
					ors = term
				} else {
					ors = &Call{Fn: "or", Args: []Scalar{ors, term}, T: TBool}
				}
			}
			if ors == nil {
				return constBool(false)
			}
			return ors
		}
	case *BinaryExpr:
		switch x.Op {
		case ":":
			id, ok := x.X.(*Ident)
			lit, ok2 := x.Y.(*BasicLit)
			if !ok || !ok2 {
				break
			}
			col, found := sc.lookup(id.Name)
			if !found {
				c.unknownName(id, sc, e)
				return nil
			}
			return searchTerm(&ColRef{Name: col.Name, T: col.Type}, lit.Value, cs)
		case "and", "or":
			l := c.searchPred(x.X, sc, e, cs)
			r := c.searchPred(x.Y, sc, e, cs)
			if l == nil || r == nil {
				return nil
			}
			return &Call{Fn: x.Op, Args: []Scalar{l, r}, T: TBool}
		}
	case *CallExpr:
		if x.Fun.Name == "not" && len(x.Args) == 1 {
			v := c.searchPred(x.Args[0], sc, e, cs)
			if v == nil {
				return nil
			}
			return &Call{Fn: "not", Args: []Scalar{v}, T: TBool}
		}
	case *ParenExpr:
		return c.searchPred(x.X, sc, e, cs)
	}
	v := c.scalar(x, sc, e)
	if v != nil && v.Type() != TBool && !v.Type().IsDynamic() {
		c.errorf(x.Pos(), "search needs a bool predicate or a string term, got %s", v.Type())
		return nil
	}
	return v
}

// searchTerm is one term of search: "x" means has, "*x*" contains, "x*"
// hasprefix, "*x" hassuffix.
func searchTerm(col Scalar, term string, cs bool) Scalar {
	op := "has"
	lead, trail := strings.HasPrefix(term, "*"), strings.HasSuffix(term, "*") && len(term) > 1
	t := strings.Trim(term, "*")
	switch {
	case lead && trail:
		op = "contains"
	case trail:
		op = "hasprefix"
	case lead:
		op = "hassuffix"
	}
	if cs {
		op += "_cs"
	}
	return &Call{Fn: op, Args: []Scalar{asString(col), constString(t)}, T: TBool}
}
