package kql

import "strings"

// Expression grammar, lowest precedence first:
//
//	or → and → comparison / string predicates / in / between → + - → * / % → unary - + → postfix . [] → primary
//
// tab says whether the expression stands where a tabular expression may
// (statement, let value, parentheses, call arguments); only there do the
// source operators (union, datatable, range, print, search) start.

func (p *parser) parseExpr(tab bool) Expr {
	if !p.enter() {
		return &BadExpr{From: p.tok().Pos}
	}
	defer p.leave()
	return p.parseOr(tab)
}

func (p *parser) parseOr(tab bool) Expr {
	x := p.parseAnd(tab)
	for p.isWord("or") {
		pos := p.advance().Pos
		x = &BinaryExpr{X: x, OpPos: pos, Op: "or", Y: p.parseAnd(false)}
	}
	return x
}

func (p *parser) parseAnd(tab bool) Expr {
	x := p.parseCompare(tab)
	for p.isWord("and") {
		pos := p.advance().Pos
		x = &BinaryExpr{X: x, OpPos: pos, Op: "and", Y: p.parseCompare(false)}
	}
	return x
}

// stringOps are the word operators of the comparison level. Each also has a
// negated spelling with a leading '!'.
var stringOps = map[string]bool{
	"has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true, "hassuffix": true, "hassuffix_cs": true,
	"contains": true, "contains_cs": true, "startswith": true, "startswith_cs": true,
	"endswith": true, "endswith_cs": true, "like": true,
}

// listOps take a parenthesised list on the right.
var listOps = map[string]bool{"in": true, "in~": true, "has_any": true, "has_all": true, "has_any_cs": true, "has_all_cs": true}

// compareOp reads the operator at the current position without consuming
// it; n is how many tokens it spans. It returns "" when there is none.
func (p *parser) compareOp() (op string, n int) {
	t := p.tok()
	switch t.Kind {
	case tEq:
		return "==", 1
	case tNe:
		return "!=", 1
	case tLt:
		return "<", 1
	case tLe:
		return "<=", 1
	case tGt:
		return ">", 1
	case tGe:
		return ">=", 1
	case tEqTilde:
		return "=~", 1
	case tNeTilde:
		return "!~", 1
	case tBang:
		if p.adjacent(0) && p.peek(1).Kind == tIdent {
			w := p.peek(1).Text
			if w == "in" && p.peek(2).Kind == tTilde && p.adjacent(1) {
				return "!in~", 3
			}
			if stringOps[w] || w == "in" || w == "between" || w == "has_any" || w == "has_all" {
				return "!" + w, 2
			}
		}
	case tIdent:
		w := t.Text
		switch {
		case w == "in" && p.peek(1).Kind == tTilde && p.adjacent(0):
			return "in~", 2
		case stringOps[w] || listOps[w] || w == "between":
			return w, 1
		case w == "matches" && p.isWordAt(1, "regex"):
			return "matches regex", 2
		}
	}
	return "", 0
}

func (p *parser) parseCompare(tab bool) Expr {
	x := p.parseAdditive(tab)
	for {
		op, n := p.compareOp()
		if op == "" {
			return x
		}
		pos := p.tok().Pos
		for i := 0; i < n; i++ {
			p.advance()
		}
		switch {
		case op == "between" || op == "!between":
			x = p.parseBetween(x, pos, op == "!between")
		case listOps[strings.TrimPrefix(op, "!")]:
			x = p.parseInList(x, pos, op)
		default:
			x = &BinaryExpr{X: x, OpPos: pos, Op: op, Y: p.parseAdditive(false)}
		}
	}
}

func (p *parser) parseBetween(x Expr, pos Pos, not bool) Expr {
	p.expect(tLParen, "after 'between'")
	lo := p.parseExpr(false)
	p.expect(tDotDot, "between the bounds of 'between'")
	hi := p.parseExpr(false)
	p.expect(tRParen, "after the bounds of 'between'")
	return &BetweenExpr{X: x, OpPos: pos, Not: not, Lo: lo, Hi: hi}
}

