package filter

// The functions of the Windows subset: band, timediff, position.

import "wsec/internal/event"

func callExample(name string) string {
	if name == "timediff" {
		return "timediff(@SystemTime) <= 86400000"
	}
	return "position()=1"
}

// checkCall rejects functions outside the Windows subset and wrong arity.
func (c *compiler) checkCall(x *callExpr) *Error {
	switch x.name {
	case "band":
		if len(x.args) != 2 {
			return c.errAt(x.off, "band() takes 2 arguments, got %d", len(x.args))
		}
	case "timediff":
		if len(x.args) != 1 && len(x.args) != 2 {
			return c.errAt(x.off, "timediff() takes 1 or 2 arguments, got %d", len(x.args))
		}
	case "position":
		if len(x.args) != 0 {
			return c.errAt(x.off, "position() takes no arguments, got %d", len(x.args))
		}
	case "not":
		return c.errAt(x.off, `function "not" is not supported (supported: band, position, timediff); use != or a <Suppress> element of a QueryList`)
	default:
		return c.errAt(x.off, "function %q is not supported (supported: band, position, timediff)", x.name)
	}
	return nil
}

// band compiles band(a, b): true when the bitwise AND of two integers is
// non-zero. One argument is a path (Keywords), the other an integer.
func (c *compiler) band(x *callExpr, cx cctx) (evalFn, *Error) {
	if err := c.checkCall(x); err != nil {
		return nil, err
	}
	var masks [2]uint64
	var paths [2]*cpath
	for i, a := range x.args {
		switch a := a.(type) {
		case *numLit, *strLit:
			lit, _, err := c.literalOf(a)
			if err != nil {
				return nil, err
			}
			if !lit.n.exact {
				return nil, c.errAt(a.offset(), "band() needs integers from 0 to 18446744073709551615, got %s", lit.str)
			}
			masks[i] = lit.n.u
		case *pathExpr:
			p, err := c.path(a, cx)
			if err != nil {
				return nil, err
			}
			paths[i] = p
		default:
			return nil, c.errAt(a.offset(), "band() takes a path (such as Keywords) and an integer")
		}
	}
	switch {
	case paths[0] == nil && paths[1] == nil:
		return constFn(masks[0]&masks[1] != 0), nil
	case paths[0] != nil && paths[1] != nil:
		return nil, c.errAt(x.off, "band() of two paths is not supported: one argument must be an integer")
	}
	p, mask := paths[0], masks[1]
	if p == nil {
		p, mask = paths[1], masks[0]
	}
	if k, ok := p.result.only(); ok && !c.general && k == kKeywords && p.direct && len(p.steps) == 1 && len(p.steps[0].preds) == 0 {
		return func(e *event.Event, _ int64, _ node) bool { return e.System.Keywords&mask != 0 }, nil
	}
	return p.some(func(e *event.Event, _ int64, n node) bool {
		v, ok := valueOf(e, n)
		if !ok {
			return false
		}
		nv := numOf(v)
		return nv.exact && nv.u&mask != 0
	}), nil
}

// timediff compiles "timediff(a[, b]) op lit": the milliseconds from a to b
// (b defaults to now), a and b being @SystemTime or time literals.
func (c *compiler) timediff(x *callExpr, op tokKind, lit literal, cx cctx) (evalFn, *Error) {
	if !lit.isNum && isNaN(lit.n) {
		return nil, c.errAt(x.off, "timediff() is compared with milliseconds, got '%s'", lit.str)
	}
	var times [2]int64
	var paths [2]*cpath
	for i, a := range x.args {
		switch a := a.(type) {
		case *strLit:
			t, ok := parseTime(a.val)
			if !ok {
				return nil, c.errAt(a.off, "timediff() needs a time such as '2024-05-01T00:00:00.000Z', got '%s'", a.val)
			}
			times[i] = t
		case *pathExpr:
			p, err := c.path(a, cx)
			if err != nil {
				return nil, err
			}
			if !p.isAttr || p.steps[len(p.steps)-1].a != aSystemTime {
				return nil, c.errAt(a.off, "timediff() takes @SystemTime (of TimeCreated) or a time literal")
			}
			paths[i] = p
		default:
			return nil, c.errAt(a.offset(), "timediff() takes @SystemTime (of TimeCreated) or a time literal")
		}
	}
	if paths[0] != nil && paths[1] != nil {
		return nil, c.errAt(x.off, "timediff() of two paths is not supported: one argument must be a time literal")
	}
	nowArg := len(x.args) == 1
	if nowArg {
		c.usesNow = true
	}
	ms := lit.n.f
	// span compares the milliseconds from..to with the literal.
	span := func(from, to int64) bool {
		return cmpOrdered(op, float64(to-from)/1e6, ms)
	}
	p := paths[0]
	if p == nil {
		p = paths[1]
	}
	if p == nil {
		if nowArg {
			from := times[0]
			return func(_ *event.Event, now int64, _ node) bool { return span(from, now) }, nil
		}
		return constFn(span(times[0], times[1])), nil
	}
	// t is the event's time; the other end is now, or the literal.
	first := paths[0] != nil
	other := times[1]
	if !first {
		other = times[0]
	}
	return p.some(func(e *event.Event, now int64, n node) bool {
		v, ok := valueOf(e, n)
		if !ok || v.kind != vTime {
			return false
		}
		switch {
		case nowArg:
			return span(v.t, now)
		case first:
			return span(v.t, other)
		}
		return span(other, v.t)
	}), nil
}
