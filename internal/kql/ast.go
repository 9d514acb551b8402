package kql

// The AST keeps what the analyst wrote, with positions, so errors can point
// at it and the printer can write it back. Meaning (types, resolved names,
// inlined lets) lives in the checked Plan, not here.

// Node is any syntax tree node.
type Node interface {
	Pos() Pos // position of the node's first character
}

// Expr is a scalar or tabular expression.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement of a query.
type Stmt interface {
	Node
	stmtNode()
}

// Operator is a tabular operator after a '|'. Source operators (union,
// print, range, datatable, search, evaluate) are also Exprs.
type Operator interface {
	Node
	// Name is the operator's canonical keyword ("where", "mv-expand").
	Name() string
}

// Query is a parsed query: statements separated by ';'. The last tabular
// expression statement is the result.
type Query struct {
	Stmts []Stmt
	Src   string
	li    *lineIndex
}

// Position converts an offset of the query text into line and column.
func (q *Query) Position(p Pos) Position { return q.li.position(p) }

// LetStmt is `let Name = Value`. Value may be scalar, tabular, or a FuncExpr.
type LetStmt struct {
	Let   Pos
	Name  *Ident
	Value Expr
}

// ExprStmt is a tabular expression statement (the query's output).
type ExprStmt struct {
	X Expr
}

// SetStmt is `set name [= value]`, a request property; wsec records and
// ignores it.
type SetStmt struct {
	Set   Pos
	Name  *Ident
	Value Expr // nil when absent
}

func (s *LetStmt) Pos() Pos  { return s.Let }
func (s *ExprStmt) Pos() Pos { return s.X.Pos() }
func (s *SetStmt) Pos() Pos  { return s.Set }
func (*LetStmt) stmtNode()   {}
func (*ExprStmt) stmtNode()  {}
func (*SetStmt) stmtNode()   {}

// Ident is a name: a column, table, let name, function or $left/$right.
// Bracketed is set for the ['name'] spelling.
type Ident struct {
	NamePos   Pos
	Name      string
	Bracketed bool
}

// LitKind says what a BasicLit holds.
type LitKind uint8

const (
	LitString LitKind = iota
	LitInt            // long unless Type says "int"
	LitReal
	LitBool
	LitTimespan
	LitDatetime
	LitGuid
	LitNull // typed null: Type names the type
)

// BasicLit is a literal. Value is the decoded string for strings and the
// source text otherwise ("42", "1.5", "10m", "2026-01-01"). Type is the type
// word of a typed spelling (int(5), long(null), datetime(...)); empty for
// the plain spellings.
type BasicLit struct {
	ValuePos Pos
	Kind     LitKind
	Value    string
	Type     string
}

// DynamicLit is dynamic(...): Value is nil, bool, string, DynNumber, []any
// (array) or *DynObject.
type DynamicLit struct {
	DynPos Pos
	Value  any
}

// DynNumber is a number inside a dynamic literal, kept as written.
type DynNumber string

// DynObject is an object inside a dynamic literal; keys keep their order.
type DynObject struct {
	Keys []string
	Vals []any
}

// BinaryExpr is X Op Y. Op is canonical lower case: "and", "==", "has",
// "!contains_cs", "matches regex", ...
type BinaryExpr struct {
	X     Expr
	OpPos Pos
	Op    string
	Y     Expr
}

// UnaryExpr is -X or +X.
type UnaryExpr struct {
	OpPos Pos
	Op    string
	X     Expr
}

// InExpr is X in (List), with Op one of in, !in, in~, !in~, has_any,
// has_all, has_any_cs...
type InExpr struct {
	X      Expr
	OpPos  Pos
	Op     string
	List   []Expr
	Rparen Pos
}

// BetweenExpr is X [!]between (Lo .. Hi).
type BetweenExpr struct {
	X     Expr
	OpPos Pos
	Not   bool
	Lo    Expr
	Hi    Expr
}

// CallExpr is Fun(Args).
type CallExpr struct {
	Fun    *Ident
	Lparen Pos
	Args   []Expr
	Rparen Pos
}

// NamedArg is a call argument passed by name: make_set(x, maxSize=10).
type NamedArg struct {
	Name *Ident
	X    Expr
}

// MemberExpr is X.Sel (dynamic property, $left.col, T.col).
type MemberExpr struct {
	X   Expr
	Sel *Ident
}

// IndexExpr is X[Index].
type IndexExpr struct {
	X      Expr
	Lbrack Pos
	Index  Expr
}

// ParenExpr is (X).
type ParenExpr struct {
	Lparen Pos
	X      Expr
}

// StarExpr is * as an argument (arg_max(x, *)).
type StarExpr struct {
	Star Pos
}

// PipeExpr is Source | Ops[0] | Ops[1] ...
type PipeExpr struct {
	Source Expr
	Ops    []Operator
}

// FuncExpr is a lambda: (params) { lets; result }.
type FuncExpr struct {
	Lparen Pos
	Params []*Param
	Lets   []*LetStmt
	Body   Expr
}

// Param is a lambda parameter. Tabular parameters have Tabular set and
// Columns describing the expected schema ((*) leaves it open).
type Param struct {
	Name    *Ident
	Type    string // scalar type name; empty for tabular
	Tabular bool
	Columns []*ColumnDecl
	Star    bool // (*) or (..., *)
	Default Expr
}

// ColumnDecl is name:type in datatable and tabular parameters.
type ColumnDecl struct {
	Name *Ident
	Type string
}

// NamedExpr is an operator argument: `X`, `Name = X`, or `(A, B) = X`.
type NamedExpr struct {
	Names []*Ident
	X     Expr
}

func (x *Ident) Pos() Pos       { return x.NamePos }
func (x *BasicLit) Pos() Pos    { return x.ValuePos }
func (x *DynamicLit) Pos() Pos  { return x.DynPos }
func (x *BinaryExpr) Pos() Pos  { return x.X.Pos() }
func (x *UnaryExpr) Pos() Pos   { return x.OpPos }
func (x *InExpr) Pos() Pos      { return x.X.Pos() }
func (x *BetweenExpr) Pos() Pos { return x.X.Pos() }
func (x *CallExpr) Pos() Pos    { return x.Fun.NamePos }
func (x *MemberExpr) Pos() Pos  { return x.X.Pos() }
func (x *NamedArg) Pos() Pos    { return x.Name.NamePos }
func (x *IndexExpr) Pos() Pos   { return x.X.Pos() }
func (x *ParenExpr) Pos() Pos   { return x.Lparen }
func (x *StarExpr) Pos() Pos    { return x.Star }
func (x *PipeExpr) Pos() Pos    { return x.Source.Pos() }
func (x *FuncExpr) Pos() Pos    { return x.Lparen }
func (x *NamedExpr) Pos() Pos {
	if len(x.Names) > 0 {
		return x.Names[0].NamePos
	}
	return x.X.Pos()
}

func (*Ident) exprNode()       {}
func (*BasicLit) exprNode()    {}
func (*DynamicLit) exprNode()  {}
func (*BinaryExpr) exprNode()  {}
func (*UnaryExpr) exprNode()   {}
func (*InExpr) exprNode()      {}
func (*BetweenExpr) exprNode() {}
func (*CallExpr) exprNode()    {}
func (*MemberExpr) exprNode()  {}
func (*NamedArg) exprNode()    {}
func (*IndexExpr) exprNode()   {}
func (*ParenExpr) exprNode()   {}
func (*StarExpr) exprNode()    {}
func (*PipeExpr) exprNode()    {}
func (*FuncExpr) exprNode()    {}
