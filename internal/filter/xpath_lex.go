package filter

import "strings"

// tokKind is a lexical token of the XPath 1.0 expression grammar.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tName           // NCName; operator names (and, or, div, mod) are names the parser interprets by position
	tString         // 'literal' or "literal"; val is the unquoted text
	tNumber         // digits with an optional fraction
	tStar           // *
	tAt             // @
	tSlash          // /
	tSlash2         // //
	tLBrack         // [
	tRBrack         // ]
	tLParen         // (
	tRParen         // )
	tComma          // ,
	tEq             // =
	tNe             // !=
	tLt             // <
	tLe             // <=
	tGt             // >
	tGe             // >=
	tColon2         // ::
	tDot            // .
	tDot2           // ..
	tPipe           // |
	tPlus           // +
	tMinus          // -
	tDollar         // $
	tColon          // : (a namespace prefix)
)

func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "end of query"
	case tName:
		return "name"
	case tString:
		return "string"
	case tNumber:
		return "number"
	}
	return `"` + k.text() + `"`
}

// text is the spelling of a punctuation token.
func (k tokKind) text() string {
	switch k {
	case tStar:
		return "*"
	case tAt:
		return "@"
	case tSlash:
		return "/"
	case tSlash2:
		return "//"
	case tLBrack:
		return "["
	case tRBrack:
		return "]"
	case tLParen:
		return "("
	case tRParen:
		return ")"
	case tComma:
		return ","
	case tEq:
		return "="
	case tNe:
		return "!="
	case tLt:
		return "<"
	case tLe:
		return "<="
	case tGt:
		return ">"
	case tGe:
		return ">="
	case tColon2:
		return "::"
	case tDot:
		return "."
	case tDot2:
		return ".."
	case tPipe:
		return "|"
	case tPlus:
		return "+"
	case tMinus:
		return "-"
	case tDollar:
		return "$"
	case tColon:
		return ":"
	}
	return "?"
}

type token struct {
	kind tokKind
	val  string // name, unquoted string, or number text
	off  int    // byte offset in the full query text
}

// lex splits src[start:] into tokens. Offsets are into src, so errors point
// into the query as the user wrote it, channel prefix included.
func lex(src string, start int) ([]token, *Error) {
	var toks []token
	i := start
	for {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i >= len(src) {
			return append(toks, token{kind: tEOF, off: i}), nil
		}
		if len(toks) > 4*maxExprNodes {
			return nil, errorAt(src, i, "query has more than %d tokens", 4*maxExprNodes)
		}
		c := src[i]
		two := ""
		if i+1 < len(src) {
			two = src[i : i+2]
		}
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(src[i+1:], c)
			if end < 0 {
				return nil, errorAt(src, i, "unterminated string literal")
			}
			toks = append(toks, token{kind: tString, val: src[i+1 : i+1+end], off: i})
			i += end + 2
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j < len(src) && src[j] == '.' {
				j++
				for j < len(src) && isDigit(src[j]) {
					j++
				}
			}
			if j < len(src) && isNameChar(src[j]) {
				return nil, errorAt(src, i, "malformed number %q", src[i:j+1])
			}
			toks = append(toks, token{kind: tNumber, val: src[i:j], off: i})
			i = j
		case isNameStart(c):
			j := i + 1
			for j < len(src) && isNameChar(src[j]) {
				j++
			}
			toks = append(toks, token{kind: tName, val: src[i:j], off: i})
			i = j
		case two == "!=" || two == "<=" || two == ">=" || two == "//" || two == "::" || two == "..":
			k := map2(two)
			toks = append(toks, token{kind: k, off: i})
			i += 2
		default:
			k, ok := map1(c)
			if c == '&' {
				for _, ent := range [...][2]string{{"&gt;", ">"}, {"&lt;", "<"}, {"&amp;", "&"}, {"&quot;", `"`}, {"&apos;", "'"}} {
					if strings.HasPrefix(src[i:], ent[0]) {
						return nil, errorAt(src, i, "XML entity %s in a plain query (copied from a QueryList?): write %s", ent[0], ent[1])
					}
				}
			}
			if !ok {
				if c >= 0x80 {
					return nil, errorAt(src, i, "unexpected character (names here are ASCII element and attribute names)")
				}
				return nil, errorAt(src, i, "unexpected character %q", c)
			}
			toks = append(toks, token{kind: k, off: i})
			i++
		}
	}
}

func map2(s string) tokKind {
	switch s {
	case "!=":
		return tNe
	case "<=":
		return tLe
	case ">=":
		return tGe
	case "//":
		return tSlash2
	case "::":
		return tColon2
	}
	return tDot2
}

func map1(c byte) (tokKind, bool) {
	switch c {
	case '*':
		return tStar, true
	case '@':
		return tAt, true
	case '/':
		return tSlash, true
	case '[':
		return tLBrack, true
	case ']':
		return tRBrack, true
	case '(':
		return tLParen, true
	case ')':
		return tRParen, true
	case ',':
		return tComma, true
	case '=':
		return tEq, true
	case '<':
		return tLt, true
	case '>':
		return tGt, true
	case '.':
		return tDot, true
	case '|':
		return tPipe, true
	case '+':
		return tPlus, true
	case '-':
		return tMinus, true
	case '$':
		return tDollar, true
	case ':':
		return tColon, true
	}
	return 0, false
}

// isSpace is XPath's ExprWhitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isNameChar(c byte) bool { return isNameStart(c) || isDigit(c) || c == '-' || c == '.' }
