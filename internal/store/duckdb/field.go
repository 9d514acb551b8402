package duckdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	duck "github.com/duckdb/duckdb-go/v2"
)

// fieldFunc is the name of the SQL function the views read cold columns
// with: wsec_field(event_data, rest, name) is
//
//   - rest's value of key name, when rest (a _Rest JSON object) has it
//     (JSON null gives NULL, a string its text, other values their JSON
//     text, for the view to cast);
//   - else the text of event_data's first <Data Name="name"> element, with
//     the escaping of schema.EventDataXML undone (entities, CRLF), or ”
//     for <Data Name="name" />;
//   - else NULL.
//
// It is a Go function rather than SQL because DuckDB binds a view's whole
// select list for every query that names the view: written in SQL, the
// ~200 cold columns' CASE expressions cost ~100 ms of binding per query;
// as one function call each, ~3 ms (doc.go).
const fieldFunc = "wsec_field"

// registerFieldFunc registers wsec_field on the database of conn (DuckDB
// keeps scalar functions in the database's system catalog, so every
// connection sees it).
func registerFieldFunc(w *Workspace) error {
	if err := duck.RegisterScalarUDF(w.wconn, fieldFunc, fieldUDF{}); err != nil {
		return fmt.Errorf("register %s: %w", fieldFunc, err)
	}
	return nil
}

type fieldUDF struct{}

func (fieldUDF) Config() duck.ScalarFuncConfig {
	vc, err := duck.NewTypeInfo(duck.TYPE_VARCHAR)
	if err != nil {
		panic("BUG: duckdb: VARCHAR type info: " + err.Error())
	}
	return duck.ScalarFuncConfig{
		InputTypeInfos:      []duck.TypeInfo{vc, vc, vc},
		ResultTypeInfo:      vc,
		SpecialNullHandling: true, // NULL event data or rest is the common case, not NULL out
	}
}

// Executor has no ScalarBinder on purpose: duckdb-go's bind callback
// aborts the process (a C++ InternalException) when an argument folds to a
// NULL constant, and a query may write wsec_field(NULL, ...) itself.
func (fieldUDF) Executor() duck.ScalarFuncExecutor {
	return duck.ScalarFuncExecutor{ChunkContextExecutor: executeField}
}

// executeField runs wsec_field over one chunk, reading the inputs in place.
func executeField(_ context.Context, st *duck.ChunkIteratorState) error {
	in := st.GetInputChunk()
	n := in.GetSize()
	var views [3]duck.VectorView[string]
	for i := range views {
		v, err := in.GetVector(i)
		if err != nil {
			return fmt.Errorf("wsec_field input %d: %w", i, err)
		}
		if views[i], err = duck.GetVectorView[string](v); err != nil {
			return fmt.Errorf("wsec_field input %d: %w", i, err)
		}
	}
	out, err := duck.GetVectorWriter[string](st.GetResultVector())
	if err != nil {
		return fmt.Errorf("wsec_field result: %w", err)
	}
	var lastName string
	var pat fieldPattern
	for row := range n {
		name, ok, err := views[2].GetValueBorrowed(row)
		if err != nil {
			return err
		}
		if ok && (pat.open == "" || name != lastName) {
			lastName, pat = name, newFieldPattern(name)
		}
		var val string
		found := false
		if ok {
			ed, edOK, err := views[0].GetValueBorrowed(row)
			if err != nil {
				return err
			}
			rest, restOK, err := views[1].GetValueBorrowed(row)
			if err != nil {
				return err
			}
			val, found = pat.value(ed, edOK, rest, restOK)
		}
		if !found {
			if err := out.SetNull(row); err != nil {
				return err
			}
			continue
		}
		if err := out.Set(row, val); err != nil {
			return err
		}
	}
	return nil
}

// fieldPattern holds the search strings of one column name.
type fieldPattern struct {
	name    string
	restKey string // "name": as _Rest writes it
	open    string // <Data Name="name"
}

func newFieldPattern(name string) fieldPattern {
	return fieldPattern{name: name, restKey: `"` + name + `":`, open: dataOpen + name + `"`}
}

const dataOpen = `<Data Name="`

// fieldValue is wsec_field for one row.
func fieldValue(ed string, edOK bool, rest string, restOK bool, name string) (string, bool) {
	p := newFieldPattern(name)
	return p.value(ed, edOK, rest, restOK)
}

func (p *fieldPattern) value(ed string, edOK bool, rest string, restOK bool) (string, bool) {
	// The substring test is a cheap prefilter: a key the object has always
	// appears as "name":, while the full scan confirms it is a key.
	if restOK && strings.Contains(rest, p.restKey) {
		if v, isNull, ok := restLookup(rest, p.name); ok {
			return v, !isNull
		}
	}
	if edOK {
		return dataElement(ed, p.open)
	}
	return "", false
}

