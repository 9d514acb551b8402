package kql

import (
	"regexp"
	"strings"
)

// ParseOp is `parse [kind=simple|regex|relaxed [flags=F]] X with Pattern`
// (also parse-where, which drops rows that do not match).
type ParseOp struct {
	OpPos Pos
	Where bool
	Opts  []*OptionArg
	X     Expr
	Parts []*ParsePart
}

// ParsePart is one element of a parse pattern: a string literal, '*', or a
// column Name[:Type].
type ParsePart struct {
	PartPos Pos
	Lit     string
	IsLit   bool
	Star    bool
	Col     *Ident
	Type    string
}

func (o *ParseOp) Pos() Pos { return o.OpPos }
func (o *ParseOp) Name() string {
	if o.Where {
		return "parse-where"
	}
	return "parse"
}

func (p *parser) parseParse(pos Pos, kw string) Operator {
	o := &ParseOp{OpPos: pos, Where: kw == "parse-where", Opts: p.parseOptions("kind", "flags")}
	o.X = p.parseExpr(false)
	p.expectWord("with", "after the source of '"+kw+"'")
	for !p.bad {
		t := p.tok()
		switch {
		case t.Kind == tString:
			p.advance()
			o.Parts = append(o.Parts, &ParsePart{PartPos: t.Pos, Lit: t.Text, IsLit: true})
		case t.Kind == tStar:
			p.advance()
			o.Parts = append(o.Parts, &ParsePart{PartPos: t.Pos, Star: true})
		case p.atIdent():
			pt := &ParsePart{PartPos: t.Pos, Col: p.parseIdent("")}
			if p.got(tColon) {
				pt.Type = p.parseTypeName("after ':' in parse pattern")
			}
			o.Parts = append(o.Parts, pt)
		default:
			if len(o.Parts) == 0 {
				p.errExpected("a parse pattern", "after 'with'")
			}
			return o
		}
	}
	return o
}

func (o *ParseOp) format(pr *printer) {
	pr.ws(o.Name() + " ")
	pr.options(o.Opts)
	pr.expr(o.X)
	pr.ws(" with")
	for _, pt := range o.Parts {
		pr.ws(" ")
		switch {
		case pt.IsLit:
			pr.ws(quoteKQL(pt.Lit))
		case pt.Star:
			pr.ws("*")
		default:
			pr.ident(pt.Col)
			if pt.Type != "" {
				pr.ws(":" + pt.Type)
			}
		}
	}
}

// parsePattern builds the regular expression of a parse pattern: '*'
// becomes .*?, a string column (.*?), a long/int column (\-?\d+), a real
// column a decimal number, other typed columns (.*?) converted afterwards.
// The match is anchored at both ends, so the last column takes the rest.
// In kind=regex the string constants are regular expressions themselves.
func parsePattern(kind, flags string, parts []*ParsePart) (string, []*ParsePart) {
	var b strings.Builder
	b.WriteString("(?s")
	b.WriteString(flags)
	b.WriteString(")^")
	var cols []*ParsePart
	for _, pt := range parts {
		switch {
		case pt.IsLit:
			if kind == "regex" {
				b.WriteString(pt.Lit)
			} else {
				b.WriteString(regexp.QuoteMeta(pt.Lit))
			}
		case pt.Star:
			b.WriteString(".*?")
		default:
			cols = append(cols, pt)
			switch {
			case kind == "relaxed":
				b.WriteString("(.*?)")
			case pt.Type == "long" || pt.Type == "int":
				b.WriteString(`(\-?\d+)`)
			case pt.Type == "real":
				b.WriteString(`(\-?\d+(?:\.\d*)?(?:[eE][\-+]?\d+)?)`)
			default:
				b.WriteString("(.*?)")
			}
		}
	}
	b.WriteString("$")
	return b.String(), cols
}

func (c *checker) checkParse(o *ParseOp, in Rel, e *env) Rel {
	sc := newScope(in)
	src := c.scalar(o.X, sc, e)
	if src == nil {
		return nil
	}
	src = asString(src)
	kind, _ := optionValue(o.Opts, "kind")
	if kind == "" {
		kind = "simple"
	}
	if kind != "simple" && kind != "regex" && kind != "relaxed" {
		c.errorf(o.Pos(), "parse kind must be simple, regex or relaxed, got '%s'", kind)
		return nil
	}
	flags, _ := optionValue(o.Opts, "flags")
	for _, f := range flags {
		if !strings.ContainsRune("imsU", f) {
			c.errorf(o.Pos(), "unknown regex flag '%c' (use i, m, s or U)", f)
			return nil
		}
	}
	re, cols := parsePattern(kind, flags, o.Parts)
	if err := checkRegex(re); err != nil {
		c.errorf(o.Pos(), "parse pattern is not a valid regular expression: %v", err)
		return nil
	}
	if len(cols) == 0 {
		c.errorf(o.Pos(), "parse pattern has no column to extract")
		return nil
	}
	var in2 Rel = in
	if o.Where {
		in2 = &Filter{In: in, Pred: &Call{Fn: "matches_regex", Args: []Scalar{src, constString(re)}, T: TBool}}
	}
	items := make([]Item, 0, len(sc.cols)+len(cols))
	for _, col := range sc.cols {
		items = append(items, passThrough(col))
	}
	for i, pt := range cols {
		t := TString
		if pt.Type != "" {
			t, _ = ParseType(pt.Type)
		}
		var v Scalar = &Call{Fn: "regex_group", Args: []Scalar{src, constString(re), constLong(int64(i + 1))}, T: TString}
		if t != TString {
			v = &Call{Fn: ConvFunc(t), Args: []Scalar{v}, T: t}
		}
		for j, it := range items {
			if it.Name == pt.Col.Name {
				items = append(items[:j], items[j+1:]...)
				break
			}
		}
		items = append(items, Item{Name: pt.Col.Name, X: v})
	}
	return &Project{In: in2, Items: items}
}
