package kql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Print renders a query in canonical form: one statement per line ending in
// ';' (the last without), each tabular operator on its own line after '|',
// strings double-quoted. Parsing the output yields the same tree, and
// printing that again yields the same text.
func Print(q *Query) string {
	pr := &printer{}
	for i, s := range q.Stmts {
		if i > 0 {
			pr.b.WriteString(";\n")
		}
		pr.stmt(s)
	}
	return pr.b.String()
}

// FormatExpr renders one expression (or operator via FormatOperator).
func FormatExpr(x Expr) string {
	pr := &printer{}
	pr.expr(x)
	return pr.b.String()
}

type printer struct {
	b      strings.Builder
	indent int
}

func (pr *printer) ws(s string) { pr.b.WriteString(s) }

func (pr *printer) newline() {
	pr.b.WriteByte('\n')
	for i := 0; i < pr.indent; i++ {
		pr.b.WriteString("    ")
	}
}

func (pr *printer) stmt(s Stmt) {
	switch s := s.(type) {
	case *LetStmt:
		pr.ws("let ")
		pr.ident(s.Name)
		pr.ws(" = ")
		pr.expr(s.Value)
	case *SetStmt:
		pr.ws("set ")
		pr.ident(s.Name)
		if s.Value != nil {
			pr.ws(" = ")
			pr.expr(s.Value)
		}
	case *ExprStmt:
		pr.expr(s.X)
	}
}

// identNeedsBrackets reports whether a name must be written ['...'].
func identNeedsBrackets(name string) bool {
	if name == "" {
		return true
	}
	for i, r := range name {
		if i == 0 && r == '$' {
			continue
		}
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			return true
		}
	}
	return keywordLike[name]
}

// keywordLike are words the parser reads as syntax wherever they stand, so
// a column of that name must be bracketed.
var keywordLike = map[string]bool{
	"and": true, "or": true, "true": true, "false": true, "by": true, "on": true, "with": true,
	"has": true, "contains": true, "in": true, "between": true, "matches": true, "let": true,
	"startswith": true, "endswith": true, "has_any": true, "has_all": true, "like": true, "set": true,
	"hasprefix": true, "hassuffix": true, "has_cs": true, "contains_cs": true, "startswith_cs": true,
	"endswith_cs": true, "hasprefix_cs": true, "hassuffix_cs": true, "has_any_cs": true, "has_all_cs": true,
	"dynamic": true, "datetime": true, "timespan": true, "date": true, "time": true, "guid": true,
	"int": true, "long": true, "real": true, "double": true, "decimal": true, "bool": true, "boolean": true,
	"union": true, "datatable": true, "range": true, "print": true, "search": true, "evaluate": true,
	"asc": true, "desc": true, "nulls": true, "step": true, "from": true, "to": true, "of": true, "default": true, "kind": true,
}

// wildIdent prints a name that may hold '*' wildcards (project-away Event*).
func (pr *printer) wildIdent(id *Ident) {
	if strings.Contains(id.Name, "*") && !identNeedsBrackets(strings.ReplaceAll(id.Name, "*", "x")) {
		pr.ws(id.Name)
		return
	}
	pr.ident(id)
}

// tables prints the table list of union and search: names (wildcards
// allowed) or tabular expressions, comma-separated.
func (pr *printer) tables(ts []Expr) {
	for i, t := range ts {
		if i > 0 {
			pr.ws(", ")
		}
		if id, ok := t.(*Ident); ok {
			pr.wildIdent(id)
		} else {
			pr.expr(t)
		}
	}
}

func (pr *printer) ident(id *Ident) {
	if id == nil {
		return
	}
	if identNeedsBrackets(id.Name) {
		pr.ws("[")
		pr.ws(quoteKQL(id.Name))
		pr.ws("]")
		return
	}
	pr.ws(id.Name)
}

