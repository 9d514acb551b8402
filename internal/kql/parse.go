package kql

import (
	"fmt"
	"strings"

	"wsec/internal/suggest"
)

// Parse parses a KQL query: statements separated by ';' (let, set, and
// tabular expression statements). On error it returns the partial query and
// an ErrorList of every error found, each with its line and column and what
// was expected.
func Parse(src string) (*Query, error) {
	li := newLineIndex(src)
	sink := &errSink{li: li}
	q := &Query{Src: src, li: li}
	if len(src) > MaxQueryBytes {
		sink.add(0, "query is %d bytes, longer than the %d-byte limit", len(src), MaxQueryBytes)
		return q, sink.err()
	}
	lx := &lexer{src: src, errs: sink}
	p := &parser{toks: lx.all(), errs: sink, src: src}
	q.Stmts = p.parseStatements()
	return q, sink.err()
}

// parser is a recursive-descent parser over the token slice. After the first
// error of a statement it stops reporting (p.bad) until it resynchronises at
// the next ';', so one mistake yields one message.
type parser struct {
	toks  []token
	i     int
	errs  *errSink
	src   string
	depth int
	bad   bool
}

// BadExpr stands where an expression could not be parsed; it only appears
// in queries that also returned errors.
type BadExpr struct{ From Pos }

func (x *BadExpr) Pos() Pos { return x.From }
func (*BadExpr) exprNode()  {}

func (p *parser) tok() token { return p.toks[p.i] }
func (p *parser) peek(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.Kind != tEOF {
		p.i++
	}
	return t
}

// adjacent reports whether token n+1 follows token n with no space between.
func (p *parser) adjacent(n int) bool { return p.peek(n).End == p.peek(n+1).Pos }

func (p *parser) isWord(w string) bool {
	t := p.tok()
	return t.Kind == tIdent && t.Text == w
}

func (p *parser) isWordAt(n int, w string) bool {
	t := p.peek(n)
	return t.Kind == tIdent && t.Text == w
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	if p.bad {
		return
	}
	p.bad = true
	p.errs.add(pos, format, args...)
}

// errExpected reports "expected X <context>, found Y" at the current token.
func (p *parser) errExpected(what, context string) {
	t := p.tok()
	msg := "expected " + what
	if context != "" {
		msg += " " + context
	}
	if t.Kind == tAssign {
		// The usual slip of SQL and C# users: '=' only names or assigns.
		p.errorf(t.Pos, "%s, found %s (to compare values use '==')", msg, t.describe())
		return
	}
	p.errorf(t.Pos, "%s, found %s", msg, t.describe())
}

func (p *parser) expect(k tokKind, context string) token {
	t := p.tok()
	if t.Kind != k {
		p.errExpected(k.String(), context)
		return token{Kind: k, Pos: t.Pos, End: t.Pos}
	}
	return p.advance()
}

func (p *parser) expectWord(w, context string) Pos {
	t := p.tok()
	if t.Kind != tIdent || t.Text != w {
		p.errExpected("'"+w+"'", context)
		return t.Pos
	}
	p.advance()
	return t.Pos
}

func (p *parser) got(k tokKind) bool {
	if p.tok().Kind == k {
		p.advance()
		return true
	}
	return false
}

func (p *parser) gotWord(w string) bool {
	if p.isWord(w) {
		p.advance()
		return true
	}
	return false
}

// enter guards recursion depth; callers must call leave when it returns true.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > MaxNestingDepth {
		p.errorf(p.tok().Pos, "expression nested too deeply (more than %d levels)", MaxNestingDepth)
		p.depth--
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parseStatements() []Stmt {
	var stmts []Stmt
	for p.tok().Kind != tEOF {
		if p.got(tSemi) {
			continue
		}
		start := p.i
		s := p.parseStatement()
		if s != nil {
			stmts = append(stmts, s)
		}
		switch {
		case p.tok().Kind == tSemi:
			p.advance()
		case p.tok().Kind == tEOF:
		default:
			if !p.bad {
				p.errExpected("';' or '|'", "after statement")
			}
		}
		if p.bad {
			p.sync()
		}
		if p.i == start { // no progress: skip a token so parsing ends
			p.advance()
		}
		p.bad = false
	}
	return stmts
}

// sync skips to just after the next ';' outside brackets, or to EOF.
func (p *parser) sync() {
	depth := 0
	for {
		switch p.tok().Kind {
		case tEOF:
			return
		case tLParen, tLBrack, tLBrace:
			depth++
		case tRParen, tRBrack, tRBrace:
			if depth > 0 {
				depth--
			}
		case tSemi:
			if depth == 0 {
				p.advance()
				return
			}
		}
		p.advance()
	}
}

func (p *parser) parseStatement() Stmt {
	switch {
	case p.isWord("let") && p.peek(1).Kind == tIdent || p.isWord("let") && p.peek(1).Kind == tLBrack:
		return p.parseLet()
	case p.isWord("set") && p.peek(1).Kind == tIdent && (p.peek(2).Kind == tSemi || p.peek(2).Kind == tAssign || p.peek(2).Kind == tEOF):
		pos := p.advance().Pos
		s := &SetStmt{Set: pos, Name: p.parseIdent("after 'set'")}
		if p.got(tAssign) {
			s.Value = p.parseExpr(false)
		}
		return s
	}
	x := p.parsePipeExpr()
	return &ExprStmt{X: x}
}