func (p *parser) parseInList(x Expr, pos Pos, op string) Expr {
	p.expect(tLParen, "after '"+op+"'")
	in := &InExpr{X: x, OpPos: pos, Op: op}
	for p.tok().Kind != tRParen && p.tok().Kind != tEOF {
		before := p.i
		in.List = append(in.List, p.parsePipeExpr())
		if p.bad || p.i == before || !p.got(tComma) {
			break
		}
	}
	in.Rparen = p.expect(tRParen, "after the '"+op+"' list").Pos
	return in
}

func (p *parser) parseAdditive(tab bool) Expr {
	x := p.parseMul(tab)
	for p.tok().Kind == tPlus || p.tok().Kind == tMinus {
		t := p.advance()
		x = &BinaryExpr{X: x, OpPos: t.Pos, Op: t.Text, Y: p.parseMul(false)}
	}
	return x
}

func (p *parser) parseMul(tab bool) Expr {
	x := p.parseUnary(tab)
	for p.tok().Kind == tStar || p.tok().Kind == tSlash || p.tok().Kind == tPercent {
		t := p.advance()
		x = &BinaryExpr{X: x, OpPos: t.Pos, Op: t.Text, Y: p.parseUnary(false)}
	}
	return x
}

func (p *parser) parseUnary(tab bool) Expr {
	if t := p.tok(); t.Kind == tMinus || t.Kind == tPlus {
		if !p.enter() {
			return &BadExpr{From: t.Pos}
		}
		defer p.leave()
		p.advance()
		return &UnaryExpr{OpPos: t.Pos, Op: t.Text, X: p.parseUnary(false)}
	}
	return p.parsePostfix(tab)
}

func (p *parser) parsePostfix(tab bool) Expr {
	x := p.parsePrimary(tab)
	for {
		switch p.tok().Kind {
		case tDot:
			p.advance()
			x = &MemberExpr{X: x, Sel: p.parseIdent("after '.'")}
		case tLBrack:
			lb := p.advance().Pos
			idx := p.parseExpr(false)
			p.expect(tRBrack, "after index")
			x = &IndexExpr{X: x, Lbrack: lb, Index: idx}
		default:
			return x
		}
		if p.bad {
			return x
		}
	}
}

// typedLitTypes are the words of typed literals whose argument is a plain
// literal: long(5), real(null), bool(true).
var typedLitTypes = map[string]LitKind{
	"int": LitInt, "long": LitInt, "real": LitReal, "double": LitReal, "decimal": LitReal, "bool": LitBool, "boolean": LitBool,
}

func (p *parser) parsePrimary(tab bool) Expr {
	t := p.tok()
	switch t.Kind {
	case tString:
		p.advance()
		// Adjacent string literals are one string: "a" 'b' @"c" is "abc".
		v := t.Text
		for p.tok().Kind == tString {
			v += p.advance().Text
		}
		return &BasicLit{ValuePos: t.Pos, Kind: LitString, Value: v}
	case tInt:
		p.advance()
		return &BasicLit{ValuePos: t.Pos, Kind: LitInt, Value: t.Text}
	case tReal:
		p.advance()
		return &BasicLit{ValuePos: t.Pos, Kind: LitReal, Value: t.Text}
	case tTimespan:
		p.advance()
		return &BasicLit{ValuePos: t.Pos, Kind: LitTimespan, Value: t.Text}
	case tTypedLit:
		p.advance()
		return p.typedRawLit(t)
	case tStar:
		p.advance()
		return &StarExpr{Star: t.Pos}
	case tLBrack:
		if p.peek(1).Kind == tString && p.peek(2).Kind == tRBrack {
			return p.parseIdent("")
		}
	case tLParen:
		return p.parseParenOrLambda()
	case tIdent:
		return p.parseIdentPrimary(tab)
	}
	p.errExpected("an expression", "")
	return &BadExpr{From: t.Pos}
}

