package filter

import "strings"

// parser is a recursive-descent parser for the XPath 1.0 expression grammar,
// restricted to what the Windows event log accepts. Anything outside that
// subset is an *Error naming the construct at its position, rather than a
// query that would behave differently here than on Windows.
type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	nodes int
}

func parseXPath(src string, start int) (expr, *Error) {
	toks, err := lex(src, start)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	if t := p.peek(); t.kind == tLBrack {
		// "System![System[...]]", as in some published DCR samples.
		return nil, p.errAt(t.off, `a query starts with * or Event before its predicate: write "*[" here`)
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t)
	}
	return x, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(off int, format string, args ...any) *Error {
	return errorAt(p.src, off, format, args...)
}

// node counts one AST node against maxExprNodes.
func (p *parser) node(off int) *Error {
	p.nodes++
	if p.nodes > maxExprNodes {
		return p.errAt(off, "query has more than %d expressions", maxExprNodes)
	}
	return nil
}

func (p *parser) enter(off int) *Error {
	p.depth++
	if p.depth > maxNesting {
		return p.errAt(off, "query nests deeper than %d levels", maxNesting)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// isOp reports whether t is the operator name op ("and", "or").
func isOp(t token, op string) bool { return t.kind == tName && t.val == op }

func (p *parser) parseOr() (expr, *Error) {
	return p.parseLogic(true)
}

func (p *parser) parseLogic(or bool) (expr, *Error) {
	op := "and"
	sub := func() (expr, *Error) { return p.parseEquality() }
	if or {
		op = "or"
		sub = func() (expr, *Error) { return p.parseLogic(false) }
	}
	first, err := sub()
	if err != nil {
		return nil, err
	}
	if !isOp(p.peek(), op) {
		return first, nil
	}
	x := &logicExpr{or: or, terms: []expr{first}, off: first.offset()}
	for isOp(p.peek(), op) {
		t := p.next()
		if err := p.node(t.off); err != nil {
			return nil, err
		}
		term, err := sub()
		if err != nil {
			return nil, err
		}
		x.terms = append(x.terms, term)
	}
	return x, nil
}

func isEquality(k tokKind) bool   { return k == tEq || k == tNe }
func isRelational(k tokKind) bool { return k == tLt || k == tLe || k == tGt || k == tGe }

func (p *parser) parseEquality() (expr, *Error) {
	l, err := p.parseRelational()
	if err != nil {
		return nil, err
	}
	for isEquality(p.peek().kind) {
		t := p.next()
		if _, chained := l.(*cmpExpr); chained {
			return nil, p.errAt(t.off, "chained comparison %s is not supported: combine comparisons with and/or", t.kind)
		}
		if err := p.node(t.off); err != nil {
			return nil, err
		}
		r, err := p.parseRelational()
		if err != nil {
			return nil, err
		}
		l = &cmpExpr{op: t.kind, l: l, r: r, off: t.off}
	}
	return l, nil
}

func (p *parser) parseRelational() (expr, *Error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for isRelational(p.peek().kind) {
		t := p.next()
		if _, chained := l.(*cmpExpr); chained {
			return nil, p.errAt(t.off, "chained comparison %s is not supported: combine comparisons with and/or", t.kind)
		}
		if err := p.node(t.off); err != nil {
			return nil, err
		}
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if _, chained := r.(*cmpExpr); chained {
			return nil, p.errAt(t.off, "chained comparison %s is not supported: combine comparisons with and/or", t.kind)
		}
		l = &cmpExpr{op: t.kind, l: l, r: r, off: t.off}
	}
	return l, nil
}

func (p *parser) parseUnary() (expr, *Error) {
	t := p.peek()
	if t.kind == tMinus {
		if n := p.peekAt(1); n.kind == tNumber {
			p.next()
			p.next()
			if err := p.node(t.off); err != nil {
				return nil, err
			}
			return &numLit{text: n.val, neg: true, off: t.off}, nil
		}
		return nil, p.errAt(t.off, "arithmetic (unary minus) is not supported")
	}
	return p.parsePrimaryOrPath()
}

func (p *parser) parsePrimaryOrPath() (expr, *Error) {
	t := p.peek()
	if err := p.node(t.off); err != nil {
		return nil, err
	}
	var x expr
	switch t.kind {
	case tLParen:
		p.next()
		if err := p.enter(t.off); err != nil {
			return nil, err
		}
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.leave()
		if c := p.next(); c.kind != tRParen {
			return nil, p.expected(c, `")"`)
		}
		x = inner
	case tString:
		p.next()
		x = &strLit{val: t.val, off: t.off}
	case tNumber:
		p.next()
		x = &numLit{text: t.val, off: t.off}
	case tDollar:
		return nil, p.errAt(t.off, "variables ($name) are not supported")
	case tSlash:
		return nil, p.errAt(t.off, "absolute location paths are not supported: start the query with * or Event")
	case tSlash2:
		return nil, p.errAt(t.off, `"//" (the descendant axis) is not supported (supported axes: child, attribute)`)
	case tDot:
		return nil, p.errAt(t.off, `"." (the self axis) is not supported (supported axes: child, attribute)`)
	case tDot2:
		return nil, p.errAt(t.off, `".." (the parent axis) is not supported (supported axes: child, attribute)`)
	case tName:
		if n := p.peekAt(1); n.kind == tLParen && !isNodeTypeTest(t.val) {
			return p.parseCall()
		}
		return p.parsePath()
	case tStar, tAt:
		return p.parsePath()
	default:
		return nil, p.unexpected(t)
	}
	// A primary expression followed by a predicate or a path is an XPath
	// filter expression, which the Windows subset does not have.
	switch n := p.peek(); n.kind {
	case tLBrack:
		return nil, p.errAt(n.off, "a predicate on a parenthesized expression or literal is not supported")
	case tSlash, tSlash2:
		return nil, p.errAt(n.off, "a path after a parenthesized expression or literal is not supported")
	}
	return x, nil
}

func isNodeTypeTest(name string) bool {
	switch name {
	case "text", "node", "comment", "processing-instruction":
		return true
	}
	return false
}

func (p *parser) parseCall() (expr, *Error) {
	name := p.next()
	open := p.next() // "("
	if err := p.enter(open.off); err != nil {
		return nil, err
	}
	defer p.leave()
	c := &callExpr{name: name.val, off: name.off}
	if p.peek().kind == tRParen {
		p.next()
		return c, nil
	}
	for {
		arg, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, arg)
		switch t := p.next(); t.kind {
		case tComma:
			continue
		case tRParen:
			return c, nil
		default:
			return nil, p.expected(t, `"," or ")"`)
		}
	}
}

func (p *parser) parsePath() (expr, *Error) {
	path := &pathExpr{off: p.peek().off}
	for {
		s, err := p.parseStep()
		if err != nil {
			return nil, err
		}
		path.steps = append(path.steps, s)
		switch t := p.peek(); t.kind {
		case tSlash:
			p.next()
			continue
		case tSlash2:
			return nil, p.errAt(t.off, `"//" (the descendant axis) is not supported (supported axes: child, attribute)`)
		}
		return path, nil
	}
}

func (p *parser) parseStep() (step, *Error) {
	t := p.next()
	s := step{off: t.off}
	switch t.kind {
	case tAt:
		s.attr = true
		t = p.next()
	case tName:
		if n := p.peek(); n.kind == tColon2 {
			switch t.val {
			case "child":
			case "attribute":
				s.attr = true
			default:
				return s, p.errAt(t.off, "axis %q is not supported (supported axes: child, attribute)", t.val)
			}
			p.next()
			t = p.next()
		}
	}
	switch t.kind {
	case tStar:
		s.name = ""
	case tName:
		if n := p.peek(); n.kind == tColon {
			return s, p.errAt(t.off, "namespace prefix %q is not supported", t.val)
		}
		if p.peek().kind == tLParen {
			if t.val != "text" || s.attr {
				return s, p.errAt(t.off, "node test %s() is not supported (supported node tests: names, *, text())", t.val)
			}
			p.next()
			if c := p.next(); c.kind != tRParen {
				return s, p.expected(c, `")"`)
			}
			s.text = true
			break
		}
		if strings.Contains(t.val, ".") {
			return s, p.errAt(t.off, "%q is not an element or attribute name", t.val)
		}
		s.name = t.val
	case tDot, tDot2:
		return s, p.errAt(t.off, "%s steps are not supported (supported axes: child, attribute)", t.kind)
	default:
		return s, p.expected(t, "an element name, * or @attribute")
	}
	for p.peek().kind == tLBrack {
		open := p.next()
		if len(s.preds) == maxStepPredicates {
			return s, p.errAt(open.off, "more than %d predicates on one step", maxStepPredicates)
		}
		if err := p.enter(open.off); err != nil {
			return s, err
		}
		x, err := p.parseOr()
		if err != nil {
			return s, err
		}
		p.leave()
		if c := p.next(); c.kind != tRBrack {
			return s, p.expected(c, `"]"`)
		}
		s.preds = append(s.preds, x)
	}
	return s, nil
}

func (p *parser) expected(t token, what string) *Error {
	if t.kind == tEOF {
		return p.errAt(t.off, "expected %s, found end of query", what)
	}
	if e := p.unsupportedOp(t); e != nil {
		return e
	}
	return p.errAt(t.off, "expected %s, found %s", what, describe(t))
}

func (p *parser) unexpected(t token) *Error {
	if e := p.unsupportedOp(t); e != nil {
		return e
	}
	if t.kind == tEOF {
		return p.errAt(t.off, "unexpected end of query")
	}
	return p.errAt(t.off, "unexpected %s", describe(t))
}

// unsupportedOp explains operators that XPath has and the subset lacks.
func (p *parser) unsupportedOp(t token) *Error {
	switch t.kind {
	case tPipe:
		return p.errAt(t.off, `the union operator "|" is not supported: use "or"`)
	case tPlus, tMinus, tStar:
		return p.errAt(t.off, "arithmetic operator %s is not supported", t.kind)
	case tName:
		switch t.val {
		case "div", "mod":
			return p.errAt(t.off, "arithmetic operator %q is not supported", t.val)
		}
		if strings.EqualFold(t.val, "and") || strings.EqualFold(t.val, "or") {
			return p.errAt(t.off, "operator %q must be lowercase: %q", t.val, strings.ToLower(t.val))
		}
	}
	return nil
}

func describe(t token) string {
	switch t.kind {
	case tName:
		return `"` + t.val + `"`
	case tNumber:
		return "number " + t.val
	case tString:
		return "string '" + t.val + "'"
	}
	return t.kind.String()
}
