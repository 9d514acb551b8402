package kql

import (
	"fmt"
	"sort"
	"strings"

	"wsec/internal/schema"
	"wsec/internal/suggest"
)

// Catalog is what Check needs to know about the workspace's tables. The
// workspace adapts its store to it; custom tables (*_CL) appear like the
// built-in ones.
type Catalog interface {
	// Table returns the logical table of that exact (case-sensitive) name.
	Table(name string) (*schema.Table, bool)
	// Tables lists every table name (for wildcards and suggestions).
	Tables() []string
}

// Check resolves every name of q against cat and the query's own let
// statements, infers types, and returns the Plan. Errors come as an
// ErrorList of positioned errors (unknown columns suggest the nearest name).
func Check(q *Query, cat Catalog) (*Plan, error) {
	c := &checker{cat: cat, errs: &errSink{li: q.li}, tableCols: map[string][]Column{}}
	plan := c.query(q)
	if err := c.errs.err(); err != nil {
		return nil, err
	}
	return plan, nil
}

type checker struct {
	cat       Catalog
	errs      *errSink
	warnings  []string
	nodes     int
	expanding int
	sharedID  int
	render    *RenderHint
	tableCols map[string][]Column
	// multiCall is set while extend or project checks a builtin that
	// returns several columns (see multiOutputs).
	multiCall bool
}

func (c *checker) errorf(p Pos, format string, args ...any) {
	c.errs.add(p, format, args...)
}

func (c *checker) warnf(p Pos, format string, args ...any) {
	c.warnings = append(c.warnings, c.errs.li.position(p).String()+": "+fmt.Sprintf(format, args...))
}

// count charges one plan node; it reports false once the plan is too big.
func (c *checker) count(p Pos) bool {
	c.nodes++
	if c.nodes == MaxPlanNodes {
		c.errorf(p, "query expands to more than %d plan nodes", MaxPlanNodes)
	}
	return c.nodes < MaxPlanNodes
}

type bindKind uint8

const (
	bScalar bindKind = iota
	bTabular
	bFunc
)

// binding is what a let name stands for.
type binding struct {
	kind   bindKind
	scalar Scalar
	rel    Rel
	fn     *FuncExpr
	fnEnv  *env
}

// env is a chain of let scopes, innermost first.
type env struct {
	parent *env
	name   string
	b      *binding
}

func (e *env) with(name string, b *binding) *env { return &env{parent: e, name: name, b: b} }

func (e *env) lookup(name string) *binding {
	for ; e != nil; e = e.parent {
		if e.name == name {
			return e.b
		}
	}
	return nil
}

func (e *env) names(kind bindKind) []string {
	var out []string
	for ; e != nil; e = e.parent {
		if e.b != nil && e.b.kind == kind {
			out = append(out, e.name)
		}
	}
	return out
}

func (c *checker) query(q *Query) *Plan {
	var e *env
	var root Rel
	var rootPos Pos = NoPos
	for _, s := range q.Stmts {
		switch s := s.(type) {
		case *LetStmt:
			e = e.with(s.Name.Name, c.bindLet(s, e))
		case *SetStmt:
			// Request properties do not change the meaning of wsec queries.
		case *ExprStmt:
			c.render = nil
			r := c.tabular(s.X, e)
			if rootPos != NoPos {
				c.errorf(s.Pos(), "a query returns one table: a second tabular statement follows the one at %s", c.errs.li.position(rootPos))
				continue
			}
			root, rootPos = r, s.Pos()
		}
	}
	if rootPos == NoPos {
		c.errorf(Pos(len(q.Src)), "query has no tabular expression statement to return")
		return nil
	}
	if root == nil {
		return nil
	}
	plan := &Plan{Root: root, Render: c.render, Warnings: c.warnings}
	for _, col := range root.Columns() {
		t := col.Type
		if t == TUnknown {
			t = TDynamic
		}
		plan.Columns = append(plan.Columns, ColumnInfo{Name: col.Name, Type: t, Expand: col.Name == BagColumn})
	}
	return plan
}

