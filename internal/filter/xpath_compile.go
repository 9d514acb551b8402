package filter

import (
	"strings"

	"wsec/internal/event"
)

// compiler turns the AST into evalFn closures once per query. Everything a
// match needs (resolved element kinds, parsed literals, bitmaps) is computed
// here, so matching an event only reads its fields: no XML, no parsing, no
// allocation.
type compiler struct {
	src     string
	usesNow bool
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

// staticExists compiles the existence test of a path through elements
// every event has (Event, System, System's children), such as the
// "*[System[...]]" that wraps nearly every query: the nodes are known at
// compile time, so only the predicates run.
func staticExists(p *cpath) (evalFn, bool) {
	type bound struct {
		fn evalFn
		n  node
	}
	var preds []bound
	for i := range p.steps {
		s := &p.steps[i]
		k, one := s.kinds.only()
		if s.attr || s.text || !one || !(k == kEvent || k == kSystem || isSystemChild(k)) {
			return nil, false
		}
		for _, f := range s.preds {
			preds = append(preds, bound{f, node{kind: k, pos: 1}})
		}
	}
	switch len(preds) {
	case 0:
		return constFn(true), true
	case 1:
		f, n := preds[0].fn, preds[0].n
		return func(e *event.Event, now int64, _ node) bool { return f(e, now, n) }, true
	}
	return func(e *event.Event, now int64, _ node) bool {
		for _, b := range preds {
			if !b.fn(e, now, b.n) {
				return false
			}
		}
		return true
	}, true
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
		if x.or {
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
		if f, ok := staticExists(p); ok {
			return f, nil
		}
		if p.direct {
			return func(e *event.Event, now int64, n node) bool {
				_, ok := p.node(e, now, n)
				return ok
			}, nil
		}
		return func(e *event.Event, now int64, n node) bool { return p.walk(0, e, now, n, visitAny) }, nil
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

// operand classifies one side of a comparison.
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

// pathCompare is XPath's node-set comparison: true when some selected node's
// value compares true.
func pathCompare(p *cpath, op tokKind, lit *literal, ctx kindSet) evalFn {
	if s := &p.steps[0]; ctx == kinds(kEventData) && len(p.steps) == 1 && s.kinds == kinds(kData) && len(s.preds) == 0 {
		return dataCompare(s.dataName, op, lit)
	}
	if p.direct {
		if k, ok := p.result.only(); ok && len(p.steps) == 1 && !p.isAttr && len(p.steps[0].preds) == 0 && isSystemChild(k) {
			return systemCompare(k, op, lit)
		}
		if s := &p.steps[0]; len(p.steps) == 1 && s.attr && len(s.preds) == 0 {
			// "@Attr op literal" on the context node.
			a := s.a
			return func(e *event.Event, _ int64, ctx node) bool {
				ctx.attr = a
				v, ok := valueOf(e, ctx)
				return ok && cmpValue(op, v, lit)
			}
		}
		return func(e *event.Event, now int64, ctx node) bool {
			n, ok := p.node(e, now, ctx)
			if !ok {
				return false
			}
			v, ok := valueOf(e, n)
			return ok && cmpValue(op, v, lit)
		}
	}
	visit := func(e *event.Event, _ int64, n node) bool {
		v, ok := valueOf(e, n)
		return ok && cmpValue(op, v, lit)
	}
	return func(e *event.Event, now int64, ctx node) bool { return p.walk(0, e, now, ctx, visit) }
}

// dataCompare is the hot case "EventData[Data[@Name='X'] op literal]" (or
// any Data, without a name): one loop over the fields.
func dataCompare(name string, op tokKind, lit *literal) evalFn {
	if op == tEq && !lit.isNum {
		want := lit.str
		return func(e *event.Event, _ int64, _ node) bool {
			for i := range e.Data {
				if (name == "" || e.Data[i].Name == name) && e.Data[i].Value == want {
					return true
				}
			}
			return false
		}
	}
	return func(e *event.Event, _ int64, _ node) bool {
		for i := range e.Data {
			if (name == "" || e.Data[i].Name == name) && cmpValue(op, value{s: e.Data[i].Value}, lit) {
				return true
			}
		}
		return false
	}
}

// systemCompare is the hot case "System[Field op literal]": one field read
// and one comparison, no walk.
func systemCompare(k kind, op tokKind, lit *literal) evalFn {
	if k == kEventID && lit.n.exact && (lit.isNum || !isNaN(lit.n)) {
		id := lit.n.u
		switch op {
		case tEq:
			return func(e *event.Event, _ int64, _ node) bool { return uint64(e.System.EventID) == id }
		case tNe:
			return func(e *event.Event, _ int64, _ node) bool { return uint64(e.System.EventID) != id }
		}
	}
	return func(e *event.Event, _ int64, _ node) bool {
		v, _ := valueOf(e, node{kind: k})
		return cmpValue(op, v, lit)
	}
}

// foldEventIDs turns the "EventID=a or EventID=b or ..." terms of an or
// inside System[...] (the form Event Viewer and the DCR portal generate)
// into one bitmap test. It returns the remaining terms.
func (c *compiler) foldEventIDs(terms []expr, cx cctx) (evalFn, []expr) {
	if cx.kinds != kinds(kSystem) {
		return nil, terms
	}
	var ids []uint16
	var rest []expr
	for _, t := range terms {
		if id, ok := eventIDTerm(t); ok {
			ids = append(ids, id)
			continue
		}
		rest = append(rest, t)
	}
	if len(ids) < 3 {
		return nil, terms
	}
	var bm [1 << 16 / 64]uint64
	for _, id := range ids {
		bm[id/64] |= 1 << (id % 64)
	}
	return func(e *event.Event, _ int64, _ node) bool {
		id := e.System.EventID
		return bm[id/64]&(1<<(id%64)) != 0
	}, rest
}

// eventIDTerm matches "EventID = N" (either order, N in range).
func eventIDTerm(x expr) (uint16, bool) {
	cmp, ok := x.(*cmpExpr)
	if !ok || cmp.op != tEq {
		return 0, false
	}
	path, lit := cmp.l, cmp.r
	if _, isPath := path.(*pathExpr); !isPath {
		path, lit = lit, path
	}
	p, ok := path.(*pathExpr)
	if !ok || len(p.steps) != 1 {
		return 0, false
	}
	s := p.steps[0]
	if s.attr || s.text || s.name != "EventID" || len(s.preds) != 0 {
		return 0, false
	}
	var n num
	switch l := lit.(type) {
	case *numLit:
		if l.neg {
			return 0, false
		}
		n = parseNum(l.text)
	case *strLit:
		n = parseNum(l.val)
	default:
		return 0, false
	}
	if !n.exact || n.u > 0xFFFF {
		return 0, false
	}
	return uint16(n.u), true
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
	if k, ok := p.result.only(); ok && k == kKeywords && p.direct && len(p.steps) == 1 && len(p.steps[0].preds) == 0 {
		return func(e *event.Event, _ int64, _ node) bool { return e.System.Keywords&mask != 0 }, nil
	}
	test := func(e *event.Event, n node) bool {
		v, ok := valueOf(e, n)
		if !ok {
			return false
		}
		nv := numOf(v)
		return nv.exact && nv.u&mask != 0
	}
	if p.direct {
		return func(e *event.Event, now int64, ctx node) bool {
			n, ok := p.node(e, now, ctx)
			return ok && test(e, n)
		}, nil
	}
	visit := func(e *event.Event, _ int64, n node) bool { return test(e, n) }
	return func(e *event.Event, now int64, ctx node) bool { return p.walk(0, e, now, ctx, visit) }, nil
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
		return cmpNum(op, num{f: float64(to-from) / 1e6}, num{f: ms})
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
	test := func(e *event.Event, now int64, n node) bool {
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
	}
	if p.direct {
		return func(e *event.Event, now int64, ctx node) bool {
			n, ok := p.node(e, now, ctx)
			return ok && test(e, now, n)
		}, nil
	}
	return func(e *event.Event, now int64, ctx node) bool { return p.walk(0, e, now, ctx, test) }, nil
}

// path compiles a relative location path from a context of kinds cx.kinds,
// resolving every name against the event schema so typos fail here.
func (c *compiler) path(x *pathExpr, cx cctx) (*cpath, *Error) {
	p := &cpath{direct: true}
	cur := cx.kinds
	for i, st := range x.steps {
		if i > 0 {
			prev := x.steps[i-1]
			if prev.attr {
				return nil, c.errAt(st.off, "an attribute has no children")
			}
			if prev.text {
				return nil, c.errAt(st.off, "text() has no children")
			}
		}
		cs := cstep{attr: st.attr, text: st.text, name: st.name}
		switch {
		case st.attr:
			a, err := c.attribute(st, cur)
			if err != nil {
				return nil, err
			}
			cs.a, cs.kinds = a, cur
			if a == aNone {
				p.direct = false
			}
			p.isAttr = true
		case st.text:
			var tk kindSet
			cur.each(func(k kind) {
				if hasText(k) {
					tk |= kinds(k)
				}
			})
			if tk == 0 {
				k := cur.first()
				return nil, c.errAt(st.off, "%s has no text", k.name())
			}
			cs.kinds = tk
		default:
			next, err := c.children(st, cur)
			if err != nil {
				return nil, err
			}
			cs.kinds = next
			_, oneCtx := cur.only()
			k, oneKind := next.only()
			cs.single = oneCtx && oneKind && k != kData && k != kUDElem
			cs.one = k
			if !cs.single {
				p.direct = false
			}
		}
		preds := st.preds
		if cs.kinds == kinds(kData) && len(preds) > 0 {
			if name, ok := nameTest(preds[0]); ok {
				cs.dataName, preds = name, preds[1:]
			}
		}
		for _, pr := range preds {
			if st.attr {
				return nil, c.errAt(pr.offset(), "predicates on attributes are not supported")
			}
			f, err := c.boolExpr(pr, cctx{kinds: cs.kinds, inStep: true})
			if err != nil {
				return nil, err
			}
			cs.preds = append(cs.preds, f)
		}
		p.steps = append(p.steps, cs)
		cur = cs.kinds
	}
	p.result = cur
	return p, nil
}

// nameTest matches the predicate [@Name='literal'] (either order).
func nameTest(x expr) (string, bool) {
	c, ok := x.(*cmpExpr)
	if !ok || c.op != tEq {
		return "", false
	}
	p, lit := c.l, c.r
	if _, isPath := p.(*pathExpr); !isPath {
		p, lit = lit, p
	}
	path, ok := p.(*pathExpr)
	s, isStr := lit.(*strLit)
	if !ok || !isStr || len(path.steps) != 1 {
		return "", false
	}
	st := path.steps[0]
	if !st.attr || st.name != "Name" || len(st.preds) != 0 || s.val == "" {
		return "", false
	}
	return s.val, true
}

// children resolves a child step's name test against the schema.
func (c *compiler) children(st step, cur kindSet) (kindSet, *Error) {
	var next kindSet
	var fixed []string // the fixed child names of cur, for the error message
	cur.each(func(k kind) {
		switch k {
		case kRoot:
			if st.name == "" || st.name == "Event" {
				next |= kinds(kEvent)
			}
		case kEvent:
			for _, ck := range [...]kind{kSystem, kEventData, kUserData} {
				fixed = append(fixed, ck.name())
				if st.name == "" || st.name == ck.name() {
					next |= kinds(ck)
				}
			}
		case kSystem:
			for ck := kProvider; ck <= kSecurity; ck++ {
				fixed = append(fixed, ck.name())
				if st.name == "" || st.name == ck.name() {
					next |= kinds(ck)
				}
			}
		case kEventData:
			for _, ck := range [...]kind{kData, kBinary} {
				fixed = append(fixed, ck.name())
				if st.name == "" || st.name == ck.name() {
					next |= kinds(ck)
				}
			}
		case kUserData:
			next |= kinds(kUDWrap)
		case kUDWrap, kUDElem:
			next |= kinds(kUDElem)
		}
	})
	if next != 0 {
		return next, nil
	}
	if cur.has(kRoot) {
		return 0, c.errAt(st.off, "the query must select events: a query starts with * or Event, not %q", st.name)
	}
	if len(fixed) == 0 {
		if k, one := cur.only(); one {
			return 0, c.errAt(st.off, "%s has no child elements", k.name())
		}
		return 0, c.errAt(st.off, "element %q does not exist here: none of the elements * selects has child elements", st.name)
	}
	name := st.name
	for _, f := range fixed {
		if strings.EqualFold(f, name) {
			return 0, c.errAt(st.off, "element %q does not exist here: did you mean %q? (names are case-sensitive)", name, f)
		}
	}
	return 0, c.errAt(st.off, "element %q does not exist here (possible: %s)", name, strings.Join(fixed, ", "))
}

// attribute resolves an attribute step against the schema.
func (c *compiler) attribute(st step, cur kindSet) (attr, *Error) {
	var valid, ud bool
	var on []string
	a := attrByName(st.name)
	cur.each(func(k kind) {
		if k == kUDWrap || k == kUDElem {
			ud = true
		}
		if as := attrsOf(k); as != "" {
			on = append(on, k.name()+" has "+as)
		}
		if st.name == "" {
			valid = valid || attrsOf(k) != ""
		} else if attrOf(k, a) {
			valid = true
		}
	})
	if valid {
		return a, nil
	}
	if ud {
		return aNone, c.errAt(st.off, "attributes of UserData elements are not kept by wsec's event model")
	}
	shown := "@" + st.name
	if st.name == "" {
		shown = "@*"
	}
	if len(on) == 0 {
		k := cur.first()
		return aNone, c.errAt(st.off, "attribute %s does not exist here: %s has no attributes", shown, k.name())
	}
	for k := aName; k < numAttrs; k++ {
		if strings.EqualFold(k.String(), st.name) {
			return aNone, c.errAt(st.off, "attribute %s does not exist here: did you mean @%s? (names are case-sensitive)", shown, k)
		}
	}
	return aNone, c.errAt(st.off, "attribute %s does not exist here (%s)", shown, strings.Join(on, "; "))
}
