package kql

// AsOp is `as [hint.materialized=true] Name`: it names the piped result so
// later statements can refer to it (and for withsource of union).
type AsOp struct {
	OpPos Pos
	Opts  []*OptionArg
	Alias *Ident
}

// InvokeOp is `invoke F(args)`: F is called with the piped table first.
type InvokeOp struct {
	OpPos Pos
	Call  *CallExpr
}

// EvaluateOp is `evaluate [hints] Plugin(args)` (bag_unpack, pivot, ...).
type EvaluateOp struct {
	OpPos Pos
	Opts  []*OptionArg
	Call  *CallExpr
}

// RenderOp is `render Visual [with (Prop = Value, ...)]`; it is kept as a
// hint for the UI and does not change the rows.
type RenderOp struct {
	OpPos  Pos
	Visual string
	Props  []*NamedExpr
}

// GetSchemaOp is `getschema`: the input's columns as rows.
type GetSchemaOp struct {
	OpPos Pos
}

func (o *AsOp) Pos() Pos            { return o.OpPos }
func (o *AsOp) Name() string        { return "as" }
func (o *InvokeOp) Pos() Pos        { return o.OpPos }
func (o *InvokeOp) Name() string    { return "invoke" }
func (o *EvaluateOp) Pos() Pos      { return o.OpPos }
func (o *EvaluateOp) Name() string  { return "evaluate" }
func (*EvaluateOp) exprNode()       {}
func (o *RenderOp) Pos() Pos        { return o.OpPos }
func (o *RenderOp) Name() string    { return "render" }
func (o *GetSchemaOp) Pos() Pos     { return o.OpPos }
func (o *GetSchemaOp) Name() string { return "getschema" }

func (p *parser) parseAs(pos Pos) Operator {
	o := &AsOp{OpPos: pos, Opts: p.parseOptions()}
	o.Alias = p.parseIdent("after 'as'")
	return o
}

func (p *parser) parseInvoke(pos Pos) Operator {
	if p.tok().Kind != tIdent || p.peek(1).Kind != tLParen {
		p.errExpected("a function call", "after 'invoke'")
		return &InvokeOp{OpPos: pos, Call: &CallExpr{Fun: &Ident{NamePos: p.tok().Pos}}}
	}
	call, _ := p.parseCall(true).(*CallExpr)
	if call == nil {
		call = &CallExpr{Fun: &Ident{NamePos: pos}}
	}
	return &InvokeOp{OpPos: pos, Call: call}
}

func (p *parser) parseEvaluate(pos Pos) *EvaluateOp {
	o := &EvaluateOp{OpPos: pos, Opts: p.parseOptions()}
	if p.tok().Kind != tIdent || p.peek(1).Kind != tLParen {
		p.errExpected("a plugin call", "after 'evaluate'")
		o.Call = &CallExpr{Fun: &Ident{NamePos: p.tok().Pos}}
		return o
	}
	o.Call, _ = p.parseCall(true).(*CallExpr)
	if o.Call == nil {
		o.Call = &CallExpr{Fun: &Ident{NamePos: pos}}
	}
	return o
}

func (p *parser) parseRender(pos Pos) Operator {
	o := &RenderOp{OpPos: pos}
	if p.tok().Kind != tIdent {
		p.errExpected("a visualization", "after 'render'")
		return o
	}
	o.Visual = p.advance().Text
	if p.gotWord("with") {
		p.expect(tLParen, "after 'with'")
		for p.tok().Kind != tRParen && p.tok().Kind != tEOF {
			o.Props = append(o.Props, p.parseNamed(false))
			if p.bad || !p.got(tComma) {
				break
			}
		}
		p.expect(tRParen, "to close render properties")
	}
	return o
}

func (o *AsOp) format(pr *printer) {
	pr.ws("as ")
	pr.options(o.Opts)
	pr.ident(o.Alias)
}

func (o *InvokeOp) format(pr *printer) {
	pr.ws("invoke ")
	pr.expr(o.Call)
}

func (o *EvaluateOp) format(pr *printer) {
	pr.ws("evaluate ")
	pr.options(o.Opts)
	pr.expr(o.Call)
}