// bindLet evaluates a let value: a function (kept unevaluated with its
// environment), a tabular expression or a scalar.
func (c *checker) bindLet(s *LetStmt, e *env) *binding {
	if f, ok := unparen(s.Value).(*FuncExpr); ok {
		return &binding{kind: bFunc, fn: f, fnEnv: e}
	}
	if c.isTabular(s.Value, e) {
		r := c.tabular(s.Value, e)
		if r == nil {
			return &binding{kind: bTabular}
		}
		if _, ok := r.(*Shared); !ok {
			c.sharedID++
			r = &Shared{ID: c.sharedID, In: r}
		}
		return &binding{kind: bTabular, rel: r}
	}
	return &binding{kind: bScalar, scalar: c.scalar(s.Value, nil, e)}
}

func unparen(x Expr) Expr {
	for {
		p, ok := x.(*ParenExpr)
		if !ok {
			return x
		}
		x = p.X
	}
}

// isTabular decides, without reporting errors, whether x denotes a table.
func (c *checker) isTabular(x Expr, e *env) bool {
	switch x := unparen(x).(type) {
	case *PipeExpr, *UnionOp, *DatatableOp, *RangeOp, *PrintOp, *SearchOp, *EvaluateOp, *ExternalDataOp:
		return true
	case *Ident:
		if b := e.lookup(x.Name); b != nil {
			return b.kind == bTabular || b.kind == bFunc && len(b.fn.Params) == 0 && c.isTabular(b.fn.Body, b.fnEnv)
		}
		_, ok := c.cat.Table(x.Name)
		return ok
	case *CallExpr:
		switch x.Fun.Name {
		case "materialize", "table", "view", "_GetWatchlist":
			return true
		}
		if b := e.lookup(x.Fun.Name); b != nil && b.kind == bFunc {
			return c.isTabular(b.fn.Body, c.paramEnv(b, x, e))
		}
	}
	return false
}

// paramEnv binds a function's parameters for isTabular's look-ahead: only
// which names are tabular matters.
func (c *checker) paramEnv(b *binding, call *CallExpr, e *env) *env {
	fe := b.fnEnv
	for _, p := range b.fn.Params {
		if p.Tabular {
			fe = fe.with(p.Name.Name, &binding{kind: bTabular})
		} else {
			fe = fe.with(p.Name.Name, &binding{kind: bScalar})
		}
	}
	for _, l := range b.fn.Lets {
		if c.isTabular(l.Value, fe) {
			fe = fe.with(l.Name.Name, &binding{kind: bTabular})
		} else {
			fe = fe.with(l.Name.Name, &binding{kind: bScalar})
		}
	}
	return fe
}

// tabular checks a tabular expression; nil means an error was reported.
func (c *checker) tabular(x Expr, e *env) Rel {
	if !c.count(x.Pos()) {
		return nil
	}
	switch x := x.(type) {
	case *ParenExpr:
		return c.tabular(x.X, e)
	case *PipeExpr:
		r := c.tabular(x.Source, e)
		for i, op := range x.Ops {
			if r == nil {
				return nil
			}
			if c.render != nil {
				c.errorf(op.Pos(), "'%s' cannot follow 'render': render must be the last operator", op.Name())
				return nil
			}
			if ro, ok := op.(*RenderOp); ok {
				c.render = renderHint(ro)
				if i != len(x.Ops)-1 {
					continue
				}
				return r
			}
			r, e = c.operator(op, r, e)
		}
		return r
	case *Ident:
		return c.tableRef(x, e)
	case *CallExpr:
		return c.tabularCall(x, e)
	case *UnionOp:
		return c.checkUnion(x, nil, e)
	case *DatatableOp:
		return c.checkDatatable(x, e)
	case *ExternalDataOp:
		return c.checkExternalData(x, e)
	case *RangeOp:
		return c.checkRange(x, e)
	case *PrintOp:
		return c.checkPrint(x, e)
	case *SearchOp:
		return c.checkSearch(x, nil, e)
	case *EvaluateOp:
		c.errorf(x.Pos(), "evaluate needs an input table")
		return nil
	case *BadExpr:
		return nil
	}
	c.errorf(x.Pos(), "expected a tabular expression, found %s", describeExpr(x))
	return nil
}

func describeExpr(x Expr) string {
	s := FormatExpr(x)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return "'" + s + "'"
}

