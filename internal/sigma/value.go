package sigma

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// valueMatcher tests one field value. v is the raw value and ok says
// whether the field exists; d gives the lowered value and other fields.
type valueMatcher interface {
	match(d *Doc, slot int, v string, ok bool) bool
}

// Pattern operations, from cheapest to dearest.
const (
	opEq uint8 = iota
	opPrefix
	opSuffix
	opContains
	opGlob
)

// strMatcher is a Sigma string value: a wildcard pattern, case-insensitive
// unless cased.
type strMatcher struct {
	litRef
	op    uint8
	s     string    // the literal for eq/prefix/suffix/contains; lowered unless cased
	glob  []globTok // for opGlob
	cased bool
}

type globTok struct {
	lit  string // literal text, or "" for a wildcard
	star bool   // * (any run) when lit is "", else ? (one character)
}

func (m *strMatcher) match(d *Doc, slot int, v string, ok bool) bool {
	if !ok {
		return false
	}
	if !m.possible(d) {
		return false
	}
	if !m.cased {
		v = d.lower(slot, v)
	}
	return m.test(v)
}

func (m *strMatcher) test(v string) bool {
	switch m.op {
	case opEq:
		return v == m.s
	case opPrefix:
		return strings.HasPrefix(v, m.s)
	case opSuffix:
		return strings.HasSuffix(v, m.s)
	case opContains:
		return strings.Contains(v, m.s)
	}
	return globMatch(m.glob, v)
}

// globMatch matches v against toks: literals, * and ?. Greedy with one
// backtrack point per star, linear in practice.
func globMatch(toks []globTok, v string) bool {
	ti, vi := 0, 0
	starT, starV := -1, 0
	for {
		if ti < len(toks) {
			t := toks[ti]
			switch {
			case t.lit != "":
				if strings.HasPrefix(v[vi:], t.lit) {
					ti++
					vi += len(t.lit)
					continue
				}
			case t.star:
				starT, starV = ti, vi
				ti++
				continue
			default:
				if vi < len(v) {
					_, n := utf8.DecodeRuneInString(v[vi:])
					ti++
					vi += n
					continue
				}
			}
		} else if vi == len(v) {
			return true
		}
		if starT < 0 || starV >= len(v) {
			return false
		}
		_, n := utf8.DecodeRuneInString(v[starV:])
		starV += n
		ti, vi = starT+1, starV
	}
}

// parseWildcards splits a Sigma string into literals and wildcards: * and ?
// are wildcards, \* \? and \\ are the literal characters, and a backslash
// before anything else is a plain backslash.
func parseWildcards(s string) []globTok {
	var toks []globTok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, globTok{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			if len(toks) == 0 || !toks[len(toks)-1].star {
				toks = append(toks, globTok{star: true})
			}
		case c == '?':
			flush()
			toks = append(toks, globTok{})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return toks
}

// newStrMatcher picks the cheapest operation that matches toks.
func newStrMatcher(toks []globTok, cased bool) *strMatcher {
	low := func(s string) string {
		if cased {
			return s
		}
		return strings.ToLower(s)
	}
	m := &strMatcher{cased: cased, litRef: litRef{lit: -1}}
	isLit := func(t globTok) bool { return t.lit != "" }
	switch {
	case len(toks) == 0:
		m.op = opEq
	case len(toks) == 1 && isLit(toks[0]):
		m.op, m.s = opEq, low(toks[0].lit)
	case len(toks) == 2 && isLit(toks[0]) && toks[1].star:
		m.op, m.s = opPrefix, low(toks[0].lit)
	case len(toks) == 2 && toks[0].star && isLit(toks[1]):
		m.op, m.s = opSuffix, low(toks[1].lit)
	case len(toks) == 3 && toks[0].star && isLit(toks[1]) && toks[2].star:
		m.op, m.s = opContains, low(toks[1].lit)
	case len(toks) == 1 && toks[0].star:
		m.op = opContains // "*" matches any present value
	default:
		m.op = opGlob
		for _, t := range toks {
			t.lit = low(t.lit)
			m.glob = append(m.glob, t)
		}
	}
	return m
}

type regexMatcher struct {
	litRef
	re   *regexp.Regexp
	lits []regexLit
}

func (m *regexMatcher) match(d *Doc, slot int, v string, ok bool) bool {
	if !ok || !m.possible(d) {
		return false
	}
	if len(m.lits) > 0 && !d.exhaustive && !m.literalsPossible(v, d.lower(slot, v)) {
		return false
	}
	return m.re.MatchString(v)
}

type cidrMatcher struct{ p netip.Prefix }

func (m *cidrMatcher) match(_ *Doc, _ int, v string, ok bool) bool {
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(strings.Trim(v, "[]"))
	return err == nil && m.p.Contains(a.Unmap())
}

type cmpMatcher struct {
	op string
	x  float64
}

func (m *cmpMatcher) match(_ *Doc, _ int, v string, ok bool) bool {
	if !ok {
		return false
	}
	f, err := parseNumber(v)
	if err != nil {
		return false
	}
	switch m.op {
	case "lt":
		return f < m.x
	case "lte":
		return f <= m.x
	case "gt":
		return f > m.x
	}
	return f >= m.x
}

func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		u, err := strconv.ParseUint(s[2:], 16, 64)
		return float64(u), err
	}
	return strconv.ParseFloat(s, 64)
}

