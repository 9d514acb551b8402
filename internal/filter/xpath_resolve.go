package filter

// Resolving location paths against the event schema at compile time.

import "strings"

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
		if cs.kinds == kinds(kData) && len(preds) > 0 && !c.general {
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
