package filter

// Specialised matchers for the query shapes DCRs are made of. Each is
// equivalent to the general path walk (TestFastPathsMatchGeneral compiles
// every test query both ways and compares) but reads the event directly.

import "wsec/internal/event"

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
	}
	return p.some(compareNode(op, lit))
}

// walkCompare is the general node-set comparison, for checking the
// specialised ones: walk the path (direct or not), compare each node's value.
func walkCompare(p *cpath, op tokKind, lit *literal) evalFn {
	visit := compareNode(op, lit)
	return func(e *event.Event, now int64, ctx node) bool { return p.walk(0, e, now, ctx, visit) }
}

// compareNode tests a selected node's value against lit.
func compareNode(op tokKind, lit *literal) visitFn {
	return func(e *event.Event, _ int64, n node) bool {
		v, ok := valueOf(e, n)
		return ok && cmpValue(op, v, lit)
	}
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