func (p *parser) parseLet() *LetStmt {
	pos := p.advance().Pos
	s := &LetStmt{Let: pos, Name: p.parseIdent("after 'let'")}
	p.expect(tAssign, "after let name")
	s.Value = p.parsePipeExpr()
	return s
}

// parseIdent parses a name or a ['bracketed name'].
func (p *parser) parseIdent(context string) *Ident {
	t := p.tok()
	switch {
	case t.Kind == tIdent:
		p.advance()
		return &Ident{NamePos: t.Pos, Name: t.Text}
	case t.Kind == tLBrack && p.peek(1).Kind == tString && p.peek(2).Kind == tRBrack:
		p.advance()
		s := p.advance()
		p.advance()
		return &Ident{NamePos: t.Pos, Name: s.Text, Bracketed: true}
	}
	p.errExpected("a name", context)
	return &Ident{NamePos: t.Pos, Name: ""}
}

func (p *parser) atIdent() bool {
	t := p.tok()
	return t.Kind == tIdent || t.Kind == tLBrack && p.peek(1).Kind == tString && p.peek(2).Kind == tRBrack
}

// parsePipeExpr parses Source | op | op ... (a tabular context: pipes and
// source operators are allowed).
func (p *parser) parsePipeExpr() Expr {
	if !p.enter() {
		return &BadExpr{From: p.tok().Pos}
	}
	defer p.leave()
	x := p.parseExpr(true)
	if p.tok().Kind != tPipe {
		return x
	}
	pe := &PipeExpr{Source: x}
	for p.tok().Kind == tPipe {
		p.advance()
		before := p.i
		op := p.parseOperator()
		if op != nil {
			pe.Ops = append(pe.Ops, op)
		}
		if p.bad || p.i == before {
			break
		}
	}
	return pe
}

// operatorName reads a (possibly hyphenated) operator keyword such as
// project-away or mv-expand; the parts must touch.
func (p *parser) operatorName() (string, Pos) {
	t := p.tok()
	if t.Kind != tIdent {
		return "", t.Pos
	}
	name := t.Text
	p.advance()
	for p.tok().Kind == tMinus && p.peek(-1).End == p.tok().Pos && p.peek(1).Kind == tIdent && p.adjacent(0) {
		p.advance()
		name += "-" + p.advance().Text
	}
	return name, t.Pos
}

var operatorNames = []string{
	"where", "filter", "project", "project-away", "project-keep", "project-rename", "project-reorder",
	"extend", "summarize", "count", "take", "limit", "top", "top-nested", "sort", "order", "distinct",
	"join", "lookup", "union", "mv-expand", "mvexpand", "parse", "parse-where", "make-series", "as",
	"invoke", "evaluate", "render", "search", "serialize", "getschema", "sample", "mv-apply",
}

func (p *parser) parseOperator() Operator {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	name, pos := p.operatorName()
	switch name {
	case "where", "filter":
		return p.parseWhere(pos, name)
	case "project", "extend", "project-away", "project-keep", "project-rename", "project-reorder", "serialize":
		return p.parseProject(pos, name)
	case "summarize":
		return p.parseSummarize(pos)
	case "count":
		return p.parseCount(pos)
	case "take", "limit", "sample":
		return p.parseTake(pos, name)
	case "top":
		return p.parseTop(pos)
	case "top-nested":
		return p.parseTopNested(pos)
	case "sort", "order":
		return p.parseSort(pos, name)
	case "distinct":
		return p.parseDistinct(pos)
	case "join", "lookup":
		return p.parseJoin(pos, name)
	case "union":
		return p.parseUnion(pos)
	case "mv-expand", "mvexpand":
		return p.parseMvExpand(pos, name)
	case "mv-apply":
		return p.parseMvApply(pos)
	case "parse", "parse-where":
		return p.parseParse(pos, name)
	case "make-series":
		return p.parseMakeSeries(pos)
	case "as":
		return p.parseAs(pos)
	case "invoke":
		return p.parseInvoke(pos)
	case "evaluate":
		return p.parseEvaluate(pos)
	case "render":
		return p.parseRender(pos)
	case "search":
		return p.parseSearch(pos)
	case "getschema":
		return &GetSchemaOp{OpPos: pos}
	}
	if name == "" {
		p.errExpected("a tabular operator", "after '|'")
		return nil
	}
	if inReference("operator", name) {
		p.errorf(pos, "operator '%s' is part of KQL but not supported by wsec (internal/kql/COVERAGE.md lists what is)", name)
		return nil
	}
	msg := fmt.Sprintf("unknown tabular operator '%s'", name)
	if s := suggest.Nearest(name, operatorNames); s != "" {
		msg += fmt.Sprintf(" (did you mean '%s'?)", s)
	}
	p.errorf(pos, "%s", msg)
	return nil
}

