package kql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"wsec/internal/suggest"
)

// scalar checks a scalar expression over the row sc (nil: no row, e.g. a
// let value) and returns its typed plan form; nil means an error was
// reported.
func (c *checker) scalar(x Expr, sc *scope, e *env) Scalar {
	if !c.count(x.Pos()) {
		return nil
	}
	switch x := x.(type) {
	case *ParenExpr:
		if c.isTabular(x.X, e) {
			c.errorf(x.Pos(), "a table cannot be used as a scalar here; use toscalar()")
			return nil
		}
		return c.scalar(x.X, sc, e)
	case *Ident:
		return c.identScalar(x, sc, e)
	case *BasicLit:
		return c.literal(x)
	case *DynamicLit:
		return &Const{T: TDynamic, V: Dynamic(dynJSON(x.Value))}
	case *BinaryExpr:
		return c.binary(x, sc, e)
	case *UnaryExpr:
		v := c.scalar(x.X, sc, e)
		if v == nil {
			return nil
		}
		if x.Op == "+" {
			return v
		}
		t := v.Type()
		if !t.IsNumeric() && t != TTimeSpan && !t.IsDynamic() {
			c.errorf(x.OpPos, "cannot negate a %s", t)
			return nil
		}
		if t.IsDynamic() {
			t = TReal
		}
		return &Call{Fn: "neg", Args: []Scalar{v}, T: t}
	case *InExpr:
		return c.inExpr(x, sc, e)
	case *BetweenExpr:
		return c.between(x, sc, e)
	case *CallExpr:
		return c.call(x, sc, e)
	case *MemberExpr:
		return c.member(x, sc, e)
	case *IndexExpr:
		base := c.scalar(x.X, sc, e)
		idx := c.scalar(x.Index, sc, e)
		if base == nil || idx == nil {
			return nil
		}
		if !base.Type().IsDynamic() {
			c.errorf(x.Lbrack, "cannot index a %s; only dynamic values have elements", base.Type())
			return nil
		}
		if k, ok := idx.(*Const); ok && k.T == TString {
			return &Call{Fn: "dyn_get", Args: []Scalar{base, idx}, T: TDynamic}
		}
		if !idx.Type().IsNumeric() && idx.Type() != TString && !idx.Type().IsDynamic() {
			c.errorf(x.Index.Pos(), "index must be a number or a property name, got %s", idx.Type())
			return nil
		}
		return &Call{Fn: "dyn_index", Args: []Scalar{base, idx}, T: TDynamic}
	case *NamedArg:
		c.errorf(x.Pos(), "named argument '%s=' outside a function call's arguments (to compare values use '==')", x.Name.Name)
		return nil
	case *StarExpr:
		c.errorf(x.Pos(), "'*' is only allowed as an argument of an aggregate")
		return nil
	case *PipeExpr, *UnionOp, *DatatableOp, *RangeOp, *PrintOp, *SearchOp, *ExternalDataOp:
		c.errorf(x.Pos(), "a table cannot be used as a scalar here; use toscalar()")
		return nil
	case *FuncExpr:
		c.errorf(x.Pos(), "a function must be bound with let before it is called")
		return nil
	case *BadExpr:
		return nil
	}
	c.errorf(x.Pos(), "unexpected %s", describeExpr(x))
	return nil
}

func (c *checker) identScalar(x *Ident, sc *scope, e *env) Scalar {
	if col, ok := sc.lookup(x.Name); ok {
		return &ColRef{Name: col.Name, T: col.Type}
	}
	if b := e.lookup(x.Name); b != nil {
		switch b.kind {
		case bScalar:
			if b.scalar == nil {
				return nil // its error was reported at the let
			}
			return b.scalar
		case bFunc:
			if len(b.fn.Params) == 0 {
				return c.invokeScalar(b, &CallExpr{Fun: x}, sc, e)
			}
			c.errorf(x.Pos(), "function '%s' needs arguments", x.Name)
			return nil
		case bTabular:
			c.errorf(x.Pos(), "'%s' is a table, not a scalar; use toscalar(%s) or '%s' in (...)", x.Name, x.Name, "x")
			return nil
		}
	}
	if sc != nil && sc.open {
		return &Call{Fn: "bag_get", Args: []Scalar{&ColRef{Name: BagColumn, T: TDynamic}, constString(x.Name)}, T: TUnknown}
	}
	c.unknownName(x, sc, e)
	return nil
}