// dataElement returns the text of the first element of an EventData text
// that starts with open (<Data Name="X"), unescaped. It searches for the
// name part (X") and checks the <Data Name=" before it: every element starts
// with "<Data", so searching for that would stop at each one. A value
// cannot fake the match, since its '<' is escaped.
func dataElement(ed, open string) (string, bool) {
	tail := open[len(dataOpen):]
	for from := 0; ; {
		i := strings.Index(ed[from:], tail)
		if i < 0 {
			return "", false
		}
		at := from + i
		p := at + len(tail)
		if at < len(dataOpen) || ed[at-len(dataOpen):at] != dataOpen {
			from = at + 1
			continue
		}
		rest := ed[p:]
		switch {
		case strings.HasPrefix(rest, ">"):
			text := rest[1:]
			end := strings.Index(text, "</Data>")
			if end < 0 {
				return "", false
			}
			return unescapeText(text[:end]), true
		case strings.HasPrefix(rest, " />"), strings.HasPrefix(rest, "/>"):
			return "", true
		}
		from = p
	}
}

// unescapeText undoes XML element-text escaping (the predefined entities
// and character references) and the CRLF that LF became.
func unescapeText(s string) string {
	if !strings.ContainsAny(s, "&\r") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			i++ // drop the CR of CRLF
			continue
		case c == '&':
			if j := strings.IndexByte(s[i:], ';'); j > 1 && j <= 10 {
				if r, ok := entity(s[i+1 : i+j]); ok {
					b.WriteRune(r)
					i += j + 1
					continue
				}
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func entity(e string) (rune, bool) {
	switch e {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(e) > 1 && e[0] == '#' {
		var v uint64
		var err error
		if e[1] == 'x' || e[1] == 'X' {
			v, err = strconv.ParseUint(e[2:], 16, 32)
		} else {
			v, err = strconv.ParseUint(e[1:], 10, 32)
		}
		if err == nil && utf8.ValidRune(rune(v)) {
			return rune(v), true
		}
	}
	return 0, false
}

// restLookup finds key in a _Rest object (as the encoder writes it: keys
// are identifiers without escapes). It returns the value's text (a string
// unquoted, anything else as written), whether it is JSON null, and
// whether the key was present.
func restLookup(obj, key string) (val string, isNull, found bool) {
	i := 0
	skipWS := func() {
		for i < len(obj) && (obj[i] == ' ' || obj[i] == '\t' || obj[i] == '\n' || obj[i] == '\r') {
			i++
		}
	}
	skipWS()
	if i >= len(obj) || obj[i] != '{' {
		return "", false, false
	}
	i++
	for {
		skipWS()
		if i >= len(obj) || obj[i] != '"' {
			return "", false, false
		}
		end := strings.IndexByte(obj[i+1:], '"')
		if end < 0 {
			return "", false, false
		}
		k := obj[i+1 : i+1+end]
		i += end + 2
		skipWS()
		if i >= len(obj) || obj[i] != ':' {
			return "", false, false
		}
		i++
		skipWS()
		start := i
		if i < len(obj) && obj[i] == '"' {
			i++
			for i < len(obj) && obj[i] != '"' {
				if obj[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(obj) {
				return "", false, false
			}
			i++
		} else {
			for i < len(obj) && obj[i] != ',' && obj[i] != '}' {
				i++
			}
		}
		if k == key {
			tok := strings.TrimSpace(obj[start:i])
			switch {
			case tok == "":
				return "", false, false
			case tok == "null":
				return "", true, true
			case strings.HasPrefix(tok, `"`):
				s, ok := jsonUnquote(tok)
				return s, false, ok
			}
			return tok, false, true
		}
		skipWS()
		if i >= len(obj) || obj[i] != ',' {
			return "", false, false
		}
		i++
	}
}

// jsonUnquote decodes a JSON string literal.
func jsonUnquote(q string) (string, bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	s := q[1 : len(q)-1]
	if !strings.ContainsRune(s, '\\') {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch s[i] {
		case '"', '\\', '/':
			b.WriteByte(s[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if i+5 > len(s) {
				return "", false
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				return "", false
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 && i+7 <= len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, err := strconv.ParseUint(s[i+3:i+7], 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = (r-0xD800)<<10 | (lo - 0xDC00) + 0x10000
					i += 6
				}
			}
			b.WriteRune(rune(r))
		default:
			return "", false
		}
	}
	return b.String(), true
}
