package kql

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"wsec/internal/event"
)

// DatatableOp is `datatable(Col:type, ...) [v1, v2, ...]`: the values fill
// the rows in order.
type DatatableOp struct {
	OpPos  Pos
	Cols   []*ColumnDecl
	Values []Expr
}

// RangeOp is `range Col from A to B step S`.
type RangeOp struct {
	OpPos Pos
	Col   *Ident
	From  Expr
	To    Expr
	Step  Expr
}

// PrintOp is `print [Name =] X, ...`: one row.
type PrintOp struct {
	OpPos Pos
	Cols  []*NamedExpr
}

func (o *DatatableOp) Pos() Pos     { return o.OpPos }
func (o *DatatableOp) Name() string { return "datatable" }
func (*DatatableOp) exprNode()      {}
func (o *RangeOp) Pos() Pos         { return o.OpPos }
func (o *RangeOp) Name() string     { return "range" }
func (*RangeOp) exprNode()          {}
func (o *PrintOp) Pos() Pos         { return o.OpPos }
func (o *PrintOp) Name() string     { return "print" }
func (*PrintOp) exprNode()          {}

func (p *parser) parseDatatable(pos Pos) Expr {
	o := &DatatableOp{OpPos: pos}
	o.Cols, _ = p.parseSchema("after 'datatable'")
	o.Values = p.parseBracketed("the datatable values")
	return o
}

// parseBracketed parses [expr, ...] (datatable values, externaldata URIs).
func (p *parser) parseBracketed(what string) []Expr {
	var xs []Expr
	p.expect(tLBrack, "to open "+what)
	for p.tok().Kind != tRBrack && p.tok().Kind != tEOF {
		before := p.i
		xs = append(xs, p.parseExpr(false))
		if p.bad || p.i == before || !p.got(tComma) {
			break
		}
	}
	p.expect(tRBrack, "to close "+what)
	return xs
}

func (p *parser) parseRange(pos Pos) Expr {
	o := &RangeOp{OpPos: pos, Col: p.parseIdent("after 'range'")}
	p.expectWord("from", "in range")
	o.From = p.parseExpr(false)
	p.expectWord("to", "in range")
	o.To = p.parseExpr(false)
	p.expectWord("step", "in range")
	o.Step = p.parseExpr(false)
	return o
}

func (p *parser) parsePrint(pos Pos) Expr {
	return &PrintOp{OpPos: pos, Cols: p.parseNamedList("in print", false)}
}

func (o *DatatableOp) format(pr *printer) {
	pr.ws("datatable")
	pr.schema(o.Cols, false)
	pr.ws(" [")
	pr.exprList(o.Values)
	pr.ws("]")
}

func (o *RangeOp) format(pr *printer) {
	pr.ws("range ")
	pr.ident(o.Col)
	pr.ws(" from ")
	pr.expr(o.From)
	pr.ws(" to ")
	pr.expr(o.To)
	pr.ws(" step ")
	pr.expr(o.Step)
}

func (o *PrintOp) format(pr *printer) {
	pr.ws("print ")
	pr.namedList(o.Cols)
}

func (c *checker) checkDatatable(o *DatatableOp, e *env) Rel {
	v := c.declaredValues(o.Pos(), "datatable", o.Cols)
	if v == nil {
		return nil
	}
	if len(o.Values)%len(v.Cols) != 0 {
		c.errorf(o.Pos(), "datatable has %d values, not a multiple of its %d columns", len(o.Values), len(v.Cols))
		return nil
	}
	var row []Scalar
	for i, x := range o.Values {
		s := c.scalar(x, nil, e)
		if s == nil {
			return nil
		}
		col := v.Cols[i%len(v.Cols)]
		k, ok := foldLiteral(s)
		if !ok {
			c.errorf(x.Pos(), "datatable values must be constants")
			return nil
		}
		conv, ok := convertConst(k, col.Type)
		if !ok {
			c.errorf(x.Pos(), "value of type %s does not fit column '%s' of type %s", k.T, col.Name, col.Type)
			return nil
		}
		row = append(row, conv)
		if len(row) == len(v.Cols) {
			v.Rows = append(v.Rows, row)
			row = nil
		}
	}
	return v
}