type existsMatcher struct{ want bool }

func (m *existsMatcher) match(_ *Doc, _ int, _ string, ok bool) bool { return ok == m.want }

// nullMatcher is "field: null": the field is absent or empty.
type nullMatcher struct{}

func (nullMatcher) match(_ *Doc, _ int, v string, ok bool) bool { return !ok || v == "" }

// fieldrefMatcher compares the field with another field of the same event.
type fieldrefMatcher struct {
	other int
	op    uint8
	cased bool
}

func (m *fieldrefMatcher) match(d *Doc, slot int, v string, ok bool) bool {
	w, wok := d.value(m.other)
	if !ok || !wok {
		return false
	}
	if !m.cased {
		v, w = d.lower(slot, v), d.lower(m.other, w)
	}
	return (&strMatcher{op: m.op, s: w, litRef: litRef{lit: -1}}).test(v)
}

// modifiers is an item's modifier list, read.
type modifiers struct {
	op                  uint8 // opEq, opContains, opPrefix, opSuffix
	all, cased, windash bool
	re, cidr, exists    bool
	fieldref, expand    bool
	reFlags             string
	cmp                 string
	encodings           []string // utf16le, utf16be, utf16, wide, base64, base64offset in order
}

func parseModifiers(ms []string) (modifiers, error) {
	var m modifiers
	for _, s := range ms {
		switch s {
		case "contains":
			m.op = opContains
		case "startswith":
			m.op = opPrefix
		case "endswith":
			m.op = opSuffix
		case "all":
			m.all = true
		case "cased":
			m.cased = true
		case "windash":
			m.windash = true
		case "re":
			m.re = true
		case "i", "m", "s":
			if !m.re {
				return m, fmt.Errorf("modifier %q applies to re only", s)
			}
			m.reFlags += s
		case "cidr":
			m.cidr = true
		case "exists":
			m.exists = true
		case "fieldref":
			m.fieldref = true
		case "expand":
			m.expand = true
		case "lt", "lte", "gt", "gte":
			m.cmp = s
		case "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide":
			m.encodings = append(m.encodings, s)
		default:
			return m, &UnsupportedError{Reason: fmt.Sprintf("modifier %q is not implemented", s)}
		}
	}
	return m, nil
}

// valueMatchers turns an item's values into matchers under its modifiers.
// field resolves a field name (for fieldref) to its slot.
func valueMatchers(it Item, m modifiers, placeholders map[string][]string, field func(string) int) ([]valueMatcher, error) {
	var out []valueMatcher
	for _, v := range it.Values {
		switch {
		case m.exists:
			want, err := strconv.ParseBool(v.Text)
			if err != nil {
				return nil, fmt.Errorf("%s|exists: want true or false, got %q", it.Field, v.Text)
			}
			out = append(out, &existsMatcher{want})
			continue
		case v.Kind == Null:
			out = append(out, nullMatcher{})
			continue
		case m.re:
			flags := m.reFlags
			expr := v.Text
			if flags != "" {
				expr = "(?" + flags + ")" + expr
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				// Sigma's regular expressions are PCRE-like; what Go's RE2
				// rejects (lookaround, backreferences) is valid Sigma.
				return nil, &UnsupportedError{Reason: fmt.Sprintf("regular expression %q does not compile in Go's RE2 engine: %v", v.Text, err)}
			}
			need, lits := regexLiterals(expr)
			out = append(out, &regexMatcher{re: re, lits: lits, litRef: litRef{lit: -1, need: need}})
			continue
		case m.cidr:
			p, err := netip.ParsePrefix(v.Text)
			if err != nil {
				return nil, fmt.Errorf("%s|cidr: %q is not a CIDR prefix", it.Field, v.Text)
			}
			out = append(out, &cidrMatcher{p.Masked()})
			continue
		case m.cmp != "":
			x, err := parseNumber(v.Text)
			if err != nil {
				return nil, fmt.Errorf("%s|%s: %q is not a number", it.Field, m.cmp, v.Text)
			}
			out = append(out, &cmpMatcher{m.cmp, x})
			continue
		case m.fieldref:
			out = append(out, &fieldrefMatcher{other: field(v.Text), op: m.op, cased: m.cased})
			continue
		}
		texts := []string{v.Text}
		if m.expand {
			var err error
			if texts, err = expandPlaceholders(v.Text, placeholders); err != nil {
				return nil, err
			}
		}
		if m.windash {
			texts = windashVariants(texts)
		}
		literal := len(m.encodings) > 0 || v.Kind != String
		// base64 text is case-significant: lowering it would match other
		// bytes.
		cased := m.cased || slices.ContainsFunc(m.encodings, func(e string) bool { return strings.HasPrefix(e, "base64") })
		op := m.op
		if it.Field == "" && op == opEq {
			op = opContains // a keyword is found anywhere in a value
		}
		for _, enc := range m.encodings {
			texts = encode(enc, texts)
		}
		if len(texts) > MaxVariants {
			return nil, fmt.Errorf("%s: value %q expands to %d variants, more than %d", it.Field, v.Text, len(texts), MaxVariants)
		}
		for _, t := range texts {
			var toks []globTok
			if literal {
				if t != "" {
					toks = []globTok{{lit: t}}
				}
			} else {
				toks = parseWildcards(t)
			}
			switch op {
			case opContains:
				toks = append(append([]globTok{{star: true}}, toks...), globTok{star: true})
			case opPrefix:
				toks = append(toks, globTok{star: true})
			case opSuffix:
				toks = append([]globTok{{star: true}}, toks...)
			}
			out = append(out, newStrMatcher(compactStars(toks), cased))
		}
	}
	return out, nil
}