func (p *parser) typedRawLit(t token) Expr {
	raw := t.Raw
	if raw == "null" {
		return &BasicLit{ValuePos: t.Pos, Kind: LitNull, Type: canonicalTypeWord(t.Text)}
	}
	switch t.Text {
	case "datetime", "date":
		return &BasicLit{ValuePos: t.Pos, Kind: LitDatetime, Value: raw, Type: "datetime"}
	case "time", "timespan":
		return &BasicLit{ValuePos: t.Pos, Kind: LitTimespan, Value: raw, Type: "timespan"}
	case "guid":
		return &BasicLit{ValuePos: t.Pos, Kind: LitGuid, Value: raw, Type: "guid"}
	}
	p.errorf(t.Pos, "unknown literal %s(...)", t.Text)
	return &BadExpr{From: t.Pos}
}

func canonicalTypeWord(w string) string {
	switch w {
	case "date":
		return "datetime"
	case "time":
		return "timespan"
	case "double":
		return "real"
	case "boolean":
		return "bool"
	}
	return w
}

func (p *parser) parseIdentPrimary(tab bool) Expr {
	t := p.tok()
	w := t.Text
	switch {
	case w == "true" || w == "false":
		p.advance()
		return &BasicLit{ValuePos: t.Pos, Kind: LitBool, Value: w}
	case w == "dynamic" && p.peek(1).Kind == tLParen:
		return p.parseDynamicLit()
	}
	if k, ok := typedLitTypes[w]; ok && p.peek(1).Kind == tLParen {
		if lit := p.tryTypedLit(k); lit != nil {
			return lit
		}
	}
	if tab {
		if x := p.tryTabularSource(); x != nil {
			return x
		}
	}
	if p.peek(1).Kind == tLParen {
		return p.parseCall(tab)
	}
	p.advance()
	return &Ident{NamePos: t.Pos, Name: w}
}

// tryTypedLit parses long(5), real(-1.5), bool(null) ...; it returns nil
// (consuming nothing) when the argument is not a literal.
func (p *parser) tryTypedLit(k LitKind) Expr {
	t := p.tok()
	j := 2
	neg := ""
	if p.peek(j).Kind == tMinus || p.peek(j).Kind == tPlus {
		if p.peek(j).Kind == tMinus {
			neg = "-"
		}
		j++
	}
	v := p.peek(j)
	if p.peek(j+1).Kind != tRParen {
		return nil
	}
	typ := canonicalTypeWord(t.Text)
	var lit *BasicLit
	switch {
	case v.Kind == tIdent && v.Text == "null" && neg == "":
		lit = &BasicLit{ValuePos: t.Pos, Kind: LitNull, Type: typ}
	case k == LitBool && v.Kind == tIdent && (v.Text == "true" || v.Text == "false") && neg == "":
		lit = &BasicLit{ValuePos: t.Pos, Kind: LitBool, Value: v.Text, Type: typ}
	case k == LitInt && v.Kind == tInt:
		lit = &BasicLit{ValuePos: t.Pos, Kind: LitInt, Value: neg + v.Text, Type: typ}
	case k == LitReal && (v.Kind == tInt || v.Kind == tReal):
		lit = &BasicLit{ValuePos: t.Pos, Kind: LitReal, Value: neg + v.Text, Type: typ}
	case k == LitReal && v.Kind == tIdent && (v.Text == "nan" || v.Text == "inf"):
		lit = &BasicLit{ValuePos: t.Pos, Kind: LitReal, Value: neg + v.Text, Type: typ}
	default:
		return nil
	}
	for i := 0; i <= j+1; i++ {
		p.advance()
	}
	return lit
}

// tabularArgFuncs take a tabular expression even where an expression is
// scalar (where toscalar(T | count) > 1).
var tabularArgFuncs = map[string]bool{"toscalar": true, "materialize": true, "table": true, "view": true}

