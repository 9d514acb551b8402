package filter

// The AST of one XPath expression. It only lives between parse and compile;
// matching runs on the compiled form (xpath_compile.go).

type expr interface{ offset() int }

// logicExpr is an n-ary "or" (or==true) or "and".
type logicExpr struct {
	or    bool
	terms []expr
	off   int
}

// cmpExpr is one comparison; off is the operator's offset.
type cmpExpr struct {
	op   tokKind // tEq, tNe, tLt, tLe, tGt, tGe
	l, r expr
	off  int
}

// pathExpr is a relative location path.
type pathExpr struct {
	steps []step
	off   int
}

type step struct {
	attr  bool   // attribute axis ("@" or "attribute::")
	name  string // "" is the "*" wildcard
	text  bool   // the text() node test
	preds []expr
	off   int
}

type strLit struct {
	val string
	off int
}

type numLit struct {
	text string // digits as written
	neg  bool
	off  int
}

type callExpr struct {
	name string
	args []expr
	off  int
}

func (x *logicExpr) offset() int { return x.off }
func (x *cmpExpr) offset() int   { return x.off }
func (x *pathExpr) offset() int  { return x.off }
func (x *strLit) offset() int    { return x.off }
func (x *numLit) offset() int    { return x.off }
func (x *callExpr) offset() int  { return x.off }
