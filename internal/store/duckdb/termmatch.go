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
	var scratch event.Event
	var lastOp string
	var op hasOp
	opOK := false
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
		if c.row == 0 || args[2] != lastOp {
			lastOp = args[2]
			op, opOK = parseHasOp(args[2])
		}
		res, known := false, false
		if !null && opOK {
			res, known = hasInPieces(u.reg, args[0], args[1], op, &scratch, c.shared)
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

// hasInPieces decides whether the row's EventData has term (op); known is
// false when it cannot tell (see hasFunc).
func hasInPieces(reg *templates, vals, term string, op hasOp, scratch *event.Event, shared sharedValues) (res, known bool) {
	if !isASCII(term) || !schema.EventDataPieceTerm(strings.ToLower(term)) {
		return false, false
	}
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
	if op.never {
		return false, true
	}
	if !r.eventInto(scratch, shared) {
		return false, false
	}
	e := scratch
	if e.Section == event.SectionNone && len(e.Data) == 0 && e.Binary == "" {
		return false, true // no EventData: null, which no term is in
	}
	known = true
	check := func(p string) bool {
		m, ok := asciiHas(p, term, op)
		known = known && ok
		return m
	}
	for _, f := range e.Data {
		if check(f.Value) || check(f.Name) {
			return true, true
		}
	}
	if check(e.Binary) {
		return true, true
	}
	if e.Section == event.SectionUserData && (check(e.UserDataName) || check(e.UserDataNS)) {
		return true, true
	}
	return false, known
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
	for i := 0; i+n <= len(s); i++ {
		if !sameASCII(s[i:i+n], term, op.cs) {
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
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