// tableRef resolves a name in tabular position: a let-bound table, a
// parameterless tabular function, or a catalog table.
func (c *checker) tableRef(id *Ident, e *env) Rel {
	if b := e.lookup(id.Name); b != nil {
		switch b.kind {
		case bTabular:
			return b.rel
		case bFunc:
			if len(b.fn.Params) == 0 {
				return c.invokeTabular(b, &CallExpr{Fun: id}, nil, e)
			}
			c.errorf(id.Pos(), "function '%s' needs %d arguments", id.Name, len(b.fn.Params))
			return nil
		case bScalar:
			c.errorf(id.Pos(), "'%s' is a scalar, not a table", id.Name)
			return nil
		}
	}
	if id.Name == EventTable {
		if _, ok := c.cat.Table(EventTable); ok {
			if r := c.eventView(); r != nil {
				return r
			}
		}
	}
	if r := c.scanTable(id.Name); r != nil {
		return r
	}
	cands := append(c.cat.Tables(), e.names(bTabular)...)
	msg := fmt.Sprintf("unknown table '%s'", id.Name)
	if s := suggest.Nearest(id.Name, cands); s != "" {
		msg += fmt.Sprintf(" (did you mean '%s'?)", s)
	}
	c.errorf(id.Pos(), "%s", msg)
	return nil
}

func (c *checker) scanTable(name string) *Scan {
	t, ok := c.cat.Table(name)
	if !ok {
		return nil
	}
	cols, ok := c.tableCols[name]
	if !ok {
		cols = make([]Column, len(t.Columns))
		for i, col := range t.Columns {
			cols[i] = Column{Name: col.Name, Type: FromSchema(col.Type)}
		}
		c.tableCols[name] = cols
	}
	return &Scan{Table: t.Name, Cols: cols}
}

func (c *checker) tabularCall(x *CallExpr, e *env) Rel {
	switch x.Fun.Name {
	case "materialize":
		if len(x.Args) != 1 {
			c.errorf(x.Pos(), "materialize() takes one tabular argument")
			return nil
		}
		r := c.tabular(x.Args[0], e)
		if r == nil {
			return nil
		}
		c.sharedID++
		return &Shared{ID: c.sharedID, In: r, Materialized: true}
	case "_GetWatchlist":
		if len(x.Args) != 1 {
			c.errorf(x.Pos(), "_GetWatchlist() takes the watchlist alias")
			return nil
		}
		return c.checkWatchlist(x)
	case "table", "view":
		if len(x.Args) >= 1 {
			if lit, ok := x.Args[0].(*BasicLit); ok && lit.Kind == LitString {
				return c.tableRef(&Ident{NamePos: lit.ValuePos, Name: lit.Value}, e)
			}
		}
		c.errorf(x.Pos(), "table() takes a constant table name")
		return nil
	}
	if b := e.lookup(x.Fun.Name); b != nil && b.kind == bFunc {
		return c.invokeTabular(b, x, nil, e)
	}
	c.errorf(x.Pos(), "'%s(...)' is not a tabular function", x.Fun.Name)
	return nil
}

// invokeTabular inlines a user function call whose result is a table. in,
// when set, is the piped input of invoke (bound to the first parameter).
func (c *checker) invokeTabular(b *binding, call *CallExpr, in Rel, e *env) Rel {
	return invoke(c, b, call, in, nil, e, true, func(body Expr, fe *env) Rel {
		return c.tabular(body, fe)
	})
}

// invoke inlines a user function call: it binds the parameters (see
// bindParams) and the function's lets, checks that the body is of the kind
// the call site needs (tabular or scalar), and checks the body with body,
// all one expansion level deeper. It returns the zero T on error.
func invoke[T any](c *checker, b *binding, call *CallExpr, in Rel, sc *scope, e *env, tabular bool, body func(Expr, *env) T) T {
	var zero T
	fe, ok := c.bindParams(b, call, in, sc, e)
	if !ok {
		return zero
	}
	c.expanding++
	defer func() { c.expanding-- }()
	for _, l := range b.fn.Lets {
		fe = fe.with(l.Name.Name, c.bindLet(l, fe))
	}
	if b.fn.Body == nil {
		return zero
	}
	if got := c.isTabular(b.fn.Body, fe); got != tabular {
		want, is := "a table", "a scalar"
		if got {
			want, is = is, want
		}
		c.errorf(call.Pos(), "function '%s' returns %s, not %s", call.Fun.Name, is, want)
		return zero
	}
	return body(b.fn.Body, fe)
}

