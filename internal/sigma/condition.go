package sigma

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Expr is a parsed condition.
type Expr interface{ String() string }

// And, Or, Not and Ref are the condition's boolean structure; Of is
// "N of pattern" / "all of pattern" / "1 of them".
type (
	And struct{ L, R Expr }
	Or  struct{ L, R Expr }
	Not struct{ X Expr }
	Ref struct{ Name string }
	Of  struct {
		All     bool   // "all of"; otherwise at least N
		N       int    // for "N of"
		Pattern string // a search identifier, possibly with * wildcards, or "them"
	}
)

func (e *And) String() string { return "(" + e.L.String() + " and " + e.R.String() + ")" }
func (e *Or) String() string  { return "(" + e.L.String() + " or " + e.R.String() + ")" }
func (e *Not) String() string { return "not " + e.X.String() }
func (e *Ref) String() string { return e.Name }
func (e *Of) String() string {
	if e.All {
		return "all of " + e.Pattern
	}
	return strconv.Itoa(e.N) + " of " + e.Pattern
}

// ParseCondition parses a Sigma condition: search identifiers combined with
// and, or, not and parentheses (not binds tightest, then and, then or), and
// the quantifiers "1 of pattern", "all of pattern", "N of them". Sigma v1
// aggregations ("| count() by x > 5") are not part of the v2 grammar and are
// rejected with a pointer to correlation rules.
func ParseCondition(s string) (Expr, error) {
	if len(s) > MaxConditionBytes {
		return nil, fmt.Errorf("condition is %d bytes, more than %d", len(s), MaxConditionBytes)
	}
	if i := strings.IndexByte(s, '|'); i >= 0 {
		return nil, &UnsupportedError{Reason: "the condition uses a Sigma v1 aggregation (" + strings.TrimSpace(s[i:]) + "); write it as a correlation rule"}
	}
	toks, err := lexCondition(s)
	if err != nil {
		return nil, err
	}
	p := &condParser{toks: toks}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.toks[p.pos].text, p.toks[p.pos].off)
	}
	return e, nil
}

type condToken struct {
	text string
	off  int
}

func lexCondition(s string) ([]condToken, error) {
	var toks []condToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, condToken{s[i : i+1], i})
			i++
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			toks = append(toks, condToken{s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", rune(c), i)
		}
		if len(toks) > MaxConditionTokens {
			return nil, fmt.Errorf("condition has more than %d tokens", MaxConditionTokens)
		}
	}
	return toks, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '*' || c == '-' || c == '.' || c == '?' || c >= 0x80 || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}

type condParser struct {
	toks []condToken
	pos  int
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].text
	}
	return ""
}

func (p *condParser) word(w string) bool { return strings.EqualFold(p.peek(), w) }

func (p *condParser) or(depth int) (Expr, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.word("or") {
		p.pos++
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = &Or{l, r}
	}
	return l, nil
}

func (p *condParser) and(depth int) (Expr, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.word("and") {
		p.pos++
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = &And{l, r}
	}
	return l, nil
}

func (p *condParser) unary(depth int) (Expr, error) {
	if depth > MaxConditionDepth {
		return nil, fmt.Errorf("condition nests deeper than %d", MaxConditionDepth)
	}
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("condition ends where a search identifier was expected")
	}
	t := p.toks[p.pos]
	switch {
	case p.word("not"):
		p.pos++
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	case t.text == "(":
		p.pos++
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ')' for the '(' at offset %d", t.off)
		}
		p.pos++
		return x, nil
	case t.text == ")":
		return nil, fmt.Errorf("unexpected ')' at offset %d", t.off)
	case isKeyword(t.text):
		return nil, fmt.Errorf("unexpected %q at offset %d where a search identifier was expected", t.text, t.off)
	}
	p.pos++
	if p.word("of") {
		p.pos++
		of := &Of{}
		if strings.EqualFold(t.text, "all") {
			of.All = true
		} else if strings.EqualFold(t.text, "any") {
			of.N = 1
		} else if n, err := strconv.Atoi(t.text); err == nil && n > 0 {
			of.N = n
		} else {
			return nil, fmt.Errorf("%q of: want 1, all or a positive number before \"of\" at offset %d", t.text, t.off)
		}
		if p.pos >= len(p.toks) || isKeyword(p.peek()) || p.peek() == "(" || p.peek() == ")" {
			return nil, fmt.Errorf("\"of\" at offset %d needs a search identifier pattern or \"them\"", t.off)
		}
		of.Pattern = p.toks[p.pos].text
		p.pos++
		return of, nil
	}
	return &Ref{t.text}, nil
}

func isKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "and", "or", "not", "of":
		return true
	}
	return false
}

// checkNames reports a reference to a search the detection does not define,
// and a pattern that names none.
func checkNames(e Expr, d *Detection) error {
	switch e := e.(type) {
	case *And:
		if err := checkNames(e.L, d); err != nil {
			return err
		}
		return checkNames(e.R, d)
	case *Or:
		if err := checkNames(e.L, d); err != nil {
			return err
		}
		return checkNames(e.R, d)
	case *Not:
		return checkNames(e.X, d)
	case *Ref:
		if _, ok := d.Searches[e.Name]; !ok {
			return fmt.Errorf("search identifier %q is not defined in the detection", e.Name)
		}
	case *Of:
		if len(d.expand(e.Pattern)) == 0 {
			return fmt.Errorf("%s: no search identifier matches %q", e, e.Pattern)
		}
	}
	return nil
}

// expand lists the searches a quantifier pattern covers; "them" is every
// search whose name does not start with "_".
func (d *Detection) expand(pattern string) []string {
	var out []string
	for _, n := range d.Names {
		if pattern == "them" {
			if !strings.HasPrefix(n, "_") {
				out = append(out, n)
			}
			continue
		}
		if ok, _ := path.Match(pattern, n); ok {
			out = append(out, n)
		}
	}
	return out
}

// ParseTimespan reads a Sigma timespan: a positive integer and a unit, s,
// m, h, d, w, M (30 days) or y (365 days).
func ParseTimespan(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("timespan %q: want a number and a unit (s, m, h, d, w, M, y)", s)
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 32)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("timespan %q: want a positive number before the unit", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'M': 30 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("timespan %q: unit must be s, m, h, d, w, M or y", s)
	}
	return time.Duration(n) * unit, nil
}
