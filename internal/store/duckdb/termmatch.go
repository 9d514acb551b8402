package duckdb

import (
	"context"
	"fmt"
	"strings"

	duck "github.com/duckdb/duckdb-go/v2"

	"wsec/internal/event"
	"wsec/internal/schema"
)

// hasFunc is the SQL function TermMatch writes: wsec_has(_Vals, term, op,
// shared...) decides `EventData op term` for has, hasprefix, hassuffix,
// contains, startswith, endswith and =~ (and the _cs forms) from the
// stored parts of the row, without rendering the XML: '1' when it holds,
// '0' when not, NULL when it cannot tell, where the compiler falls back to
// the rendered text.
//
// Why it is exact: for a term schema.EventDataPieceTerm accepts, every
// occurrence in the rendered text lies inside one of the event's own
// strings (a value, the Binary, a field name, the UserData wrapper), and
// the characters around it in the XML are either the string's own or
// markup and escapes (< > " / space & ; CR LF U+FFFD), none of them a
// letter or digit; so the term is bounded there exactly when it is bounded
// in the string, its ends taken as bounds. It decides only over ASCII
// strings and terms, where KQL's case-insensitive match is ASCII case
// folding and letters and digits are [A-Za-z0-9]; a row with another
// string it does not match in is NULL. A row that keeps EventData as an
// extra (the text itself) is NULL too.
const hasFunc = "wsec_has"

// TermMatch implements kqlsql.TermMatcher: `EventData op term` decided by
// wsec_has for an ASCII term EventDataPieceTerm accepts.
func (w *Workspace) TermMatch(table, column, op, term string) (string, bool) {
	l := w.viewLayout(table)
	if l == nil || l.vals < 0 || l.payloadCol < 0 || column != l.table.Columns[l.payloadCol].Name {
		return "", false
	}
	if _, ok := parseHasOp(op); !ok || !isASCII(term) || !schema.EventDataPieceTerm(strings.ToLower(term)) {
		return "", false
	}
	return "(" + hasFunc + "(" + quoteIdent(valsCol) + ", " + sqlString(term) + ", " + sqlString(op) + l.sharedArgs() + ") = '1')", true
}

// hasOp is a string operator wsec_has decides: case sensitivity, which
// ends of the term must be bounded (has family; contains: neither), or
// never for one that compares the whole text (startswith, endswith, =~:
// EventData starts with '<' and ends with '>', which the term lacks).
type hasOp struct{ cs, prefix, suffix, never bool }

func parseHasOp(op string) (hasOp, bool) {
	cs := strings.HasSuffix(op, "_cs")
	switch strings.TrimSuffix(op, "_cs") {
	case "has":
		return hasOp{cs: cs, prefix: true, suffix: true}, true
	case "hasprefix":
		return hasOp{cs: cs, prefix: true}, true
	case "hassuffix":
		return hasOp{cs: cs, suffix: true}, true
	case "contains":
		return hasOp{cs: cs}, true
	case "startswith", "endswith", "=~":
		return hasOp{never: true}, true
	}
	return hasOp{}, false
}

// registerHasFunc registers wsec_has on w's database.
func registerHasFunc(w *Workspace) error {
	if err := duck.RegisterScalarUDF(w.wconn, hasFunc, hasUDF{reg: w.tpl}); err != nil {
		return fmt.Errorf("register %s: %w", hasFunc, err)
	}
	return nil
}

type hasUDF struct{ reg *templates }

func (hasUDF) Config() duck.ScalarFuncConfig {
	vc, err := duck.NewTypeInfo(duck.TYPE_VARCHAR)
	if err != nil {
		panic("BUG: duckdb: VARCHAR type info: " + err.Error())
	}
	return duck.ScalarFuncConfig{InputTypeInfos: []duck.TypeInfo{vc, vc, vc}, VariadicTypeInfo: vc, ResultTypeInfo: vc,
		SpecialNullHandling: true}
}

// Executor has no ScalarBinder, for the reason wsec_col has none.
func (u hasUDF) Executor() duck.ScalarFuncExecutor {
	return duck.ScalarFuncExecutor{ChunkContextExecutor: u.execute}
}

