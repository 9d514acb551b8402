package sql

import (
	"fmt"
	"strings"

	"wsec/internal/kql"
)

// scope is the row an expression reads: its columns by KQL name, the
// table alias qualifying them, and the ORDER BY of a serialized row set
// (for window functions).
type scope struct {
	cols  map[string]col
	qual  string
	order []string
	// table is the logical table whose Layout.Source the columns are read
	// from directly (a filter over the scan), or "".
	table string
}

// sqlExpr is a compiled scalar.
type sqlExpr struct {
	s        string
	t        kql.Type
	nullable bool
	k        *kql.Const
}

func (e sqlExpr) arg() Arg { return Arg{SQL: e.s, Type: e.t, Const: e.k, Nullable: e.nullable} }

// ctx says how a boolean result is used. In filter context (a WHERE,
// a CASE WHEN, an aggregate FILTER) SQL NULL already acts as false, so
// predicates may skip the null handling KQL's value semantics need.
type ctx uint8

const (
	valueCtx ctx = iota
	filterCtx
)

// scalar compiles x in value context.
func (c *compiler) scalar(x kql.Scalar, sc *scope) (sqlExpr, error) {
	return c.expr(c.fold(x), sc, valueCtx)
}

// predicate compiles a bool in filter context.
func (c *compiler) predicate(x kql.Scalar, sc *scope) (string, error) {
	e, err := c.expr(c.fold(x), sc, filterCtx)
	if err != nil {
		return "", err
	}
	if e.t.IsDynamic() {
		return c.d.Func("tobool", []Arg{e.arg()}, kql.TBool)
	}
	return e.s, nil
}

// nn returns the SQL of a string expression with NULL read as "" (KQL
// strings are never null; a store may hold NULL for an absent string).
func nn(e sqlExpr) string {
	if e.t == kql.TString && e.nullable {
		return "coalesce(" + e.s + ", '')"
	}
	return e.s
}

func nnExpr(e sqlExpr) sqlExpr {
	if e.t == kql.TString && e.nullable {
		return sqlExpr{s: nn(e), t: e.t}
	}
	return e
}

func (c *compiler) expr(x kql.Scalar, sc *scope, cx ctx) (sqlExpr, error) {
	switch x := x.(type) {
	case *kql.ColRef:
		col, ok := sc.cols[x.Name]
		if !ok {
			return sqlExpr{}, fmt.Errorf("compile: BUG: column %s not in scope", x.Name)
		}
		if sc.table != "" && c.opts.Layout != nil {
			if e, ok := c.opts.Layout.Column(sc.table, x.Name); ok {
				return sqlExpr{s: "(" + e + ")", t: col.t, nullable: col.nullable}, nil
			}
		}
		return sqlExpr{s: c.ref(sc.qual, col), t: col.t, nullable: col.nullable}, nil
	case *kql.Const:
		s, err := c.d.Literal(x)
		if err != nil {
			return sqlExpr{}, err
		}
		return sqlExpr{s: s, t: x.T, nullable: x.V == nil, k: x}, nil
	case *kql.Subquery:
		in, err := c.rel(x.Rel)
		if err != nil {
			return sqlExpr{}, err
		}
		first := firstVisible(in)
		sub, _ := c.wrap([]string{c.ref("", first)}, in, "")
		if len(in.order) > 0 {
			sub += " ORDER BY " + strings.Join(in.order, ", ")
		}
		return sqlExpr{s: "(" + sub + " LIMIT 1)", t: x.T, nullable: true}, nil
	case *kql.Call:
		return c.call(x, sc, cx)
	}
	return sqlExpr{}, fmt.Errorf("compile: unsupported expression %T", x)
}

func firstVisible(r *relSQL) col {
	for _, col := range r.cols {
		if !col.hidden {
			return col
		}
	}
	return r.cols[0]
}