func (c *checker) unknownName(x *Ident, sc *scope, e *env) {
	cands := append(sc.names(), e.names(bScalar)...)
	what := "column"
	if sc == nil {
		what = "name"
	}
	msg := fmt.Sprintf("unknown %s '%s'", what, x.Name)
	if s := suggest.Nearest(x.Name, cands); s != "" {
		msg += fmt.Sprintf(" (did you mean '%s'?)", s)
	}
	c.errorf(x.Pos(), "%s", msg)
}

func (c *checker) member(x *MemberExpr, sc *scope, e *env) Scalar {
	if id, ok := x.X.(*Ident); ok && (id.Name == "$left" || id.Name == "$right") {
		c.errorf(x.Pos(), "%s is only allowed in join conditions", id.Name)
		return nil
	}
	base := c.scalar(x.X, sc, e)
	if base == nil {
		return nil
	}
	if !base.Type().IsDynamic() {
		c.errorf(x.Sel.Pos(), "cannot read property '%s' of a %s; only dynamic values have properties", x.Sel.Name, base.Type())
		return nil
	}
	return &Call{Fn: "dyn_get", Args: []Scalar{base, constString(x.Sel.Name)}, T: TDynamic}
}

// literal converts a literal to a constant.
func (c *checker) literal(x *BasicLit) Scalar {
	switch x.Kind {
	case LitString:
		return constString(x.Value)
	case LitBool:
		return constBool(x.Value == "true")
	case LitInt:
		v, err := parseIntLit(x.Value)
		if err != nil {
			c.errorf(x.Pos(), "invalid integer %s: %v", x.Value, err)
			return nil
		}
		if x.Type == "int" {
			return &Const{T: TInt, V: v}
		}
		if x.Type == "real" {
			return &Const{T: TReal, V: float64(v)}
		}
		return constLong(v)
	case LitReal:
		v, err := parseRealLit(x.Value)
		if err != nil {
			c.errorf(x.Pos(), "invalid real %s", x.Value)
			return nil
		}
		return &Const{T: TReal, V: v}
	case LitTimespan:
		d, ok := ParseTimespan(x.Value)
		if !ok {
			c.errorf(x.Pos(), "invalid timespan %q", x.Value)
			return nil
		}
		return constSpan(d)
	case LitDatetime:
		t, ok := ParseDatetime(x.Value)
		if !ok {
			c.errorf(x.Pos(), "invalid datetime %q", x.Value)
			return nil
		}
		return constTime(t)
	case LitGuid:
		return &Const{T: TGuid, V: strings.ToLower(x.Value)}
	case LitNull:
		t, ok := ParseType(x.Type)
		if !ok {
			c.errorf(x.Pos(), "unknown type %s", x.Type)
			return nil
		}
		return Null(t)
	}
	c.errorf(x.Pos(), "unsupported literal")
	return nil
}

