package kql

import (
	"fmt"
	"strings"
)

// UnionOp is `union [kind=inner|outer] [withsource=Col] [isfuzzy=true]
// Tables`. As a pipe operator the piped input is the first table. Tables are
// names (with '*' wildcards), parenthesised tabular expressions or calls.
type UnionOp struct {
	OpPos  Pos
	Opts   []*OptionArg
	Tables []Expr
}

func (o *UnionOp) Pos() Pos     { return o.OpPos }
func (o *UnionOp) Name() string { return "union" }
func (*UnionOp) exprNode()      {}

func (p *parser) parseUnion(pos Pos) *UnionOp {
	o := &UnionOp{OpPos: pos, Opts: p.parseOptions("kind", "withsource", "isfuzzy")}
	for {
		before := p.i
		var x Expr
		switch {
		case p.tok().Kind == tLParen:
			lp := p.advance().Pos
			inner := p.parsePipeExpr()
			p.expect(tRParen, "to close a union leg")
			x = &ParenExpr{Lparen: lp, X: inner}
		case p.tok().Kind == tIdent && p.peek(1).Kind == tLParen:
			x = p.parsePostfix(false)
		case p.tok().Kind == tIdent || p.tok().Kind == tStar:
			x = p.parseWildIdent("as a union leg")
		default:
			x = p.parseIdent("as a union leg")
		}
		o.Tables = append(o.Tables, x)
		if p.bad || p.i == before || !p.got(tComma) {
			return o
		}
	}
}

func (o *UnionOp) format(pr *printer) {
	pr.ws("union ")
	pr.options(o.Opts)
	pr.tables(o.Tables)
}

func (c *checker) checkUnion(o *UnionOp, in Rel, e *env) Rel {
	kind := "outer"
	if k, ok := optionValue(o.Opts, "kind"); ok {
		if k != "inner" && k != "outer" {
			c.errorf(o.Pos(), "union kind must be inner or outer, got '%s'", k)
			return nil
		}
		kind = k
	}
	source, _ := optionValue(o.Opts, "withsource")
	fuzzy := false
	if v, ok := optionValue(o.Opts, "isfuzzy"); ok {
		fuzzy = v == "true"
	}
	var legs []Rel
	var names []string
	if in != nil {
		legs = append(legs, in)
		names = append(names, "union_arg0")
	}
	for _, t := range o.Tables {
		switch x := t.(type) {
		case *Ident:
			if strings.Contains(x.Name, "*") {
				matched := 0
				for _, name := range sortedTableNames(c.cat) {
					if matchWild(x.Name, name) {
						legs = append(legs, c.scanTable(name))
						names = append(names, name)
						matched++
					}
				}
				if matched == 0 && !fuzzy {
					c.errorf(x.Pos(), "no table matches '%s'", x.Name)
					return nil
				}
				continue
			}
			if fuzzy && e.lookup(x.Name) == nil {
				if _, ok := c.cat.Table(x.Name); !ok {
					continue // isfuzzy: a missing table is skipped
				}
			}
			r := c.tableRef(x, e)
			if r == nil {
				return nil
			}
			legs = append(legs, r)
			names = append(names, x.Name)
		default:
			if fuzzy && !c.legResolvable(t, e) {
				continue
			}
			r := c.tabular(t, e)
			if r == nil {
				return nil
			}
			legs = append(legs, r)
			names = append(names, fmt.Sprintf("union_arg%d", len(names)))
		}
	}
	if len(legs) == 0 {
		c.errorf(o.Pos(), "union has no table to read (every leg is missing)")
		return nil
	}
	if len(legs) == 1 && source == "" {
		return legs[0]
	}
	return &Union{Ins: legs, Cols: unionColumns(legs, kind, source), Source: source, Names: names}
}

// legResolvable reports whether every table a union leg reads exists, so
// isfuzzy=true can skip legs over missing tables.
func (c *checker) legResolvable(x Expr, e *env) bool {
	ok := true
	var walk func(Expr)
	walk = func(x Expr) {
		switch x := x.(type) {
		case *ParenExpr:
			walk(x.X)
		case *PipeExpr:
			walk(x.Source)
			for _, op := range x.Ops {
				if j, isJoin := op.(*JoinOp); isJoin {
					walk(j.Right)
				}
			}
		case *Ident:
			if e.lookup(x.Name) == nil {
				if _, found := c.cat.Table(x.Name); !found {
					ok = false
				}
			}
		}
	}
	walk(x)
	return ok
}

// unionColumns merges the legs' schemas by name. A name whose type differs
// between legs becomes one column per type, named Name_type, as KQL does.
// kind=inner keeps only columns every leg has.
func unionColumns(legs []Rel, kind, source string) []Column {
	var order []string
	types := map[string][]Type{}
	count := map[string]int{}
	for _, l := range legs {
		seen := map[string]bool{}
		for _, col := range l.Columns() {
			if col.Name == BagColumn || seen[col.Name] {
				continue
			}
			seen[col.Name] = true
			if _, ok := types[col.Name]; !ok {
				order = append(order, col.Name)
			}
			count[col.Name]++
			if !containsType(types[col.Name], col.Type) {
				types[col.Name] = append(types[col.Name], col.Type)
			}
		}
	}
	var cols []Column
	if source != "" {
		cols = append(cols, Column{Name: source, Type: TString})
	}
	for _, name := range order {
		if kind == "inner" && count[name] != len(legs) {
			continue
		}
		ts := knownTypes(types[name])
		if len(ts) == 1 {
			cols = append(cols, Column{Name: name, Type: ts[0]})
			continue
		}
		for _, t := range ts {
			cols = append(cols, Column{Name: name + "_" + t.String(), Type: t})
		}
	}
	return cols
}

// knownTypes merges an unknown type (a property of an open row) into the
// one known type a column has in the other legs.
func knownTypes(ts []Type) []Type {
	var known []Type
	for _, t := range ts {
		if t != TUnknown {
			known = append(known, t)
		}
	}
	switch len(known) {
	case 0:
		return []Type{TDynamic}
	case 1:
		return known
	}
	return ts
}

func containsType(ts []Type, t Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// UnionSource returns which column of leg feeds the union's output column
// out ("" when the leg has none: the value is null).
func UnionSource(u *Union, leg int, out Column) string {
	for _, col := range u.Ins[leg].Columns() {
		if col.Name == out.Name && (col.Type == out.Type || col.Type == TUnknown) {
			return col.Name
		}
		if col.Name+"_"+col.Type.String() == out.Name && col.Type == out.Type {
			return col.Name
		}
	}
	return ""
}
