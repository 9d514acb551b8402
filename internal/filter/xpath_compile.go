package filter

import "wsec/internal/event"

// compiler turns the AST into evalFn closures once per query. Everything a
// match needs (resolved element kinds, parsed literals, bitmaps) is computed
// here, so matching an event only reads its fields: no XML, no parsing, no
// allocation.
type compiler struct {
	src     string
	usesNow bool
	// general disables the specialised matchers of xpath_fast.go, so tests
	// can check them against the general path walk.
	general bool
}

// cctx is what the compiler knows about a context node.
type cctx struct {
	kinds  kindSet
	inStep bool // inside a step predicate, where position() is defined
}

func (c *compiler) errAt(off int, format string, args ...any) *Error {
	return errorAt(c.src, off, format, args...)
}

// top compiles a whole query. Windows requires a query to select events:
// "*" or "Event" paths combined with and/or.
func (c *compiler) top(x expr) (evalFn, *Error) {
	switch x := x.(type) {
	case *logicExpr:
		fns := make([]evalFn, len(x.terms))
		for i, t := range x.terms {
			f, err := c.top(t)
			if err != nil {
				return nil, err
			}
			fns[i] = f
		}
		return logic(x.or, fns), nil
	case *pathExpr:
		return c.boolExpr(x, cctx{kinds: kinds(kRoot)})
	}
	return nil, c.errAt(startOf(x), "the query must select events: expected a path starting with * or Event")
}

// startOf is the offset where x's text begins (a comparison's offset is
// its operator's).
func startOf(x expr) int {
	if c, ok := x.(*cmpExpr); ok {
		return min(startOf(c.l), startOf(c.r))
	}
	return x.offset()
}

func logic(or bool, fns []evalFn) evalFn {
	if len(fns) == 1 {
		return fns[0]
	}
	if len(fns) == 2 {
		a, b := fns[0], fns[1]
		if or {
			return func(e *event.Event, now int64, n node) bool { return a(e, now, n) || b(e, now, n) }
		}
		return func(e *event.Event, now int64, n node) bool { return a(e, now, n) && b(e, now, n) }
	}
	if or {
		return func(e *event.Event, now int64, n node) bool {
			for _, f := range fns {
				if f(e, now, n) {
					return true
				}
			}
			return false
		}
	}
	return func(e *event.Event, now int64, n node) bool {
		for _, f := range fns {
			if !f(e, now, n) {
				return false
			}
		}
		return true
	}
}

func constFn(b bool) evalFn {
	return func(*event.Event, int64, node) bool { return b }
}

func visitAny(*event.Event, int64, node) bool { return true }

// boolExpr compiles x in a boolean context.
func (c *compiler) boolExpr(x expr, cx cctx) (evalFn, *Error) {
	switch x := x.(type) {
	case *logicExpr:
		var fns []evalFn
		terms := x.terms
		if x.or && !c.general {
			var f evalFn
			f, terms = c.foldEventIDs(terms, cx)
			if f != nil {
				fns = append(fns, f)
			}
		}
		for _, t := range terms {
			f, err := c.boolExpr(t, cx)
			if err != nil {
				return nil, err
			}
			fns = append(fns, f)
		}
		return logic(x.or, fns), nil
	case *cmpExpr:
		return c.compare(x, cx)
	case *pathExpr:
		p, err := c.path(x, cx)
		if err != nil {
			return nil, err
		}
		if f, ok := staticExists(p); ok && !c.general {
			return f, nil
		}
		return p.some(visitAny), nil
	case *numLit:
		n, err := c.number(x)
		if err != nil {
			return nil, err
		}
		if cx.inStep {
			// XPath: a number as a predicate means position() = number.
			return func(_ *event.Event, _ int64, ctx node) bool {
				return cmpNum(tEq, numOfUint(uint64(ctx.pos)), n)
			}, nil
		}
		return constFn(n.f != 0 && !isNaN(n)), nil
	case *strLit:
		return constFn(x.val != ""), nil
	case *callExpr:
		switch x.name {
		case "band":
			return c.band(x, cx)
		case "position", "timediff":
			if err := c.checkCall(x); err != nil {
				return nil, err
			}
			return nil, c.errAt(x.off, "%s() returns a number: compare it, e.g. %s", x.name, callExample(x.name))
		}
		return nil, c.checkCall(x)
	}
	return nil, c.errAt(x.offset(), "unsupported expression")
}

