package filter

import "wsec/internal/event"

// evalFn is a compiled boolean expression evaluated at context node ctx.
// now is the clock reading for timediff(), in Unix nanoseconds.
type evalFn func(e *event.Event, now int64, ctx node) bool

// visitFn receives each node a path selects; returning true stops the walk
// (the existential "some node satisfies" of XPath node-set comparisons).
type visitFn func(e *event.Event, now int64, n node) bool

// cstep is a compiled location step.
type cstep struct {
	attr bool   // attribute axis
	a    attr   // the attribute; aNone with attr means @*
	text bool   // text()
	name string // child name test for dynamically named (UserData) elements; "" = *
	// dataName, when set, is a leading [@Name='...'] predicate of a Data
	// step, applied as a plain string test instead of a compiled predicate.
	dataName string
	kinds    kindSet
	// single: the step yields at most one node, of kind one (child steps),
	// so the path can be evaluated without a callback.
	single bool
	one    kind
	preds  []evalFn
}

// cpath is a compiled relative location path.
type cpath struct {
	steps  []cstep
	direct bool    // every step is single: use node(), not walk()
	result kindSet // kinds the path can select
	isAttr bool    // it selects attributes
}

// node evaluates a direct path: the one node it selects, if any.
func (p *cpath) node(e *event.Event, now int64, ctx node) (node, bool) {
	n := ctx
	for i := range p.steps {
		s := &p.steps[i]
		switch {
		case s.attr:
			n.attr = s.a
			if _, ok := valueOf(e, n); !ok {
				return n, false
			}
		case s.text:
			if !textNonEmpty(e, n) {
				return n, false
			}
		default:
			if !exists(e, s.one) || (s.one == kUDWrap && s.name != "" && e.UserDataName != s.name) {
				return n, false
			}
			n = node{kind: s.one}
		}
		n.pos = 1
		for _, pr := range s.preds {
			if !pr(e, now, n) {
				return n, false
			}
		}
	}
	return n, true
}

// some compiles "some node the path selects from the context satisfies
// test": node() for a direct path, walk() otherwise.
func (p *cpath) some(test visitFn) evalFn {
	if p.direct {
		return func(e *event.Event, now int64, ctx node) bool {
			n, ok := p.node(e, now, ctx)
			return ok && test(e, now, n)
		}
	}
	return func(e *event.Event, now int64, ctx node) bool { return p.walk(0, e, now, ctx, test) }
}

// walk calls visit for the nodes steps[i:] select from ctx, until visit
// returns true.
func (p *cpath) walk(i int, e *event.Event, now int64, ctx node, visit visitFn) bool {
	if i == len(p.steps) {
		return visit(e, now, ctx)
	}
	s := &p.steps[i]
	var cnt [maxStepPredicates]int32
	if s.attr {
		if s.a != aNone {
			n := ctx
			n.attr = s.a
			if _, ok := valueOf(e, n); ok {
				return p.try(i, &cnt, e, now, n, visit)
			}
			return false
		}
		for a := aName; a < numAttrs; a++ {
			if !attrOf(ctx.kind, a) {
				continue
			}
			n := ctx
			n.attr = a
			if _, ok := valueOf(e, n); ok && p.try(i, &cnt, e, now, n, visit) {
				return true
			}
		}
		return false
	}
	if s.text {
		return textNonEmpty(e, ctx) && p.try(i, &cnt, e, now, ctx, visit)
	}
	switch ctx.kind {
	case kRoot:
		return s.kinds.has(kEvent) && p.try(i, &cnt, e, now, node{kind: kEvent}, visit)
	case kEvent:
		for _, k := range [...]kind{kSystem, kEventData, kUserData} {
			if s.kinds.has(k) && exists(e, k) && p.try(i, &cnt, e, now, node{kind: k}, visit) {
				return true
			}
		}
	case kSystem:
		for k := kProvider; k <= kSecurity; k++ {
			if s.kinds.has(k) && p.try(i, &cnt, e, now, node{kind: k}, visit) {
				return true
			}
		}
	case kEventData:
		if s.kinds.has(kData) {
			for j := range e.Data {
				if s.dataName != "" && e.Data[j].Name != s.dataName {
					continue
				}
				if p.try(i, &cnt, e, now, node{kind: kData, idx: int32(j)}, visit) {
					return true
				}
			}
		}
		if s.kinds.has(kBinary) && e.Binary != "" {
			return p.try(i, &cnt, e, now, node{kind: kBinary}, visit)
		}
	case kUserData:
		if e.UserDataName != "" && (s.name == "" || s.name == e.UserDataName) {
			return p.try(i, &cnt, e, now, node{kind: kUDWrap}, visit)
		}
	case kUDWrap:
		for j := range e.Data {
			seg, more, _ := segment(e.Data[j].Name, 0)
			if more && j > 0 && sameParent(e.Data[j-1].Name, e.Data[j].Name, 0) {
				continue // same element as the previous field's
			}
			if (s.name == "" || s.name == seg) && p.try(i, &cnt, e, now, node{kind: kUDElem, idx: int32(j)}, visit) {
				return true
			}
		}
	case kUDElem:
		parent := e.Data[ctx.idx].Name
		d := ctx.depth
		for j := int(ctx.idx); j < len(e.Data); j++ {
			name := e.Data[j].Name
			if !sameParent(parent, name, d) {
				break
			}
			seg, more, _ := segment(name, d+1)
			if more && j > int(ctx.idx) && sameParent(e.Data[j-1].Name, name, d+1) {
				continue
			}
			if (s.name == "" || s.name == seg) && p.try(i, &cnt, e, now, node{kind: kUDElem, idx: int32(j), depth: d + 1}, visit) {
				return true
			}
		}
	}
	return false
}

// try applies step i's predicates to candidate n, each predicate seeing n's
// position among the candidates that passed the predicates before it, and
// walks on from n when all hold.
func (p *cpath) try(i int, cnt *[maxStepPredicates]int32, e *event.Event, now int64, n node, visit visitFn) bool {
	for k, pr := range p.steps[i].preds {
		cnt[k]++
		n.pos = cnt[k]
		if !pr(e, now, n) {
			return false
		}
	}
	return p.walk(i+1, e, now, n, visit)
}

// textNonEmpty reports whether n has a text node child: a leaf with
// non-empty text.
func textNonEmpty(e *event.Event, n node) bool {
	if n.attr != aNone || !hasText(n.kind) {
		return false
	}
	v, ok := valueOf(e, n)
	if !ok {
		return false
	}
	switch v.kind {
	case vStr, vFold:
		return v.s != ""
	}
	return true
}