func parseIntLit(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var v uint64
	var err error
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		v, err = strconv.ParseUint(s[2:], 16, 64)
	} else {
		v, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil {
		return 0, err
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

func parseRealLit(s string) (float64, error) {
	switch s {
	case "nan":
		return math.NaN(), nil
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// comparable ops and the canonical IR names of word operators.
var opNames = map[string]string{"matches regex": "matches_regex", "!matches regex": "!matches_regex"}

func (c *checker) binary(x *BinaryExpr, sc *scope, e *env) Scalar {
	if x.Op == ":" {
		c.errorf(x.OpPos, "Col:\"term\" is only allowed in search")
		return nil
	}
	l := c.scalar(x.X, sc, e)
	r := c.scalar(x.Y, sc, e)
	if l == nil || r == nil {
		return nil
	}
	op := x.Op
	if n, ok := opNames[op]; ok {
		op = n
	}
	switch op {
	case "and", "or":
		for i, v := range []Scalar{l, r} {
			if t := v.Type(); t != TBool && !t.IsDynamic() {
				pos := x.X.Pos()
				if i == 1 {
					pos = x.Y.Pos()
				}
				c.errorf(pos, "'%s' needs bool operands, got %s", op, t)
				return nil
			}
		}
		return &Call{Fn: op, Args: []Scalar{l, r}, T: TBool}
	case "+", "-", "*", "/", "%":
		t, ok := arithType(op, l.Type(), r.Type())
		if !ok {
			c.errorf(x.OpPos, "cannot apply '%s' to %s and %s", op, l.Type(), r.Type())
			return nil
		}
		return &Call{Fn: op, Args: []Scalar{l, r}, T: t}
	case "==", "!=", "<", "<=", ">", ">=":
		l, r, ok := c.coerceCompare(x, l, r)
		if !ok {
			return nil
		}
		return &Call{Fn: op, Args: []Scalar{l, r}, T: TBool}
	case "matches_regex":
		if k, ok := r.(*Const); ok {
			if s, ok := k.V.(string); ok {
				if err := checkRegex(s); err != nil {
					c.errorf(x.Y.Pos(), "invalid regular expression: %v", err)
					return nil
				}
			}
		}
		return &Call{Fn: op, Args: []Scalar{asString(l), asString(r)}, T: TBool}
	}
	// =~, !~ and the string predicates work on text.
	return &Call{Fn: op, Args: []Scalar{asString(l), asString(r)}, T: TBool}
}

// asString converts a value to string for string predicates (KQL applies
// them to the value's string form).
func asString(v Scalar) Scalar {
	if v.Type() == TString {
		return v
	}
	if k, ok := v.(*Const); ok && k.V == nil {
		return constString("")
	}
	return &Call{Fn: "tostring", Args: []Scalar{v}, T: TString}
}

func arithType(op string, a, b Type) (Type, bool) {
	if a.IsDynamic() && b.IsDynamic() {
		return TReal, true
	}
	if a.IsDynamic() {
		a = b
		if b == TDateTime && op == "-" {
			return TTimeSpan, true
		}
	}
	if b.IsDynamic() {
		b = a
		if a == TDateTime && op == "-" {
			return TTimeSpan, true
		}
	}
	switch {
	case a.IsNumeric() && b.IsNumeric():
		if op == "/" && a != TReal && b != TReal {
			return promote(a, b), true
		}
		return promote(a, b), true
	case a == TDateTime && b == TTimeSpan && (op == "+" || op == "-"):
		return TDateTime, true
	case a == TTimeSpan && b == TDateTime && op == "+":
		return TDateTime, true
	case a == TDateTime && b == TDateTime && op == "-":
		return TTimeSpan, true
	case a == TTimeSpan && b == TTimeSpan:
		switch op {
		case "+", "-", "%":
			return TTimeSpan, true
		case "/":
			return TReal, true
		}
	case a == TTimeSpan && b.IsNumeric() && (op == "*" || op == "/"):
		return TTimeSpan, true
	case a.IsNumeric() && b == TTimeSpan && op == "*":
		return TTimeSpan, true
	case a == TString && b == TString && op == "+":
		return TUnknown, false
	}
	return TUnknown, false
}

// coerceCompare makes the two sides of a comparison comparable, the way
// Log Analytics accepts EventID == "4624" (the string constant becomes a
// number; a warning is recorded).
func (c *checker) coerceCompare(x *BinaryExpr, l, r Scalar) (Scalar, Scalar, bool) {
	lt, rt := l.Type(), r.Type()
	switch {
	case lt == rt, lt.IsDynamic(), rt.IsDynamic(), lt.IsNumeric() && rt.IsNumeric(), isNullConst(l), isNullConst(r):
		return l, r, true
	case lt.IsStringLike() && rt.IsStringLike():
		return l, r, true
	case lt.IsNumeric() && rt == TString:
		if v, ok := c.numericConst(r, lt, x.Y.Pos()); ok {
			return l, v, true
		}
		return asString(l), r, true
	case rt.IsNumeric() && lt == TString:
		if v, ok := c.numericConst(l, rt, x.X.Pos()); ok {
			return v, r, true
		}
		return l, asString(r), true
	case lt == TDateTime && rt == TString:
		if v, ok := timeConst(r); ok {
			return l, v, true
		}
	case rt == TDateTime && lt == TString:
		if v, ok := timeConst(l); ok {
			return v, r, true
		}
	case lt == TBool && rt.IsNumeric() || rt == TBool && lt.IsNumeric():
		return l, r, true
	}
	c.errorf(x.OpPos, "cannot compare %s with %s using '%s'", lt, rt, x.Op)
	return nil, nil, false
}

func (c *checker) numericConst(v Scalar, want Type, pos Pos) (Scalar, bool) {
	k, ok := v.(*Const)
	if !ok {
		return nil, false
	}
	s, ok := k.V.(string)
	if !ok {
		return nil, false
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		c.warnf(pos, "string %q compared with a number; compared as %d", s, n)
		return constLong(n), true
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
		c.warnf(pos, "string %q compared with a number; compared as %v", s, f)
		return &Const{T: TReal, V: f}, true
	}
	return nil, false
}

func timeConst(v Scalar) (Scalar, bool) {
	k, ok := v.(*Const)
	if !ok {
		return nil, false
	}
	s, ok := k.V.(string)
	if !ok {
		return nil, false
	}
	t, ok := ParseDatetime(s)
	if !ok {
		return nil, false
	}
	return constTime(t), true
}

func (c *checker) inExpr(x *InExpr, sc *scope, e *env) Scalar {
	l := c.scalar(x.X, sc, e)
	if l == nil {
		return nil
	}
	base := strings.TrimPrefix(x.Op, "!")
	textual := base != "in"
	if textual {
		l = asString(l)
	}
	args := []Scalar{l}
	for _, item := range x.List {
		if c.isTabular(item, e) {
			r := c.tabular(item, e)
			if r == nil {
				return nil
			}
			cols := r.Columns()
			if len(cols) == 0 {
				c.errorf(item.Pos(), "the table of '%s' has no columns", x.Op)
				return nil
			}
			args = append(args, &Subquery{Rel: r, T: cols[0].Type})
			continue
		}
		v := c.scalar(item, sc, e)
		if v == nil {
			return nil
		}
		// A dynamic array constant contributes its elements.
		if k, ok := v.(*Const); ok && k.T == TDynamic {
			elems, ok := dynArrayConsts(string(k.V.(Dynamic)))
			if ok {
				for _, el := range elems {
					args = append(args, coerceInItem(el, l.Type(), textual))
				}
				continue
			}
		}
		if textual {
			v = asString(v)
		} else if v.Type() != l.Type() {
			v = coerceInItem(v, l.Type(), false)
		}
		args = append(args, v)
	}
	return &Call{Fn: x.Op, Args: args, T: TBool}
}

func coerceInItem(v Scalar, want Type, textual bool) Scalar {
	if textual || want == TString {
		if k, ok := v.(*Const); ok {
			if k.V == nil {
				return constString("")
			}
			return constString(constText(k))
		}
		return asString(v)
	}
	k, ok := v.(*Const)
	if !ok {
		return v
	}
	if s, ok := k.V.(string); ok && want.IsNumeric() {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return constLong(n)
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return &Const{T: TReal, V: f}
		}
	}
	if s, ok := k.V.(string); ok && want == TDateTime {
		if t, ok := ParseDatetime(s); ok {
			return constTime(t)
		}
	}
	return v
}

func (c *checker) between(x *BetweenExpr, sc *scope, e *env) Scalar {
	v := c.scalar(x.X, sc, e)
	lo := c.scalar(x.Lo, sc, e)
	hi := c.scalar(x.Hi, sc, e)
	if v == nil || lo == nil || hi == nil {
		return nil
	}
	// datetime between (start .. timespan) means start .. start+timespan.
	if hi.Type() == TTimeSpan && lo.Type() == TDateTime {
		hi = &Call{Fn: "+", Args: []Scalar{lo, hi}, T: TDateTime}
	}
	for _, b := range []Scalar{lo, hi} {
		bt, vt := b.Type(), v.Type()
		if bt != vt && !(bt.IsNumeric() && vt.IsNumeric()) && !bt.IsDynamic() && !vt.IsDynamic() && !isNullConst(b) {
			c.errorf(x.OpPos, "between bounds of type %s do not match a %s", bt, vt)
			return nil
		}
	}
	fn := "between"
	if x.Not {
		fn = "!between"
	}
	return &Call{Fn: fn, Args: []Scalar{v, lo, hi}, T: TBool}
}

// invokeScalar inlines a user function whose body is scalar.
func (c *checker) invokeScalar(b *binding, call *CallExpr, sc *scope, e *env) Scalar {
	return invoke(c, b, call, nil, sc, e, false, func(body Expr, fe *env) Scalar {
		return c.scalar(body, nil, fe)
	})
}

// ParseTimespan parses a KQL timespan: 1d, 10m, 1.5h, 100ms, 2days, or the
// d.hh:mm:ss[.fffffff] spelling of timespan(...).
func ParseTimespan(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	d, ok := parseSpanUnits(s)
	if !ok {
		d, ok = parseSpanClock(s)
	}
	if neg {
		d = -d
	}
	return d, ok
}

func parseSpanUnits(s string) (time.Duration, bool) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	if i == 0 || i == len(s) {
		if i == len(s) && i > 0 && !strings.Contains(s, ".") {
			// A bare number in timespan(...) means days.
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, false
			}
			return time.Duration(n * float64(24*time.Hour)), true
		}
		return 0, false
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, false
	}
	var unit time.Duration
	switch strings.ToLower(s[i:]) {
	case "d", "day", "days":
		unit = 24 * time.Hour
	case "h", "hr", "hrs", "hour", "hours":
		unit = time.Hour
	case "m", "min", "minute", "minutes":
		unit = time.Minute
	case "s", "sec", "second", "seconds":
		unit = time.Second
	case "ms", "milli", "millis", "millisecond", "milliseconds":
		unit = time.Millisecond
	case "microsecond", "microseconds":
		unit = time.Microsecond
	case "tick", "ticks":
		unit = 100 * time.Nanosecond
	default:
		return 0, false
	}
	f := n * float64(unit)
	if f > math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return time.Duration(f), true
}

// parseSpanClock parses [d.]hh:mm[:ss[.fffffff]].
func parseSpanClock(s string) (time.Duration, bool) {
	var days int64
	if dot := strings.Index(s, "."); dot >= 0 && dot < strings.Index(s, ":") {
		n, err := strconv.ParseInt(s[:dot], 10, 64)
		if err != nil || n > 100000 {
			return 0, false
		}
		days, s = n, s[dot+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || h > 1000000 || m > 59 || h < 0 || m < 0 {
		return 0, false
	}
	var sec float64
	if len(parts) == 3 {
		v, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || v < 0 || v >= 60 {
			return 0, false
		}
		sec = v
	}
	return time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second)), true
}

// ParseDatetime parses the spellings KQL accepts in datetime(...) and
// todatetime(): ISO 8601 with or without T, zone and fraction; a bare date.
// The result is UTC.
func ParseDatetime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	layouts := []string{
		time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02",
		"2006-01-02T15:04Z07:00", "2006/01/02 15:04:05", "2006/01/02", "01/02/2006 15:04:05", "01/02/2006",
		time.RFC1123, time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 MST",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