func (o *RenderOp) format(pr *printer) {
	pr.ws("render ")
	pr.ws(o.Visual)
	if len(o.Props) > 0 {
		pr.ws(" with (")
		pr.namedList(o.Props)
		pr.ws(")")
	}
}

func (o *GetSchemaOp) format(pr *printer) { pr.ws("getschema") }

func (c *checker) checkEvaluate(o *EvaluateOp, in Rel, e *env) Rel {
	switch o.Call.Fun.Name {
	case "bag_unpack":
		return c.bagUnpack(o.Call, in, e)
	case "pivot":
		return c.pivot(o.Call, in, e)
	}
	c.errorf(o.Call.Pos(), "evaluate plugin '%s' is not supported (supported: bag_unpack, pivot)", o.Call.Fun.Name)
	return nil
}

// bagUnpack makes the row open: the bag's properties become columns known
// only when the data is read (their names are resolved lazily, see
// BagColumn).
func (c *checker) bagUnpack(call *CallExpr, in Rel, e *env) Rel {
	if len(call.Args) != 1 {
		c.errorf(call.Pos(), "bag_unpack() takes one dynamic column (prefixes are not supported)")
		return nil
	}
	sc := newScope(in)
	v := c.scalar(call.Args[0], sc, e)
	if v == nil {
		return nil
	}
	if !v.Type().IsDynamic() {
		c.errorf(call.Args[0].Pos(), "bag_unpack() needs a dynamic column, got %s", v.Type())
		return nil
	}
	drop := ""
	if ref, ok := v.(*ColRef); ok {
		drop = ref.Name
	}
	var items []Item
	for _, col := range sc.cols {
		if col.Name == drop || col.Name == BagColumn {
			continue
		}
		items = append(items, passThrough(col))
	}
	items = append(items, Item{Name: BagColumn, X: v})
	return &Project{In: in, Items: items}
}

// pivot folds evaluate pivot(Key, agg(Value), Cols...) into an Aggregate
// over Cols whose output is open: one property per distinct Key.
func (c *checker) pivot(call *CallExpr, in Rel, e *env) Rel {
	if len(call.Args) < 1 {
		c.errorf(call.Pos(), "pivot() needs a key column")
		return nil
	}
	sc := newScope(in)
	key := c.scalar(call.Args[0], sc, e)
	if key == nil {
		return nil
	}
	p := &Pivot{Key: asString(key), Fn: "count"}
	used := map[string]bool{}
	if ref, ok := key.(*ColRef); ok {
		used[ref.Name] = true
	}
	if len(call.Args) >= 2 {
		agg, name, _, ok := directAgg(call.Args[1])
		if !ok {
			c.errorf(call.Args[1].Pos(), "the second argument of pivot() must be an aggregate such as any(Value)")
			return nil
		}
		switch name {
		case "take_any", "count", "sum", "min", "max", "dcount", "avg":
		default:
			c.errorf(agg.Pos(), "pivot() supports any, count, sum, min, max, avg and dcount, not %s()", agg.Fun.Name)
			return nil
		}
		p.Fn = name
		if len(agg.Args) == 1 {
			if p.Value = c.scalar(agg.Args[0], sc, e); p.Value == nil {
				return nil
			}
			if ref, ok := p.Value.(*ColRef); ok {
				used[ref.Name] = true
			}
		}
	}
	agg := &Aggregate{In: in, Pivot: p}
	if len(call.Args) > 2 {
		taken := map[string]bool{}
		for _, a := range call.Args[2:] {
			v := c.scalar(a, sc, e)
			if v == nil {
				return nil
			}
			name := exprName(a)
			if name == "" || taken[name] {
				c.errorf(a.Pos(), "pivot() group columns must be distinct column names")
				return nil
			}
			taken[name] = true
			agg.Keys = append(agg.Keys, Item{Name: name, X: v})
		}
		return agg
	}
	for _, col := range sc.cols {
		if !used[col.Name] && col.Name != BagColumn {
			agg.Keys = append(agg.Keys, passThrough(col))
		}
	}
	return agg
}