// parseCall parses Name(args). Arguments may be pipelines where a table
// may stand (tab) or for the functions that take tables; elsewhere a '|'
// inside the parentheses ends the argument list with an error.
func (p *parser) parseCall(tab bool) Expr {
	if !p.enter() {
		return &BadExpr{From: p.tok().Pos}
	}
	defer p.leave()
	t := p.advance()
	call := &CallExpr{Fun: &Ident{NamePos: t.Pos, Name: t.Text}}
	call.Lparen = p.expect(tLParen, "after function name").Pos
	pipes := tab || tabularArgFuncs[t.Text]
	for p.tok().Kind != tRParen && p.tok().Kind != tEOF {
		before := p.i
		if p.tok().Kind == tIdent && p.peek(1).Kind == tAssign {
			name := p.parseIdent("")
			p.advance()
			call.Args = append(call.Args, &NamedArg{Name: name, X: p.parseExpr(false)})
		} else if pipes {
			call.Args = append(call.Args, p.parsePipeExpr())
		} else {
			call.Args = append(call.Args, p.parseExpr(false))
		}
		if p.bad || p.i == before || !p.got(tComma) {
			break
		}
	}
	call.Rparen = p.expect(tRParen, "after argument list").Pos
	return call
}

// parseParenOrLambda parses (expr), (tabular | pipe), or a lambda
// (a:string, T:(*)) { body }.
func (p *parser) parseParenOrLambda() Expr {
	if !p.enter() {
		return &BadExpr{From: p.tok().Pos}
	}
	defer p.leave()
	lp := p.tok().Pos
	isLambda := p.peek(1).Kind == tRParen && p.peek(2).Kind == tLBrace ||
		p.peek(1).Kind == tIdent && p.peek(2).Kind == tColon
	if isLambda {
		return p.parseLambda()
	}
	p.advance()
	x := p.parsePipeExpr()
	p.expect(tRParen, "to close '('")
	return &ParenExpr{Lparen: lp, X: x}
}

func (p *parser) parseLambda() Expr {
	f := &FuncExpr{Lparen: p.advance().Pos}
	for p.tok().Kind != tRParen && p.tok().Kind != tEOF {
		before := p.i
		f.Params = append(f.Params, p.parseParam())
		if p.bad || p.i == before || !p.got(tComma) {
			break
		}
	}
	p.expect(tRParen, "after parameters")
	p.expect(tLBrace, "to open the function body")
	for p.isWord("let") && p.peek(1).Kind == tIdent {
		f.Lets = append(f.Lets, p.parseLet())
		p.expect(tSemi, "after let in function body")
		for p.got(tSemi) {
		}
	}
	if p.tok().Kind == tRBrace {
		p.errExpected("an expression", "as the function result")
	} else {
		f.Body = p.parsePipeExpr()
	}
	for p.got(tSemi) {
	}
	p.expect(tRBrace, "to close the function body")
	return f
}

func (p *parser) parseParam() *Param {
	prm := &Param{Name: p.parseIdent("as parameter name")}
	p.expect(tColon, "after parameter name")
	if p.tok().Kind == tLParen {
		prm.Tabular = true
		prm.Columns, prm.Star = p.parseSchema("in tabular parameter")
	} else {
		prm.Type = p.parseTypeName("as parameter type")
	}
	if p.got(tAssign) {
		prm.Default = p.parseExpr(false)
	}
	return prm
}

// scalarTypes are the KQL type words accepted in declarations.
var scalarTypes = map[string]bool{
	"string": true, "int": true, "long": true, "real": true, "double": true, "bool": true, "boolean": true,
	"datetime": true, "date": true, "timespan": true, "time": true, "dynamic": true, "guid": true, "uniqueid": true, "decimal": true,
}

func (p *parser) parseTypeName(context string) string {
	t := p.tok()
	if t.Kind == tIdent && scalarTypes[t.Text] {
		p.advance()
		return canonicalTypeWord(t.Text)
	}
	p.errExpected("a type name", context)
	return ""
}