func (c *compiler) args(xs []kql.Scalar, sc *scope, cx ctx) ([]sqlExpr, error) {
	out := make([]sqlExpr, len(xs))
	for i, x := range xs {
		e, err := c.expr(x, sc, cx)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func argsOf(es []sqlExpr) []Arg {
	out := make([]Arg, len(es))
	for i, e := range es {
		out[i] = e.arg()
	}
	return out
}

// stringPreds are the string predicates handed to the dialect; each has a
// negated form with a leading '!'.
var stringPreds = map[string]bool{
	"=~": true, "has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true, "hassuffix": true, "hassuffix_cs": true,
	"contains": true, "contains_cs": true, "startswith": true, "startswith_cs": true, "endswith": true, "endswith_cs": true,
	"matches_regex": true, "like": true,
}

func (c *compiler) call(x *kql.Call, sc *scope, cx ctx) (sqlExpr, error) {
	fn := x.Fn
	switch fn {
	case "and", "or":
		a, err := c.args(x.Args, sc, cx)
		if err != nil {
			return sqlExpr{}, err
		}
		op := " AND "
		if fn == "or" {
			op = " OR "
		}
		return sqlExpr{s: "(" + boolSQL(c, a[0]) + op + boolSQL(c, a[1]) + ")", t: kql.TBool, nullable: a[0].nullable || a[1].nullable}, nil
	case "not":
		a, err := c.expr(x.Args[0], sc, valueCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		return sqlExpr{s: "(NOT " + boolSQL(c, a) + ")", t: kql.TBool, nullable: a.nullable}, nil
	case "==", "!=", "<", "<=", ">", ">=":
		return c.compare(fn, x.Args, sc, cx)
	case "in", "!in", "in~", "!in~":
		return c.inList(fn, x.Args, sc, cx)
	case "has_any", "has_all", "!has_any", "!has_all", "has_any_cs", "has_all_cs":
		return c.hasList(fn, x.Args, sc, cx)
	case "between", "!between":
		a, err := c.args(x.Args, sc, valueCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		lo, hi := c.coerceCmp(a[0], a[1]), c.coerceCmp(a[0], a[2])
		s := "(" + c.cmpOperand(a[0], lo) + " BETWEEN " + lo.s + " AND " + hi.s + ")"
		if fn == "!between" {
			s = "(NOT " + s + ")"
		}
		return sqlExpr{s: s, t: kql.TBool, nullable: true}, nil
	case "iff":
		p, err := c.expr(x.Args[0], sc, filterCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		a, err := c.args(x.Args[1:], sc, valueCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		return c.caseWhen([]string{boolSQL(c, p)}, []sqlExpr{a[0]}, a[1], x.T)
	case "case":
		var conds []string
		var vals []sqlExpr
		for i := 0; i+1 < len(x.Args); i += 2 {
			p, err := c.expr(x.Args[i], sc, filterCtx)
			if err != nil {
				return sqlExpr{}, err
			}
			v, err := c.expr(x.Args[i+1], sc, valueCtx)
			if err != nil {
				return sqlExpr{}, err
			}
			conds = append(conds, boolSQL(c, p))
			vals = append(vals, v)
		}
		els, err := c.expr(x.Args[len(x.Args)-1], sc, valueCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		return c.caseWhen(conds, vals, els, x.T)
	case "coalesce":
		a, err := c.args(x.Args, sc, valueCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		parts := make([]string, len(a))
		for i, e := range a {
			e = c.convert(e, x.T)
			parts[i] = e.s
			// For strings KQL returns the first non-empty value.
			if x.T == kql.TString && i < len(a)-1 {
				parts[i] = "NULLIF(" + e.s + ", '')"
			}
		}
		if x.T == kql.TString {
			parts = append(parts, "''")
		}
		return sqlExpr{s: "coalesce(" + strings.Join(parts, ", ") + ")", t: x.T, nullable: x.T != kql.TString}, nil
	case "isnull", "isnotnull", "isempty", "isnotempty":
		return c.nullTest(fn, x.Args[0], sc)
	case "prev", "next", "row_number", "row_cumsum", "row_window_session":
		return c.window(x, sc)
	case "bag_get", "dyn_get", "dyn_index":
		// d.a.b[0] becomes one path read.
		var steps []kql.Scalar
		var base kql.Scalar = x
		for {
			cl, ok := base.(*kql.Call)
			if !ok || cl.Fn != "bag_get" && cl.Fn != "dyn_get" && cl.Fn != "dyn_index" {
				break
			}
			steps = append([]kql.Scalar{cl.Args[1]}, steps...)
			base = cl.Args[0]
		}
		a, err := c.args(append([]kql.Scalar{base}, steps...), sc, valueCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		s, err := c.d.Func("dyn_path", argsOf(a), kql.TDynamic)
		return sqlExpr{s: s, t: kql.TDynamic, nullable: true}, err
	case "strcat", "strcat_delim":
		a, err := c.args(x.Args, sc, valueCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		for i := range a {
			a[i] = nnExpr(c.convert(a[i], kql.TString))
		}
		s, err := c.d.Func(fn, argsOf(a), kql.TString)
		return sqlExpr{s: s, t: kql.TString}, err
	}
	neg := strings.HasPrefix(fn, "!")
	base := strings.TrimPrefix(fn, "!")
	if fn == "!~" {
		neg, base = true, "=~"
	}
	if stringPreds[base] {
		return c.stringPred(base, neg, x.Args, sc, cx)
	}
	a, err := c.args(x.Args, sc, valueCtx)
	if err != nil {
		return sqlExpr{}, err
	}
	s, err := c.d.Func(fn, argsOf(a), x.T)
	if err != nil {
		return sqlExpr{}, err
	}
	return sqlExpr{s: s, t: x.T, nullable: true}, nil
}

// boolSQL is the SQL of a bool-valued expression (a dynamic becomes bool).
func boolSQL(c *compiler, e sqlExpr) string {
	if e.t.IsDynamic() {
		if s, err := c.d.Func("tobool", []Arg{e.arg()}, kql.TBool); err == nil {
			return s
		}
	}
	return e.s
}

func (c *compiler) caseWhen(conds []string, vals []sqlExpr, els sqlExpr, t kql.Type) (sqlExpr, error) {
	var b strings.Builder
	b.WriteString("CASE")
	for i, cond := range conds {
		v := c.convert(vals[i], t)
		b.WriteString(" WHEN " + cond + " THEN " + v.s)
	}
	e := c.convert(els, t)
	b.WriteString(" ELSE " + e.s + " END")
	return sqlExpr{s: b.String(), t: t, nullable: true}, nil
}

// convert casts e to type t when they differ (dynamic to string, int to
// real, typed nulls); same types pass unchanged.
func (c *compiler) convert(e sqlExpr, t kql.Type) sqlExpr {
	if e.t == t || t == kql.TUnknown || t.IsDynamic() && e.t.IsDynamic() {
		return e
	}
	if e.k != nil && e.k.V == nil {
		s, err := c.d.Literal(kql.Null(t))
		if err == nil {
			return sqlExpr{s: s, t: t, nullable: true}
		}
	}
	if e.t.IsNumeric() && t.IsNumeric() && (t != kql.TReal || e.t == kql.TReal) {
		return sqlExpr{s: e.s, t: t, nullable: e.nullable}
	}
	s, err := c.d.Func(kql.ConvFunc(t), []Arg{e.arg()}, t)
	if err != nil {
		return e
	}
	return sqlExpr{s: s, t: t, nullable: true}
}

// coerceCmp converts b to a's type for comparison when a is static and b
// dynamic (or the reverse is handled by the caller).
func (c *compiler) coerceCmp(a, b sqlExpr) sqlExpr {
	if b.t.IsDynamic() && !a.t.IsDynamic() {
		return c.convert(b, a.t)
	}
	return b
}

// cmpOperand returns a's SQL, converted when the other side is static and a
// dynamic.
func (c *compiler) cmpOperand(a, other sqlExpr) string {
	if a.t.IsDynamic() && !other.t.IsDynamic() {
		return c.convert(a, other.t).s
	}
	return a.s
}

var sqlOps = map[string]string{"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

// compare writes a comparison with KQL's null rules: strings are never null
// ("" == ""); for other types one null side makes == false and != true.
func (c *compiler) compare(op string, xs []kql.Scalar, sc *scope, cx ctx) (sqlExpr, error) {
	a, err := c.args(xs, sc, valueCtx)
	if err != nil {
		return sqlExpr{}, err
	}
	l, r := a[0], a[1]
	if l.t.IsDynamic() && !r.t.IsDynamic() {
		l = c.convert(l, r.t)
	} else if r.t.IsDynamic() && !l.t.IsDynamic() {
		r = c.convert(r, l.t)
	} else if l.t.IsDynamic() && r.t.IsDynamic() {
		l, r = c.convert(l, kql.TString), c.convert(r, kql.TString)
	}
	if l.t == kql.TGuid || r.t == kql.TGuid {
		l, r = c.convert(l, kql.TString), c.convert(r, kql.TString)
	}
	if (l.t == kql.TBool) != (r.t == kql.TBool) {
		if l.t == kql.TBool {
			l = c.convert(l, kql.TLong)
		} else {
			r = c.convert(r, kql.TLong)
		}
	}
	sop := sqlOps[op]
	if l.t == kql.TString || r.t == kql.TString {
		return c.compareStrings(op, sop, l, r, cx), nil
	}
	plain := "(" + l.s + " " + sop + " " + r.s + ")"
	// KQL: == with one null side is false and != true; with both sides
	// null both are null. Ordering comparisons with a null are null.
	lnull, rnull := l.k != nil && l.k.V == nil, r.k != nil && r.k.V == nil
	switch {
	case (op == "==" || op == "!=") && (lnull || rnull):
		other := l
		if lnull {
			other = r
		}
		v := c.boolLit(false)
		if op == "!=" {
			v = c.boolLit(true)
		}
		if cx == filterCtx && op == "==" {
			return sqlExpr{s: c.boolLit(false), t: kql.TBool}, nil
		}
		return sqlExpr{s: "(CASE WHEN " + other.s + " IS NULL THEN NULL ELSE " + v + " END)", t: kql.TBool, nullable: true}, nil
	case !l.nullable && !r.nullable:
		return sqlExpr{s: plain, t: kql.TBool}, nil
	case op == "==":
		if cx == filterCtx {
			return sqlExpr{s: plain, t: kql.TBool, nullable: true}, nil
		}
		if l.k != nil || r.k != nil {
			return sqlExpr{s: "coalesce(" + plain + ", " + c.boolLit(false) + ")", t: kql.TBool}, nil
		}
		return sqlExpr{s: "(CASE WHEN " + l.s + " IS NULL AND " + r.s + " IS NULL THEN NULL ELSE coalesce(" + plain + ", " + c.boolLit(false) + ") END)", t: kql.TBool, nullable: true}, nil
	case op == "!=":
		dis, err := c.d.Func("distinct_from", []Arg{l.arg(), r.arg()}, kql.TBool)
		if err != nil {
			return sqlExpr{}, err
		}
		if cx == filterCtx || l.k != nil || r.k != nil {
			return sqlExpr{s: dis, t: kql.TBool}, nil
		}
		return sqlExpr{s: "(CASE WHEN " + l.s + " IS NULL AND " + r.s + " IS NULL THEN NULL ELSE " + dis + " END)", t: kql.TBool, nullable: true}, nil
	}
	return sqlExpr{s: plain, t: kql.TBool, nullable: true}, nil
}

func (c *compiler) compareStrings(op, sop string, l, r sqlExpr, cx ctx) sqlExpr {
	l, r = c.convert(l, kql.TString), c.convert(r, kql.TString)
	// A non-empty constant on one side: NULL on the other is "" and cannot
	// equal it, so the raw column can be compared (and pushed into scans).
	lk, lok := constStr(l)
	rk, rok := constStr(r)
	if op == "==" && (rok && rk != "" || lok && lk != "") {
		plain := "(" + l.s + " = " + r.s + ")"
		if cx == filterCtx || !l.nullable && !r.nullable {
			return sqlExpr{s: plain, t: kql.TBool, nullable: cx == filterCtx}
		}
		return sqlExpr{s: "coalesce(" + plain + ", " + c.boolLit(false) + ")", t: kql.TBool}
	}
	if op == "!=" && (rok && rk != "" || lok && lk != "") {
		if !l.nullable && !r.nullable {
			return sqlExpr{s: "(" + l.s + " <> " + r.s + ")", t: kql.TBool}
		}
		if dis, err := c.d.Func("distinct_from", []Arg{l.arg(), r.arg()}, kql.TBool); err == nil {
			return sqlExpr{s: dis, t: kql.TBool}
		}
		return sqlExpr{s: "(" + nn(l) + " <> " + nn(r) + ")", t: kql.TBool}
	}
	return sqlExpr{s: "(" + nn(l) + " " + sop + " " + nn(r) + ")", t: kql.TBool}
}

func constStr(e sqlExpr) (string, bool) {
	if e.k == nil {
		return "", false
	}
	s, ok := e.k.V.(string)
	return s, ok
}

// stringPred compiles a string predicate (has, contains, =~, ...). A
// non-empty constant right side lets a NULL left side stand for "" (no
// match); otherwise both sides are read with NULL as "".
func (c *compiler) stringPred(op string, neg bool, xs []kql.Scalar, sc *scope, cx ctx) (sqlExpr, error) {
	a, err := c.args(xs, sc, valueCtx)
	if err != nil {
		return sqlExpr{}, err
	}
	l, r := c.convert(a[0], kql.TString), c.convert(a[1], kql.TString)
	if k, ok := constStr(r); !ok || k == "" {
		l, r = nnExpr(l), nnExpr(r)
	}
	var cand, match, col, term string
	if ref, ok := xs[0].(*kql.ColRef); ok && impliesContains[op] {
		if k, ok := constStr(r); ok {
			cand = c.termFilter(sc, ref.Name, []string{k})
			match = c.termMatch(sc, cand, ref.Name, op, k)
			col, term = ref.Name, k
		}
	}
	s, err := c.guardedFunc(cand, op, []Arg{l.arg(), r.arg()})
	if err != nil {
		return sqlExpr{}, err
	}
	if match != "" {
		// the store's answer, the predicate itself where it has none
		s = "coalesce(" + match + ", " + s + ")"
	}
	s = c.withTermRows(sc, cand, col, op, []string{term}, false, c.guard(cand, s))
	nullable := l.nullable
	switch {
	case neg && nullable:
		return sqlExpr{s: "(NOT coalesce(" + s + ", " + c.boolLit(false) + "))", t: kql.TBool}, nil
	case neg:
		return sqlExpr{s: "(NOT " + s + ")", t: kql.TBool}, nil
	case nullable && cx == valueCtx:
		return sqlExpr{s: "coalesce(" + s + ", " + c.boolLit(false) + ")", t: kql.TBool}, nil
	}
	return sqlExpr{s: s, t: kql.TBool, nullable: nullable}, nil
}

// inList compiles in, !in, in~, !in~ over constants, expressions and
// subqueries (a subquery's first column).
func (c *compiler) inList(op string, xs []kql.Scalar, sc *scope, cx ctx) (sqlExpr, error) {
	neg := strings.HasPrefix(op, "!")
	ci := strings.HasSuffix(op, "~")
	l, err := c.expr(xs[0], sc, valueCtx)
	if err != nil {
		return sqlExpr{}, err
	}
	if l.t.IsDynamic() {
		l = c.convert(l, kql.TString)
	}
	var items, subs []string
	hasEmpty := false
	for _, x := range xs[1:] {
		if sq, ok := x.(*kql.Subquery); ok {
			in, err := c.rel(sq.Rel)
			if err != nil {
				return sqlExpr{}, err
			}
			first := firstVisible(in)
			v := sqlExpr{s: c.ref("", first), t: first.t, nullable: first.nullable}
			if ci {
				v = c.lower(v)
			}
			if v.t.IsDynamic() && !l.t.IsDynamic() {
				v = c.convert(v, l.t)
			}
			sub, _ := c.wrap([]string{nn(v)}, in, nn(v)+" IS NOT NULL")
			subs = append(subs, sub)
			hasEmpty = true
			continue
		}
		e, err := c.expr(x, sc, valueCtx)
		if err != nil {
			return sqlExpr{}, err
		}
		e = c.convert(e, l.t)
		if k, ok := constStr(e); ok && k == "" || e.k == nil {
			hasEmpty = true
		}
		if ci {
			e = c.lower(e)
		}
		items = append(items, e.s)
	}
	lhs := l
	if hasEmpty || neg {
		lhs = nnExpr(l)
	}
	if ci {
		lhs = c.lower(lhs)
	}
	var parts []string
	if len(items) > 0 {
		parts = append(parts, lhs.s+" IN ("+strings.Join(items, ", ")+")")
	}
	for _, s := range subs {
		parts = append(parts, lhs.s+" IN ("+s+")")
	}
	if len(parts) == 0 {
		parts = []string{c.boolLit(false)}
	}
	s := "(" + strings.Join(parts, " OR ") + ")"
	nullable := lhs.nullable
	switch {
	case neg:
		return sqlExpr{s: "(NOT coalesce(" + s + ", " + c.boolLit(false) + "))", t: kql.TBool}, nil
	case nullable && cx == valueCtx:
		return sqlExpr{s: "coalesce(" + s + ", " + c.boolLit(false) + ")", t: kql.TBool}, nil
	}
	return sqlExpr{s: s, t: kql.TBool, nullable: nullable}, nil
}

func (c *compiler) lower(e sqlExpr) sqlExpr {
	if k, ok := constStr(e); ok {
		lk := &kql.Const{T: kql.TString, V: strings.ToLower(k)}
		s, err := c.d.Literal(lk)
		if err == nil {
			return sqlExpr{s: s, t: kql.TString, k: lk}
		}
	}
	s, err := c.d.Func("tolower", []Arg{e.arg()}, kql.TString)
	if err != nil {
		return e
	}
	return sqlExpr{s: s, t: kql.TString, nullable: e.nullable}
}

// hasList compiles has_any / has_all.
func (c *compiler) hasList(op string, xs []kql.Scalar, sc *scope, cx ctx) (sqlExpr, error) {
	a, err := c.args(xs, sc, valueCtx)
	if err != nil {
		return sqlExpr{}, err
	}
	l := c.convert(a[0], kql.TString)
	terms := a[1:]
	for i := range terms {
		terms[i] = nnExpr(c.convert(terms[i], kql.TString))
	}
	neg := strings.HasPrefix(op, "!")
	base := strings.TrimPrefix(op, "!")
	var s string
	if len(terms) == 0 {
		s = c.boolLit(false)
		if strings.HasPrefix(base, "has_all") {
			s = c.boolLit(true)
		}
	} else {
		var cand, match, col string
		var ks []string
		all := strings.HasPrefix(base, "has_all")
		if ref, ok := xs[0].(*kql.ColRef); ok {
			// has_any holds only where one term does; has_all where all
			// do, so where any one does.
			for _, t := range terms {
				if k, ok := constStr(t); ok {
					ks = append(ks, k)
				} else {
					ks = nil
					break
				}
			}
			if all && len(ks) > 0 {
				cand = c.termFilter(sc, ref.Name, ks[:1])
			} else {
				cand = c.termFilter(sc, ref.Name, ks)
			}
			match = c.termMatchList(sc, cand, ref.Name, base, ks, all)
			col = ref.Name
		}
		s, err = c.guardedFunc(cand, base, append([]Arg{l.arg()}, argsOf(terms)...))
		if err != nil {
			return sqlExpr{}, err
		}
		if match != "" {
			s = "coalesce(" + match + ", " + s + ")"
		}
		s = c.withTermRows(sc, cand, col, listOp(base), ks, all, c.guard(cand, s))
	}
	switch {
	case neg:
		return sqlExpr{s: "(NOT coalesce(" + s + ", " + c.boolLit(false) + "))", t: kql.TBool}, nil
	case l.nullable && cx == valueCtx:
		return sqlExpr{s: "coalesce(" + s + ", " + c.boolLit(false) + ")", t: kql.TBool}, nil
	}
	return sqlExpr{s: s, t: kql.TBool, nullable: l.nullable}, nil
}

// nullTest compiles isnull/isnotnull/isempty/isnotempty. Strings are never
// null in KQL: isnull("") is false, isempty("") true.
func (c *compiler) nullTest(fn string, x kql.Scalar, sc *scope) (sqlExpr, error) {
	a, err := c.expr(x, sc, valueCtx)
	if err != nil {
		return sqlExpr{}, err
	}
	var s string
	switch {
	case a.t == kql.TString && (fn == "isnull" || fn == "isnotnull"):
		s = c.boolLit(fn == "isnotnull")
	case a.t == kql.TString || a.t.IsDynamic() && (fn == "isempty" || fn == "isnotempty"):
		v := a
		if a.t.IsDynamic() {
			v = c.convert(a, kql.TString)
		}
		s = "(" + v.s + " IS NULL OR " + v.s + " = '')"
		if fn == "isnotempty" || fn == "isnotnull" {
			s = "(" + v.s + " IS NOT NULL AND " + v.s + " <> '')"
		}
		if a.t.IsDynamic() && (fn == "isnull" || fn == "isnotnull") {
			s = "(" + a.s + " IS NULL)"
			if fn == "isnotnull" {
				s = "(" + a.s + " IS NOT NULL)"
			}
		}
	case fn == "isnull" || fn == "isempty":
		s = "(" + a.s + " IS NULL)"
	default:
		s = "(" + a.s + " IS NOT NULL)"
	}
	return sqlExpr{s: s, t: kql.TBool}, nil
}

// window compiles the functions of serialized rows.
func (c *compiler) window(x *kql.Call, sc *scope) (sqlExpr, error) {
	if len(sc.order) == 0 {
		return sqlExpr{}, fmt.Errorf("compile: %s() needs serialized rows", x.Fn)
	}
	if _, ok := c.d.(Windowless); ok {
		return sqlExpr{}, fmt.Errorf("compile: %s() needs SQL window functions, which this store's engine lacks; run the query on a store that has them", x.Fn)
	}
	over := " OVER (ORDER BY " + strings.Join(sc.order, ", ") + ")"
	a, err := c.args(x.Args, sc, valueCtx)
	if err != nil {
		return sqlExpr{}, err
	}
	switch x.Fn {
	case "prev", "next":
		f := "lag"
		if x.Fn == "next" {
			f = "lead"
		}
		parts := []string{a[0].s}
		if len(a) > 1 {
			parts = append(parts, a[1].s)
		}
		if len(a) > 2 {
			parts = append(parts, c.convert(a[2], a[0].t).s)
		}
		return sqlExpr{s: f + "(" + strings.Join(parts, ", ") + ")" + over, t: x.T, nullable: true}, nil
	case "row_number":
		start := "1"
		if len(a) > 0 {
			start = a[0].s
		}
		if len(a) > 1 {
			return sqlExpr{}, fmt.Errorf("compile: row_number() with a restart predicate is not supported")
		}
		return sqlExpr{s: "(row_number()" + over + " + " + start + " - 1)", t: kql.TLong}, nil
	case "row_cumsum":
		if len(a) > 1 {
			return sqlExpr{}, fmt.Errorf("compile: row_cumsum() with a restart predicate is not supported")
		}
		sum := "sum(" + a[0].s + ") OVER (ORDER BY " + strings.Join(sc.order, ", ") + " ROWS UNBOUNDED PRECEDING)"
		conv := map[kql.Type]string{kql.TLong: "tolong", kql.TInt: "tolong", kql.TTimeSpan: "totimespan_us"}[x.T]
		if conv != "" {
			s, err := c.d.Func(conv, []Arg{{SQL: sum, Type: kql.TLong, Nullable: true}}, x.T)
			if err != nil {
				return sqlExpr{}, err
			}
			sum = s
		}
		return sqlExpr{s: sum, t: x.T, nullable: true}, nil
	}
	return sqlExpr{}, fmt.Errorf("compile: %s() is not supported yet", x.Fn)
}