// quoteKQL writes s as a double-quoted KQL string literal.
func quoteKQL(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == 0xfeff:
			b.WriteString(`\u`)
			b.WriteString(strconv.FormatUint(uint64(r)|0x10000, 16)[1:])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

func (pr *printer) exprList(xs []Expr) {
	for i, x := range xs {
		if i > 0 {
			pr.ws(", ")
		}
		pr.expr(x)
	}
}

func (pr *printer) named(n *NamedExpr) {
	switch len(n.Names) {
	case 0:
	case 1:
		pr.ident(n.Names[0])
		pr.ws(" = ")
	default:
		pr.ws("(")
		for i, id := range n.Names {
			if i > 0 {
				pr.ws(", ")
			}
			pr.ident(id)
		}
		pr.ws(") = ")
	}
	pr.expr(n.X)
}

func (pr *printer) namedList(ns []*NamedExpr) {
	for i, n := range ns {
		if i > 0 {
			pr.ws(", ")
		}
		pr.named(n)
	}
}

func (pr *printer) options(opts []*OptionArg) {
	for _, o := range opts {
		pr.ws(o.Name)
		pr.ws("=")
		if o.Kind == tString {
			pr.ws(quoteKQL(o.Value))
		} else {
			pr.ws(o.Value)
		}
		pr.ws(" ")
	}
}

func (pr *printer) lit(x *BasicLit) {
	if x.Kind == LitNull {
		pr.ws(x.Type + "(null)")
		return
	}
	switch x.Kind {
	case LitString:
		pr.ws(quoteKQL(x.Value))
		return
	case LitDatetime, LitGuid:
		pr.ws(x.Type + "(" + x.Value + ")")
		return
	case LitTimespan:
		if x.Type != "" {
			pr.ws("timespan(" + x.Value + ")")
		} else {
			pr.ws(x.Value)
		}
		return
	}
	if x.Type != "" {
		pr.ws(x.Type + "(" + x.Value + ")")
		return
	}
	pr.ws(x.Value)
}

func (pr *printer) dyn(v any) {
	switch v := v.(type) {
	case nil:
		pr.ws("null")
	case bool:
		pr.ws(strconv.FormatBool(v))
	case string:
		pr.ws(quoteKQL(v))
	case DynNumber:
		pr.ws(string(v))
	case []any:
		pr.ws("[")
		for i, e := range v {
			if i > 0 {
				pr.ws(", ")
			}
			pr.dyn(e)
		}
		pr.ws("]")
	case *DynObject:
		pr.ws("{")
		for i, k := range v.Keys {
			if i > 0 {
				pr.ws(", ")
			}
			pr.ws(quoteKQL(k))
			pr.ws(": ")
			pr.dyn(v.Vals[i])
		}
		pr.ws("}")
	}
}

func (pr *printer) expr(x Expr) {
	switch x := x.(type) {
	case nil:
		pr.ws("<nil>")
	case *Ident:
		pr.ident(x)
	case *BasicLit:
		pr.lit(x)
	case *DynamicLit:
		pr.ws("dynamic(")
		pr.dyn(x.Value)
		pr.ws(")")
	case *BinaryExpr:
		pr.expr(x.X)
		pr.ws(" " + x.Op + " ")
		pr.expr(x.Y)
	case *UnaryExpr:
		pr.ws(x.Op)
		pr.expr(x.X)
	case *InExpr:
		pr.expr(x.X)
		pr.ws(" " + x.Op + " (")
		pr.exprList(x.List)
		pr.ws(")")
	case *BetweenExpr:
		pr.expr(x.X)
		if x.Not {
			pr.ws(" !between (")
		} else {
			pr.ws(" between (")
		}
		pr.expr(x.Lo)
		pr.ws(" .. ")
		pr.expr(x.Hi)
		pr.ws(")")
	case *CallExpr:
		// A function name before '(' is always read as a name, except the
		// typed-literal words (date(...) would lex as a literal).
		pr.ws(x.Fun.Name)
		if typedLitWords[x.Fun.Name] {
			pr.ws(" ")
		}
		pr.ws("(")
		pr.exprList(x.Args)
		pr.ws(")")
	case *NamedArg:
		pr.ident(x.Name)
		pr.ws("=")
		pr.expr(x.X)
	case *MemberExpr:
		pr.expr(x.X)
		pr.ws(".")
		pr.ident(x.Sel)
	case *IndexExpr:
		pr.expr(x.X)
		pr.ws("[")
		pr.expr(x.Index)
		pr.ws("]")
	case *ParenExpr:
		pr.ws("(")
		pr.expr(x.X)
		pr.ws(")")
	case *StarExpr:
		pr.ws("*")
	case *PipeExpr:
		pr.expr(x.Source)
		pr.indent++
		for _, op := range x.Ops {
			pr.newline()
			pr.ws("| ")
			pr.operator(op)
		}
		pr.indent--
	case *FuncExpr:
		pr.ws("(")
		for i, prm := range x.Params {
			if i > 0 {
				pr.ws(", ")
			}
			pr.param(prm)
		}
		pr.ws(") {")
		pr.indent++
		for _, l := range x.Lets {
			pr.newline()
			pr.stmt(l)
			pr.ws(";")
		}
		pr.newline()
		pr.expr(x.Body)
		pr.indent--
		pr.newline()
		pr.ws("}")
	case *BadExpr:
		pr.ws("<bad>")
	case Operator:
		pr.operator(x)
	default:
		pr.ws("<?>")
	}
}

func (pr *printer) param(prm *Param) {
	pr.ident(prm.Name)
	pr.ws(":")
	if prm.Tabular {
		pr.schema(prm.Columns, prm.Star)
	} else {
		pr.ws(prm.Type)
	}
	if prm.Default != nil {
		pr.ws(" = ")
		pr.expr(prm.Default)
	}
}

func (pr *printer) schema(cols []*ColumnDecl, star bool) {
	pr.ws("(")
	for i, c := range cols {
		if i > 0 {
			pr.ws(", ")
		}
		pr.ident(c.Name)
		pr.ws(":")
		pr.ws(c.Type)
	}
	if star {
		if len(cols) > 0 {
			pr.ws(", ")
		}
		pr.ws("*")
	}
	pr.ws(")")
}

// operator prints one tabular operator (without the leading '|').
func (pr *printer) operator(op Operator) {
	if f, ok := op.(interface{ format(*printer) }); ok {
		f.format(pr)
		return
	}
	pr.ws(op.Name())
}