// parseSchema parses (name:type, ...) or (*) or (name:type, *).
func (p *parser) parseSchema(context string) ([]*ColumnDecl, bool) {
	p.expect(tLParen, context)
	var cols []*ColumnDecl
	star := false
	for p.tok().Kind != tRParen && p.tok().Kind != tEOF {
		if p.got(tStar) {
			star = true
		} else {
			c := &ColumnDecl{Name: p.parseIdent("as column name")}
			p.expect(tColon, "after column name")
			c.Type = p.parseTypeName("as column type")
			cols = append(cols, c)
		}
		if p.bad || !p.got(tComma) {
			break
		}
	}
	p.expect(tRParen, "to close the schema")
	return cols, star
}

// parseDynamicLit parses dynamic(value) with JSON-like values.
func (p *parser) parseDynamicLit() Expr {
	pos := p.advance().Pos
	p.expect(tLParen, "after 'dynamic'")
	v := p.parseDynValue()
	p.expect(tRParen, "to close dynamic(")
	return &DynamicLit{DynPos: pos, Value: v}
}

func (p *parser) parseDynValue() any {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	t := p.tok()
	switch t.Kind {
	case tLBrack:
		p.advance()
		arr := []any{}
		for p.tok().Kind != tRBrack && p.tok().Kind != tEOF {
			before := p.i
			arr = append(arr, p.parseDynValue())
			if p.bad || p.i == before || !p.got(tComma) {
				break
			}
		}
		p.expect(tRBrack, "to close the dynamic array")
		return arr
	case tLBrace:
		p.advance()
		obj := &DynObject{}
		for p.tok().Kind != tRBrace && p.tok().Kind != tEOF {
			k := p.tok()
			if k.Kind != tString && k.Kind != tIdent {
				p.errExpected("a property name", "in dynamic object")
				return obj
			}
			p.advance()
			p.expect(tColon, "after property name")
			obj.Keys = append(obj.Keys, k.Text)
			obj.Vals = append(obj.Vals, p.parseDynValue())
			if p.bad || !p.got(tComma) {
				break
			}
		}
		p.expect(tRBrace, "to close the dynamic object")
		return obj
	case tString:
		p.advance()
		return t.Text
	case tInt, tReal:
		p.advance()
		return DynNumber(t.Raw)
	case tMinus:
		if n := p.peek(1); n.Kind == tInt || n.Kind == tReal {
			p.advance()
			p.advance()
			return DynNumber("-" + n.Raw)
		}
	case tTimespan:
		// dynamic([1d]) holds a timespan; keep it as its string spelling.
		p.advance()
		return t.Raw
	case tTypedLit:
		p.advance()
		return t.Raw
	case tIdent:
		switch t.Text {
		case "null":
			p.advance()
			return nil
		case "true":
			p.advance()
			return true
		case "false":
			p.advance()
			return false
		}
	}
	p.errExpected("a dynamic value", "")
	return nil
}

// tryTabularSource parses a source operator (union, datatable, range,
// print, search) when the current word starts one.
func (p *parser) tryTabularSource() Expr {
	t := p.tok()
	n := p.peek(1)
	switch t.Text {
	case "union":
		if n.Kind == tIdent || n.Kind == tLParen || n.Kind == tStar || n.Kind == tLBrack && p.peek(2).Kind == tString {
			p.advance()
			return p.parseUnion(t.Pos)
		}
	case "externaldata":
		if n.Kind == tLParen {
			p.advance()
			return p.parseExternalData(t.Pos)
		}
	case "datatable":
		if n.Kind == tLParen {
			p.advance()
			return p.parseDatatable(t.Pos)
		}
	case "range":
		if n.Kind == tIdent && p.isWordAt(2, "from") {
			p.advance()
			return p.parseRange(t.Pos)
		}
	case "print":
		switch n.Kind {
		case tEOF, tSemi, tPipe, tRParen, tComma, tEq, tNe, tDot:
		default:
			p.advance()
			return p.parsePrint(t.Pos)
		}
	case "search":
		switch n.Kind {
		case tString, tIdent, tStar, tLParen, tLBrack:
			p.advance()
			return p.parseSearch(t.Pos)
		}
	case "evaluate":
		if n.Kind == tIdent {
			p.advance()
			return p.parseEvaluate(t.Pos)
		}
	}
	return nil
}
