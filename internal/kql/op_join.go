package kql

import (
	"fmt"

	"wsec/internal/suggest"
)

// JoinOp is `join [kind=K] [hints] Right on Conditions` and `lookup`. Each
// condition is a column name (same name on both sides), or
// $left.A == $right.B, or several of those joined with 'and'.
type JoinOp struct {
	OpPos  Pos
	Lookup bool
	Opts   []*OptionArg
	Right  Expr
	On     []Expr
}

func (o *JoinOp) Pos() Pos { return o.OpPos }
func (o *JoinOp) Name() string {
	if o.Lookup {
		return "lookup"
	}
	return "join"
}

func (p *parser) parseJoin(pos Pos, kw string) Operator {
	o := &JoinOp{OpPos: pos, Lookup: kw == "lookup", Opts: p.parseOptions("kind", "withsource")}
	if p.tok().Kind == tLParen {
		lp := p.advance().Pos
		x := p.parsePipeExpr()
		p.expect(tRParen, "to close the right side of '"+kw+"'")
		o.Right = &ParenExpr{Lparen: lp, X: x}
	} else {
		o.Right = p.parsePostfix(false)
	}
	if p.bad {
		return o
	}
	p.expectWord("on", "after the right side of '"+kw+"'")
	o.On = p.parseExprList()
	return o
}

func (o *JoinOp) format(pr *printer) {
	pr.ws(o.Name() + " ")
	pr.options(o.Opts)
	pr.expr(o.Right)
	pr.ws(" on ")
	pr.exprList(o.On)
}

var joinKinds = map[string]string{
	"innerunique": JoinInnerUnique, "inner": JoinInner, "leftouter": JoinLeftOuter, "rightouter": JoinRightOuter,
	"fullouter": JoinFullOuter, "leftanti": JoinLeftAnti, "anti": JoinLeftAnti, "leftantisemi": JoinLeftAnti,
	"rightanti": JoinRightAnti, "rightantisemi": JoinRightAnti, "leftsemi": JoinLeftSemi, "rightsemi": JoinRightSemi,
}

func (c *checker) checkJoin(o *JoinOp, left Rel, e *env) Rel {
	right := c.tabular(o.Right, e)
	if right == nil {
		return nil
	}
	kind := JoinInnerUnique
	if o.Lookup {
		kind = JoinLeftOuter
	}
	if k, ok := optionValue(o.Opts, "kind"); ok {
		kk, known := joinKinds[k]
		if !known || o.Lookup && kk != JoinInner && kk != JoinLeftOuter {
			pos := o.Opts[0].NamePos
			c.errorf(pos, "unknown %s kind '%s'", o.Name(), k)
			return nil
		}
		kind = kk
	}
	j := &Join{Left: left, Right: right, Kind: kind}
	ls, rs := newScope(left), newScope(right)
	sameName := map[string]bool{}
	for _, cond := range o.On {
		if !c.joinCond(cond, ls, rs, j, sameName) {
			return nil
		}
	}
	j.Cols = joinColumns(kind, ls.cols, rs.cols, o.Lookup, sameName)
	return j
}

// joinColumns lays out a join's output: left columns, then right columns
// renamed with a numeric suffix where they clash (Name1); anti and semi
// joins keep one side only. lookup leaves out the right key columns.
func joinColumns(kind string, lcols, rcols []Column, lookup bool, sameName map[string]bool) []JoinCol {
	var cols []JoinCol
	side := func(s int, src []Column) {
		for _, col := range src {
			cols = append(cols, JoinCol{Name: col.Name, Side: s, Src: col.Name, Type: col.Type})
		}
	}
	switch kind {
	case JoinLeftAnti, JoinLeftSemi:
		side(0, lcols)
		return cols
	case JoinRightAnti, JoinRightSemi:
		side(1, rcols)
		return cols
	}
	taken := map[string]bool{}
	leftOpen := false
	for _, col := range lcols {
		taken[col.Name] = true
		if col.Name == BagColumn {
			leftOpen = true
		}
	}
	side(0, lcols)
	for _, col := range rcols {
		if col.Name == BagColumn && leftOpen {
			continue
		}
		if lookup && sameName[col.Name] {
			continue
		}
		name := col.Name
		if col.Name != BagColumn {
			name = uniqueName(col.Name, taken)
		}
		taken[name] = true
		cols = append(cols, JoinCol{Name: name, Side: 1, Src: col.Name, Type: col.Type})
	}
	return cols
}

// joinCond adds the key pairs of one condition: Name, $left.A == $right.B,
// or several of those joined with 'and'.
func (c *checker) joinCond(x Expr, ls, rs *scope, j *Join, sameName map[string]bool) bool {
	switch x := unparen(x).(type) {
	case *Ident:
		l := c.sideCol(x, ls, "left")
		r := c.sideCol(x, rs, "right")
		if l == nil || r == nil {
			return false
		}
		sameName[x.Name] = true
		return c.addJoinKey(x.Pos(), l, r, j)
	case *BinaryExpr:
		switch x.Op {
		case "and":
			return c.joinCond(x.X, ls, rs, j, sameName) && c.joinCond(x.Y, ls, rs, j, sameName)
		case "==":
			a, aSide := sideRef(x.X)
			b, bSide := sideRef(x.Y)
			if a != nil && b != nil && aSide != bSide {
				if aSide == "$right" {
					a, b = b, a
				}
				l := c.sideCol(a, ls, "left")
				r := c.sideCol(b, rs, "right")
				if l == nil || r == nil {
					return false
				}
				return c.addJoinKey(x.OpPos, l, r, j)
			}
		}
	}
	c.errorf(x.Pos(), "join condition must be a column name or $left.Column == $right.Column")
	return false
}

func sideRef(x Expr) (*Ident, string) {
	m, ok := unparen(x).(*MemberExpr)
	if !ok {
		return nil, ""
	}
	id, ok := m.X.(*Ident)
	if !ok || id.Name != "$left" && id.Name != "$right" {
		return nil, ""
	}
	return m.Sel, id.Name
}

func (c *checker) sideCol(id *Ident, sc *scope, side string) Scalar {
	if col, ok := sc.lookup(id.Name); ok {
		return &ColRef{Name: col.Name, T: col.Type}
	}
	if sc.open {
		return &Call{Fn: "bag_get", Args: []Scalar{&ColRef{Name: BagColumn, T: TDynamic}, constString(id.Name)}, T: TUnknown}
	}
	msg := fmt.Sprintf("unknown column '%s' on the %s side of the join", id.Name, side)
	if s := suggest.Nearest(id.Name, sc.names()); s != "" {
		msg += fmt.Sprintf(" (did you mean '%s'?)", s)
	}
	c.errorf(id.Pos(), "%s", msg)
	return nil
}

func (c *checker) addJoinKey(pos Pos, l, r Scalar, j *Join) bool {
	lt, rt := l.Type(), r.Type()
	switch {
	case lt == rt, lt.IsNumeric() && rt.IsNumeric():
	case lt.IsDynamic() && !rt.IsDynamic():
		l = &Call{Fn: ConvFunc(rt), Args: []Scalar{l}, T: rt}
	case rt.IsDynamic() && !lt.IsDynamic():
		r = &Call{Fn: ConvFunc(lt), Args: []Scalar{r}, T: lt}
	case lt.IsStringLike() && rt.IsStringLike():
	default:
		c.errorf(pos, "join keys have different types: %s on the left, %s on the right", lt, rt)
		return false
	}
	j.LeftKeys = append(j.LeftKeys, l)
	j.RightKeys = append(j.RightKeys, r)
	return true
}