func compactStars(toks []globTok) []globTok {
	out := toks[:0:0]
	for _, t := range toks {
		if t.star && len(out) > 0 && out[len(out)-1].star {
			continue
		}
		out = append(out, t)
	}
	return out
}

// windashVariants writes each dash or slash that starts a word (an option)
// as each of -, /, en dash, em dash and horizontal bar.
func windashVariants(texts []string) []string {
	var out []string
	for _, t := range texts {
		at := -1
		for i := 0; i < len(t); i++ {
			if (t[i] == '-' || t[i] == '/') && (i == 0 || t[i-1] == ' ') {
				at = i
				break
			}
		}
		if at < 0 {
			out = append(out, t)
			continue
		}
		for _, d := range []string{"-", "/", "\u2013", "\u2014", "\u2015"} {
			var b strings.Builder
			for i := 0; i < len(t); i++ {
				if (t[i] == '-' || t[i] == '/') && (i == 0 || t[i-1] == ' ') {
					b.WriteString(d)
				} else {
					b.WriteByte(t[i])
				}
			}
			out = append(out, b.String())
		}
	}
	return out
}

func encode(enc string, texts []string) []string {
	var out []string
	for _, t := range texts {
		switch enc {
		case "utf16le", "wide":
			out = append(out, utf16Bytes(t, false, false))
		case "utf16be":
			out = append(out, utf16Bytes(t, true, false))
		case "utf16":
			out = append(out, utf16Bytes(t, false, true))
		case "base64":
			out = append(out, base64.StdEncoding.EncodeToString([]byte(t)))
		case "base64offset":
			out = append(out, base64Offsets(t)...)
		}
	}
	return out
}

func utf16Bytes(s string, bigEndian, bom bool) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u)+2)
	if bom {
		b = append(b, 0xff, 0xfe)
	}
	for _, c := range u {
		if bigEndian {
			b = append(b, byte(c>>8), byte(c))
		} else {
			b = append(b, byte(c), byte(c>>8))
		}
	}
	return string(b)
}

// base64Offsets gives the three base64 forms of s as it appears at byte
// offsets 0, 1 and 2 of a longer encoded text: the characters that depend
// on the neighbouring bytes are cut off both ends.
func base64Offsets(s string) []string {
	start := [3]int{0, 2, 3}
	endCut := [3]int{0, 3, 2} // by (len(s)+i) % 3
	var out []string
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc) - endCut[(len(s)+i)%3]
		if start[i] < end {
			out = append(out, enc[start[i]:end])
		}
	}
	return out
}

// expandPlaceholders replaces %name% by each of its configured values.
func expandPlaceholders(s string, ph map[string][]string) ([]string, error) {
	out := []string{s}
	for {
		i := strings.IndexByte(out[0], '%')
		if i < 0 {
			return out, nil
		}
		j := strings.IndexByte(out[0][i+1:], '%')
		if j < 0 {
			return out, nil
		}
		name := out[0][i+1 : i+1+j]
		vals, ok := ph[name]
		if !ok {
			return nil, &UnsupportedError{Reason: fmt.Sprintf("placeholder %%%s%% has no value (give it in the placeholders file)", name)}
		}
		var next []string
		for _, o := range out {
			for _, v := range vals {
				next = append(next, strings.Replace(o, "%"+name+"%", v, 1))
			}
		}
		if len(next) > MaxVariants {
			return nil, fmt.Errorf("placeholder %%%s%% expands to more than %d values", name, MaxVariants)
		}
		out = next
	}
}