func (u hasUDF) execute(_ context.Context, st *duck.ChunkIteratorState) error {
	c, err := readChunk(hasFunc, st, 3)
	if err != nil {
		return err
	}
	var m hasMatcher
	for c.row = range c.size {
		var args [3]string
		null := false
		for i := range args {
			v, ok, err := c.views[i].GetValueBorrowed(c.row)
			if err != nil {
				return err
			}
			args[i], null = v, null || !ok
		}
		res, known := false, false
		if !null && m.prepare(args[1], args[2]) {
			res, known = m.match(u.reg, args[0], c.shared)
		}
		if c.err != nil {
			return c.err
		}
		switch {
		case !known:
			err = c.out.SetNull(c.row)
		case res:
			err = c.out.Set(c.row, "1")
		default:
			err = c.out.Set(c.row, "0")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// hasMatcher decides `EventData op term` row by row for one term and
// operator at a time (a query's rows share them): what depends on them
// alone — whether wsec_has can decide the term at all, and whether a
// template's field names hold it — is worked out once, not per row, and a
// row's values are searched where they lie in _Vals rather than copied
// into an event first. Over real Security events that takes 0.23-0.52 µs
// of Go per row instead of 0.65-1.3 (BenchmarkHasMatcher, a term in most
// rows and one in none), and a whole `EventData has` query over 200k
// events 170 ms instead of 275 (BenchmarkQuery/eventdata-has; medians of 3,
// binaries alternated). Over 10M events (bench-scale, a term in a third of
// them) the query took 5.3 s either way: at that size DuckDB's reading of
// _Vals and the shared columns for the term filter is what costs.
type hasMatcher struct {
	term, opText string
	op           hasOp
	ok           bool // the term and operator are ones wsec_has decides
	names        map[*template]namesMatch
}

type namesMatch struct{ res, known bool }

// prepare sets the term and operator; false when wsec_has cannot decide
// them (a term that is not ASCII or that EventDataPieceTerm refuses).
func (m *hasMatcher) prepare(term, opText string) bool {
	if m.names != nil && term == m.term && opText == m.opText {
		return m.ok
	}
	m.term, m.opText = strings.Clone(term), strings.Clone(opText)
	m.names = make(map[*template]namesMatch)
	op, ok := parseHasOp(opText)
	m.op = op
	m.ok = ok && isASCII(term) && schema.EventDataPieceTerm(strings.ToLower(term))
	return m.ok
}

// match decides whether the row's EventData has the term; known is false
// when it cannot tell (see hasFunc). It reads the values in place, in one
// pass over the row (all of it, so a malformed row is unknown rather than
// matched by a value before the damage), and the field names through the
// template's cached result.
func (m *hasMatcher) match(reg *templates, vals string, shared sharedValues) (res, known bool) {
	r, ok := readVals(reg, vals)
	if !ok {
		return false, false
	}
	t := r.t
	if _, ok := t.extraAt[payloadColumn]; ok {
		return false, false
	}
	if _, ok := t.constAt[payloadColumn]; ok {
		return false, false
	}
	if m.op.never {
		return false, true
	}
	// No fields and no section: EventData is null unless a Binary is.
	bare := t.section == event.SectionNone && len(t.names) == 0
	found, known := false, true
	i := 0
	for k := range len(t.names) + btoi(t.hasBinary) {
		if i >= len(r.body) || r.body[i] == '~' {
			return false, false
		}
		var v string
		if r.body[i] == sharedToken {
			if k >= len(t.names) || shared == nil {
				return false, false
			}
			a, ok := sharedArg[t.names[k]]
			if !ok {
				return false, false
			}
			if v, ok = shared(a); !ok {
				return false, false
			}
			i++
		} else {
			s, next, ok := readLenString(r.body, i)
			if !ok {
				return false, false
			}
			v, i = s, next
		}
		if k == len(t.names) && bare && v == "" {
			return false, true
		}
		if !found {
			hit, ok := asciiHas(v, m.term, m.op)
			found, known = hit, known && ok
		}
	}
	if bare && !t.hasBinary {
		return false, true
	}
	if found {
		return true, true
	}
	n, ok := m.names[t]
	if !ok {
		n = namesMatch{known: true}
		check := func(p string) {
			hit, ok := asciiHas(p, m.term, m.op)
			n.res, n.known = n.res || hit, n.known && ok
		}
		for _, name := range t.names {
			check(name)
		}
		if t.section == event.SectionUserData {
			check(t.udName)
			check(t.udNS)
		}
		m.names[t] = n
	}
	if n.res {
		return true, true
	}
	return false, known && n.known
}

// asciiHas reports whether term occurs in s as KQL's has-family operator
// op requires, s's ends counting as bounds; ok is false when s is not
// ASCII (a letter next to the term could be any character then).
func asciiHas(s, term string, op hasOp) (match, ok bool) {
	if !isASCII(s) {
		return false, false
	}
	n := len(term)
	pre := op.prefix && isAlnum(term[0])
	suf := op.suffix && isAlnum(term[n-1])
	first := term[0]
	if !op.cs {
		first = lowerASCII(first)
	}
	for i := 0; i+n <= len(s); i++ {
		c := s[i]
		if !op.cs {
			c = lowerASCII(c)
		}
		if c != first || !sameASCII(s[i:i+n], term, op.cs) {
			continue
		}
		if pre && i > 0 && isAlnum(s[i-1]) {
			continue
		}
		if suf && i+n < len(s) && isAlnum(s[i+n]) {
			continue
		}
		return true, true
	}
	return false, true
}

func sameASCII(a, b string, cs bool) bool {
	if cs {
		return a == b
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