// bindParams binds a function's parameters to the call's arguments, checked
// in the caller's environment e. in is the piped input of invoke (bound to
// the first, tabular parameter), nil otherwise; sc is the caller's row scope
// for calls in a row context (arguments may read its columns), nil otherwise.
func (c *checker) bindParams(b *binding, call *CallExpr, in Rel, sc *scope, e *env) (*env, bool) {
	if c.expanding >= MaxFunctionExpansion {
		c.errorf(call.Pos(), "functions call each other more than %d deep (recursive let?)", MaxFunctionExpansion)
		return nil, false
	}
	call, ok := c.positional(call, fnParamNames(b.fn))
	if !ok {
		return nil, false
	}
	args := call.Args
	params := b.fn.Params
	fe := b.fnEnv
	start := 0
	if in != nil {
		if len(params) == 0 || !params[0].Tabular {
			c.errorf(call.Pos(), "function '%s' has no tabular first parameter for invoke", call.Fun.Name)
			return nil, false
		}
		fe = fe.with(params[0].Name.Name, &binding{kind: bTabular, rel: in})
		start = 1
	}
	if len(args) > len(params)-start {
		c.errorf(call.Pos(), "function '%s' takes %d arguments, got %d", call.Fun.Name, len(params)-start, len(args))
		return nil, false
	}
	for i, p := range params[start:] {
		var arg Expr
		if i < len(args) {
			arg = args[i]
		} else if p.Default != nil {
			arg = p.Default
		} else {
			c.errorf(call.Rparen, "function '%s' is missing argument '%s'", call.Fun.Name, p.Name.Name)
			return nil, false
		}
		if p.Tabular {
			r := c.tabular(arg, e)
			if r == nil {
				return nil, false
			}
			fe = fe.with(p.Name.Name, &binding{kind: bTabular, rel: r})
			continue
		}
		v := c.scalar(arg, sc, e)
		if v == nil {
			return nil, false
		}
		if t, ok := ParseType(p.Type); ok && t != v.Type() && !(t.IsNumeric() && v.Type().IsNumeric()) && !v.Type().IsDynamic() && !isNullConst(v) {
			c.errorf(arg.Pos(), "argument '%s' of '%s' must be %s, got %s", p.Name.Name, call.Fun.Name, t, v.Type())
			return nil, false
		}
		fe = fe.with(p.Name.Name, &binding{kind: bScalar, scalar: v})
	}
	return fe, true
}

func isNullConst(x Scalar) bool {
	k, ok := x.(*Const)
	return ok && k.V == nil
}

// operator checks one piped operator. It returns the new relation and the
// environment for the operators after it (as binds a name).
func (c *checker) operator(op Operator, in Rel, e *env) (Rel, *env) {
	if !c.count(op.Pos()) {
		return nil, e
	}
	switch o := op.(type) {
	case *WhereOp:
		return c.checkWhere(o, in, e), e
	case *ProjectOp:
		return c.checkProject(o, in, e), e
	case *SummarizeOp:
		return c.checkSummarize(o, in, e), e
	case *CountOp:
		return &Aggregate{In: in, Aggs: []AggItem{{Fn: "count", Outs: []Column{{Name: "Count", Type: TLong}}}}}, e
	case *TakeOp:
		return c.checkTake(o, in, e), e
	case *TopOp:
		return c.checkTop(o, in, e), e
	case *SortOp:
		return c.checkSort(o, in, e), e
	case *DistinctOp:
		return c.checkDistinct(o, in, e), e
	case *JoinOp:
		return c.checkJoin(o, in, e), e
	case *UnionOp:
		return c.checkUnion(o, in, e), e
	case *MvExpandOp:
		return c.checkMvExpand(o, in, e), e
	case *ParseOp:
		return c.checkParse(o, in, e), e
	case *MakeSeriesOp:
		return c.checkMakeSeries(o, in, e), e
	case *AsOp:
		c.sharedID++
		r := Rel(&Shared{ID: c.sharedID, In: in})
		return r, e.with(o.Alias.Name, &binding{kind: bTabular, rel: r})
	case *InvokeOp:
		b := e.lookup(o.Call.Fun.Name)
		if b == nil || b.kind != bFunc {
			c.errorf(o.Call.Pos(), "unknown function '%s' for invoke", o.Call.Fun.Name)
			return nil, e
		}
		return c.invokeTabular(b, o.Call, in, e), e
	case *EvaluateOp:
		return c.checkEvaluate(o, in, e), e
	case *SearchOp:
		return c.checkSearch(o, in, e), e
	case *GetSchemaOp:
		return getSchema(in), e
	case *MvApplyOp:
		return c.checkMvApply(o, in, e), e
	case *TopNestedOp:
		return c.checkTopNested(o, in, e), e
	}
	c.errorf(op.Pos(), "operator '%s' is not supported", op.Name())
	return nil, e
}