// foldLiteral accepts a constant or a negated numeric constant.
func foldLiteral(s Scalar) (*Const, bool) {
	switch x := s.(type) {
	case *Const:
		return x, true
	case *Call:
		if x.Fn == "neg" && len(x.Args) == 1 {
			if k, ok := x.Args[0].(*Const); ok {
				switch v := k.V.(type) {
				case int64:
					return &Const{T: k.T, V: -v}, true
				case float64:
					return &Const{T: k.T, V: -v}, true
				case time.Duration:
					return &Const{T: k.T, V: -v}, true
				}
			}
		}
	}
	return nil, false
}

// convertConst converts a constant to a column type where KQL would.
func convertConst(k *Const, t Type) (*Const, bool) {
	if k.V == nil {
		return Null(t), true
	}
	if k.T == t || t.IsDynamic() && k.T == TDynamic {
		return k, true
	}
	switch t {
	case TInt, TLong:
		if n, ok := k.V.(int64); ok {
			return &Const{T: t, V: n}, true
		}
	case TReal:
		switch n := k.V.(type) {
		case int64:
			return &Const{T: t, V: float64(n)}, true
		case float64:
			return &Const{T: t, V: n}, true
		}
	case TDynamic:
		return &Const{T: TDynamic, V: Dynamic(constJSON(k))}, true
	case TGuid:
		if s, ok := k.V.(string); ok {
			return &Const{T: TGuid, V: strings.ToLower(s)}, true
		}
	case TString:
		if k.T == TGuid {
			return &Const{T: TString, V: k.V}, true
		}
	}
	return nil, false
}

// constJSON renders a scalar constant as JSON.
func constJSON(k *Const) string {
	switch v := k.V.(type) {
	case nil:
		return "null"
	case Dynamic:
		return string(v)
	case string:
		return string(event.AppendJSONString(nil, v))
	case bool, int64:
		b, _ := json.Marshal(v)
		return string(b)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return string(event.AppendJSONString(nil, constText(k)))
}

func (c *checker) checkRange(o *RangeOp, e *env) Rel {
	from, to, step := c.scalar(o.From, nil, e), c.scalar(o.To, nil, e), c.scalar(o.Step, nil, e)
	if from == nil || to == nil || step == nil {
		return nil
	}
	t := from.Type()
	switch {
	case t.IsNumeric():
		if !to.Type().IsNumeric() || !step.Type().IsNumeric() {
			c.errorf(o.Pos(), "range bounds and step must be numbers")
			return nil
		}
		t = promote(promote(t, to.Type()), step.Type())
		if t == TInt {
			t = TLong
		}
	case t == TDateTime:
		if to.Type() != TDateTime || step.Type() != TTimeSpan {
			c.errorf(o.Pos(), "a datetime range needs datetime bounds and a timespan step")
			return nil
		}
	case t == TTimeSpan:
		if to.Type() != TTimeSpan || step.Type() != TTimeSpan {
			c.errorf(o.Pos(), "a timespan range needs timespan bounds and step")
			return nil
		}
	default:
		c.errorf(o.From.Pos(), "range needs numbers, datetimes or timespans, got %s", t)
		return nil
	}
	return &Range{Col: Column{Name: o.Col.Name, Type: t}, From: from, To: to, Step: step}
}

func (c *checker) checkPrint(o *PrintOp, e *env) Rel {
	v := &Values{}
	nm := newNamer("print_", nil)
	var row []Scalar
	for _, ne := range o.Cols {
		s := c.scalar(ne.X, nil, e)
		if s == nil {
			return nil
		}
		name := ""
		switch len(ne.Names) {
		case 0:
			name = nm.fresh()
		case 1:
			name = ne.Names[0].Name
		default:
			c.errorf(ne.Pos(), "print assigns one name per value")
			return nil
		}
		if nm.taken[name] && len(ne.Names) == 1 {
			c.errorf(ne.Pos(), "column '%s' is printed twice", name)
			return nil
		}
		nm.taken[name] = true
		v.Cols = append(v.Cols, Column{Name: name, Type: s.Type()})
		row = append(row, s)
	}
	v.Rows = [][]Scalar{row}
	return v
}

// declaredValues starts the Values of a schema written in the query
// (datatable, externaldata); nil when it has no valid column.
func (c *checker) declaredValues(pos Pos, what string, decls []*ColumnDecl) *Values {
	v := &Values{}
	for _, cd := range decls {
		t, ok := ParseType(cd.Type)
		if !ok {
			return nil
		}
		v.Cols = append(v.Cols, Column{Name: cd.Name.Name, Type: t})
	}
	if len(v.Cols) == 0 {
		c.errorf(pos, "%s needs at least one column", what)
		return nil
	}
	return v
}