// number converts a number literal.
func (c *compiler) number(x *numLit) (num, *Error) {
	n := parseNum(x.text)
	if isNaN(n) {
		return n, c.errAt(x.off, "malformed number %q", x.text)
	}
	if x.neg {
		n = num{f: -n.f}
		if n.f == 0 {
			n = numOfUint(0)
		}
	}
	return n, nil
}

// literalOf returns one side of a comparison as a literal when it is one.
func (c *compiler) literalOf(x expr) (literal, bool, *Error) {
	switch x := x.(type) {
	case *strLit:
		return newStrLit(x.val), true, nil
	case *numLit:
		n, err := c.number(x)
		if err != nil {
			return literal{}, false, err
		}
		return newNumLit(n), true, nil
	}
	return literal{}, false, nil
}

func (c *compiler) compare(x *cmpExpr, cx cctx) (evalFn, *Error) {
	ll, lIsLit, err := c.literalOf(x.l)
	if err != nil {
		return nil, err
	}
	rl, rIsLit, err := c.literalOf(x.r)
	if err != nil {
		return nil, err
	}
	op := x.op
	switch {
	case lIsLit && rIsLit:
		return constFn(cmpLiterals(op, &ll, &rl)), nil
	case rIsLit:
		return c.compareTo(x.l, op, rl, cx)
	case lIsLit:
		return c.compareTo(x.r, flip(op), ll, cx)
	}
	// Neither side is a literal.
	for _, side := range []expr{x.l, x.r} {
		if err := c.rejectBoolean(side); err != nil {
			return nil, err
		}
	}
	return nil, c.errAt(x.off, "comparing two node-sets or function results is not supported: compare a path or function with a literal")
}

func (c *compiler) rejectBoolean(x expr) *Error {
	switch x := x.(type) {
	case *logicExpr, *cmpExpr:
		return c.errAt(x.offset(), "comparing a boolean expression is not supported")
	case *callExpr:
		if err := c.checkCall(x); err != nil {
			return err
		}
		if x.name == "band" {
			return c.errAt(x.off, "band() is a boolean test and cannot be compared: use it on its own")
		}
	}
	return nil
}

// cmpLiterals folds a comparison of two literals, with XPath's rules.
func cmpLiterals(op tokKind, l, r *literal) bool {
	if (op == tEq || op == tNe) && !l.isNum && !r.isNum {
		return (l.str == r.str) == (op == tEq)
	}
	return cmpNum(op, l.n, r.n)
}

// compareTo compiles "x op lit".
func (c *compiler) compareTo(x expr, op tokKind, lit literal, cx cctx) (evalFn, *Error) {
	switch x := x.(type) {
	case *pathExpr:
		p, err := c.path(x, cx)
		if err != nil {
			return nil, err
		}
		if !p.isAttr && p.result&^kinds(kRoot, kEvent, kSystem, kEventData, kUserData, kUDWrap) == 0 {
			k := p.result.first()
			return nil, c.errAt(x.off, "comparing %s with a value is not supported: it has child elements, compare one of them", k.name())
		}
		if c.general {
			return walkCompare(p, op, &lit), nil
		}
		return pathCompare(p, op, &lit, cx.kinds), nil
	case *callExpr:
		if err := c.checkCall(x); err != nil {
			return nil, err
		}
		switch x.name {
		case "position":
			if !cx.inStep {
				return nil, c.errAt(x.off, "position() is only defined inside a step predicate, e.g. Data[position()=1]")
			}
			n := lit.n
			return func(_ *event.Event, _ int64, ctx node) bool {
				return cmpNum(op, numOfUint(uint64(ctx.pos)), n)
			}, nil
		case "timediff":
			return c.timediff(x, op, lit, cx)
		}
		return nil, c.errAt(x.off, "band() is a boolean test and cannot be compared: use it on its own")
	}
	return nil, c.errAt(x.offset(), "comparing a boolean expression is not supported")
}