func renderHint(o *RenderOp) *RenderHint {
	h := &RenderHint{Visual: o.Visual, Props: map[string]string{}}
	for _, p := range o.Props {
		if len(p.Names) == 1 {
			v := FormatExpr(p.X)
			if lit, ok := p.X.(*BasicLit); ok {
				v = lit.Value
			}
			h.Props[p.Names[0].Name] = v
		}
	}
	return h
}

func getSchema(in Rel) Rel {
	v := &Values{Cols: []Column{{"ColumnName", TString}, {"ColumnOrdinal", TInt}, {"DataType", TString}, {"ColumnType", TString}}}
	for i, col := range in.Columns() {
		if col.Name == BagColumn {
			continue
		}
		v.Rows = append(v.Rows, []Scalar{constString(col.Name), &Const{T: TInt, V: int64(i)}, constString(dotnetType(col.Type)), constString(col.Type.String())})
	}
	return v
}

func dotnetType(t Type) string {
	switch t {
	case TBool:
		return "System.SByte"
	case TInt:
		return "System.Int32"
	case TLong:
		return "System.Int64"
	case TReal:
		return "System.Double"
	case TString:
		return "System.String"
	case TDateTime:
		return "System.DateTime"
	case TTimeSpan:
		return "System.TimeSpan"
	case TGuid:
		return "System.Guid"
	}
	return "System.Object"
}

// scope is the row a scalar expression is evaluated over.
type scope struct {
	cols  []Column
	index map[string]int
	open  bool
	// aggs, when set, collects aggregate calls (summarize context).
	aggs *aggCollector
	// ordered reports whether window functions (prev, row_number) may be used.
	ordered bool
	// row is the input relation (for pack_all and column_ifexists).
	row Rel
}

func newScope(r Rel) *scope {
	cols := r.Columns()
	s := &scope{cols: cols, index: make(map[string]int, len(cols)), row: r}
	for i, col := range cols {
		if col.Name == BagColumn {
			s.open = true
			continue
		}
		if _, dup := s.index[col.Name]; !dup {
			s.index[col.Name] = i
		}
	}
	s.ordered = isOrdered(r)
	return s
}

func (s *scope) lookup(name string) (Column, bool) {
	if s == nil {
		return Column{}, false
	}
	i, ok := s.index[name]
	if !ok {
		return Column{}, false
	}
	return s.cols[i], true
}

func (s *scope) names() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.cols))
	for _, col := range s.cols {
		if col.Name != BagColumn {
			out = append(out, col.Name)
		}
	}
	return out
}

// isOrdered reports whether r's rows are serialized (after sort, serialize,
// top, range, or order-keeping operators over those).
func isOrdered(r Rel) bool {
	for {
		switch x := r.(type) {
		case *Sort, *Range:
			return true
		case *Filter:
			r = x.In
		case *Project:
			r = x.In
		case *Limit:
			r = x.In
		case *MvExpand:
			r = x.In
		default:
			return false
		}
	}
}

// matchWild reports whether name matches a pattern with '*' wildcards.
func matchWild(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == name
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	rest := name[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		j := strings.Index(rest, parts[i])
		if j < 0 {
			return false
		}
		rest = rest[j+len(parts[i]):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}

// uniqueName returns name, or name1, name2, ... when taken (KQL's rule for
// clashing join and union columns).
func uniqueName(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	for i := 1; ; i++ {
		n := fmt.Sprintf("%s%d", name, i)
		if !taken[n] {
			return n
		}
	}
}

// sortedTableNames lists the tables wildcards and search read: not the
// Event view, whose rows are WindowsEvent's.
func sortedTableNames(cat Catalog) []string {
	var names []string
	for _, n := range cat.Tables() {
		if n != EventTable {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
