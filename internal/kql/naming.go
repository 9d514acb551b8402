package kql

import (
	"fmt"
	"strconv"
	"strings"
)

// exprName is the column name KQL gives an unnamed expression: a column's
// own name, a dynamic path joined with '_' (d.a.b → d_a_b), and, through
// conversions and bin(), the name of their first argument. It returns ""
// when the expression has no natural name.
func exprName(x Expr) string {
	switch x := x.(type) {
	case *Ident:
		if x.Name == "$left" || x.Name == "$right" {
			return ""
		}
		return x.Name
	case *ParenExpr:
		return exprName(x.X)
	case *MemberExpr:
		if id, ok := x.X.(*Ident); ok && (id.Name == "$left" || id.Name == "$right") {
			return x.Sel.Name
		}
		if b := exprName(x.X); b != "" {
			return b + "_" + x.Sel.Name
		}
	case *IndexExpr:
		b := exprName(x.X)
		if b == "" {
			return ""
		}
		if lit, ok := x.Index.(*BasicLit); ok {
			switch lit.Kind {
			case LitString:
				return b + "_" + lit.Value
			case LitInt:
				return b + "_" + strings.ReplaceAll(lit.Value, "-", "_")
			}
		}
	case *CallExpr:
		switch x.Fun.Name {
		case "bin", "floor", "bin_at", "tostring", "toint", "tolong", "todouble", "toreal", "todecimal", "tobool",
			"todatetime", "totimespan", "todynamic", "parse_json", "toguid":
			if len(x.Args) > 0 {
				return exprName(x.Args[0])
			}
		}
	}
	return ""
}

// namer hands out ColumnN (or print_N) names that are not taken.
type namer struct {
	taken  map[string]bool
	next   int
	prefix string // "Column" (numbered from 1) or "print_" (from 0)
}

func newNamer(prefix string, taken map[string]bool) *namer {
	n := &namer{taken: taken, prefix: prefix, next: 1}
	if prefix == "print_" {
		n.next = 0
	}
	if n.taken == nil {
		n.taken = map[string]bool{}
	}
	return n
}

func (n *namer) fresh() string {
	for {
		name := n.prefix + strconv.Itoa(n.next)
		n.next++
		if !n.taken[name] {
			n.taken[name] = true
			return name
		}
	}
}

// aggName is the default output name of an aggregate: its prefix and the
// name of its first argument (count_, sum_Bytes, set_Computer, ...).
func aggName(prefix string, args []Expr) string {
	if len(args) == 0 {
		return prefix
	}
	return prefix + exprName(args[0])
}

func percentileName(arg string, p float64) string {
	s := strconv.FormatFloat(p, 'f', -1, 64)
	return fmt.Sprintf("percentile_%s_%s", arg, strings.ReplaceAll(s, ".", "_"))
}