// parseNamedList parses `[Name =] expr, ...`, also `(A, B) = expr` when
// tuples is set. It stops before a word in stop (e.g. "by") at top level.
func (p *parser) parseNamedList(context string, tuples bool, stop ...string) []*NamedExpr {
	var list []*NamedExpr
	for {
		if p.tok().Kind == tEOF || p.tok().Kind == tPipe || p.tok().Kind == tSemi || p.tok().Kind == tRParen {
			if len(list) == 0 {
				p.errExpected("an expression", context)
			}
			return list
		}
		before := p.i
		list = append(list, p.parseNamed(tuples))
		if p.bad || p.i == before || !p.got(tComma) {
			return list
		}
		if k := p.tok().Kind; k == tEOF || k == tPipe || k == tSemi || k == tRParen {
			p.errExpected("an expression", "after ','")
			return list
		}
		for _, w := range stop {
			if p.isWord(w) {
				return list
			}
		}
	}
}

func (p *parser) parseNamed(tuples bool) *NamedExpr {
	// (A, B) = expr
	if tuples && p.tok().Kind == tLParen && p.peek(1).Kind == tIdent {
		j := 1
		for p.peek(j).Kind == tIdent && (p.peek(j+1).Kind == tComma || p.peek(j+1).Kind == tRParen) {
			if p.peek(j+1).Kind == tRParen {
				if p.peek(j+2).Kind == tAssign {
					p.advance()
					var names []*Ident
					for p.tok().Kind != tRParen {
						names = append(names, p.parseIdent("in tuple"))
						if !p.got(tComma) {
							break
						}
					}
					p.expect(tRParen, "after tuple names")
					p.expect(tAssign, "after tuple names")
					return &NamedExpr{Names: names, X: p.parseExpr(false)}
				}
				break
			}
			j += 2
		}
	}
	if p.atIdent() {
		n := 1
		if p.tok().Kind == tLBrack {
			n = 3
		}
		if p.peek(n).Kind == tAssign {
			id := p.parseIdent("")
			p.advance()
			return &NamedExpr{Names: []*Ident{id}, X: p.parseExpr(false)}
		}
	}
	return &NamedExpr{X: p.parseExpr(false)}
}

// parseExprList parses x, y, ... (distinct columns, join conditions).
func (p *parser) parseExprList() []Expr {
	var xs []Expr
	for {
		before := p.i
		xs = append(xs, p.parseExpr(false))
		if p.bad || p.i == before || !p.got(tComma) {
			return xs
		}
	}
}

// parseWildIdent parses a name that may hold * wildcards (project-away
// Event*, union Security*).
func (p *parser) parseWildIdent(context string) *Ident {
	start := p.tok()
	var b strings.Builder
	end := start.Pos
	for {
		t := p.tok()
		if b.Len() > 0 && t.Pos != end {
			break
		}
		if t.Kind == tIdent || t.Kind == tStar || t.Kind == tInt && b.Len() > 0 {
			b.WriteString(t.Text)
			end = t.End
			p.advance()
			continue
		}
		break
	}
	if b.Len() == 0 {
		return p.parseIdent(context)
	}
	return &Ident{NamePos: start.Pos, Name: b.String()}
}

// parseOptions parses name=value hints that precede operator arguments
// (kind=inner, hint.strategy=shuffle, withsource=T, bagexpansion=array).
// Names may be dotted. Only names in allowed are consumed.
func (p *parser) parseOptions(allowed ...string) []*OptionArg {
	var opts []*OptionArg
	for p.tok().Kind == tIdent {
		name := p.tok().Text
		j := 1
		for p.peek(j).Kind == tDot && p.peek(j+1).Kind == tIdent {
			name += "." + p.peek(j+1).Text
			j += 2
		}
		if p.peek(j).Kind != tAssign || !optionAllowed(name, allowed) {
			return opts
		}
		pos := p.tok().Pos
		for k := 0; k <= j; k++ {
			p.advance()
		}
		o := &OptionArg{NamePos: pos, Name: name}
		switch t := p.tok(); t.Kind {
		case tIdent, tString, tInt, tReal, tTimespan:
			o.Value = t.Text
			o.Kind = t.Kind
			if t.Kind != tIdent && t.Kind != tString {
				o.Value = t.Raw
			}
			p.advance()
		default:
			p.errExpected("an option value", "after '"+name+"='")
			return opts
		}
		opts = append(opts, o)
	}
	return opts
}

func optionAllowed(name string, allowed []string) bool {
	if strings.HasPrefix(name, "hint.") {
		return true
	}
	for _, a := range allowed {
		if a == name {
			return true
		}
	}
	return false
}

// OptionArg is an operator option such as kind=leftouter or
// hint.strategy=shuffle. Kind is the token class of the value.
type OptionArg struct {
	NamePos Pos
	Name    string
	Value   string
	Kind    tokKind
}

func optionValue(opts []*OptionArg, name string) (string, bool) {
	for _, o := range opts {
		if o.Name == name {
			return o.Value, true
		}
	}
	return "", false
}
