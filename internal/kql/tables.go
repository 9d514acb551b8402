package kql

import "sort"

// TableRefs returns the names q reads as tables: names in tabular
// positions (pipeline sources, join and lookup right sides, union legs,
// in (...) lists, function arguments) that no let statement or parameter
// binds. It lets callers decide whether a query only needs tables they
// have before checking it. Names are sorted and unique.
func TableRefs(q *Query) []string {
	w := &refWalker{seen: map[string]bool{}}
	scope := map[string]bool{}
	for _, s := range q.Stmts {
		switch s := s.(type) {
		case *LetStmt:
			w.expr(s.Value, scope, true)
			scope = with(scope, s.Name.Name)
		case *ExprStmt:
			w.expr(s.X, scope, true)
		}
	}
	out := make([]string, 0, len(w.seen))
	for n := range w.seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type refWalker struct {
	seen  map[string]bool
	depth int
}

func with(scope map[string]bool, name string) map[string]bool {
	out := make(map[string]bool, len(scope)+1)
	for k := range scope {
		out[k] = true
	}
	out[name] = true
	return out
}

// expr walks x; tab says x stands in a tabular position.
func (w *refWalker) expr(x Expr, scope map[string]bool, tab bool) {
	w.depth++
	defer func() { w.depth-- }()
	if x == nil || w.depth > MaxNestingDepth {
		return
	}
	switch x := x.(type) {
	case *Ident:
		if tab && !scope[x.Name] && x.Name != "" {
			w.seen[x.Name] = true
		}
	case *ParenExpr:
		w.expr(x.X, scope, tab)
	case *PipeExpr:
		w.expr(x.Source, scope, true)
		for _, op := range x.Ops {
			w.op(op, scope)
		}
	case *CallExpr:
		for _, a := range x.Args {
			w.expr(a, scope, isTabularish(a))
		}
	case *InExpr:
		w.expr(x.X, scope, false)
		for _, a := range x.List {
			w.expr(a, scope, isTabularish(a))
		}
	case *NamedArg:
		w.expr(x.X, scope, isTabularish(x.X))
	case *BinaryExpr:
		w.expr(x.X, scope, false)
		w.expr(x.Y, scope, false)
	case *BetweenExpr:
		w.expr(x.X, scope, false)
	case *UnaryExpr:
		w.expr(x.X, scope, false)
	case *FuncExpr:
		inner := scope
		for _, p := range x.Params {
			inner = with(inner, p.Name.Name)
		}
		for _, l := range x.Lets {
			w.expr(l.Value, inner, true)
			inner = with(inner, l.Name.Name)
		}
		w.expr(x.Body, inner, true)
	case *UnionOp:
		for _, t := range x.Tables {
			w.expr(t, scope, true)
		}
	case *SearchOp:
		for _, t := range x.Tables {
			w.expr(t, scope, true)
		}
	}
}

// isTabularish reports expressions that are tables when they are names
// (a parenthesised pipe or a bare name in an in-list or call argument).
func isTabularish(x Expr) bool {
	switch x := x.(type) {
	case *PipeExpr:
		return true
	case *ParenExpr:
		return isTabularish(x.X)
	}
	return false
}

func (w *refWalker) op(op Operator, scope map[string]bool) {
	switch o := op.(type) {
	case *JoinOp:
		w.expr(o.Right, scope, true)
	case *UnionOp:
		for _, t := range o.Tables {
			w.expr(t, scope, true)
		}
	case *MvApplyOp:
		for _, sub := range o.Ops {
			w.op(sub, scope)
		}
	case *WhereOp:
		w.expr(o.Pred, scope, false)
	case *ProjectOp:
		for _, c := range o.Cols {
			w.expr(c.X, scope, false)
		}
	case *SummarizeOp:
		for _, c := range o.Aggs {
			w.expr(c.X, scope, false)
		}
	}
}
