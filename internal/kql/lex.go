package kql

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lexer turns query text into tokens. It never fails: bad input becomes a
// tIllegal token or an error in the sink, and lexing continues.
type lexer struct {
	src  string
	off  int
	errs *errSink
}

// typedLitWords are the words whose parenthesised argument is raw text
// (datetime(2026-01-01 10:00), guid(...)), not an expression.
var typedLitWords = map[string]bool{"datetime": true, "date": true, "time": true, "timespan": true, "guid": true}

func (lx *lexer) all() []token {
	var toks []token
	for {
		t := lx.next()
		if t.Kind == tEOF && len(toks) > 0 {
			// "found end of query" points just after the last token, not
			// after trailing comments.
			t.Pos, t.End = toks[len(toks)-1].End, toks[len(toks)-1].End
		}
		toks = append(toks, t)
		if t.Kind == tEOF {
			return toks
		}
	}
}

func (lx *lexer) skipSpaceAndComments() {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.off++
		case c == '/' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '/':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.off++
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
			if !unicode.IsSpace(r) {
				return
			}
			lx.off += n
		default:
			return
		}
	}
}

func isIdentStart(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf && unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r >= '0' && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r)
}

func (lx *lexer) peekByte(i int) byte {
	if lx.off+i < len(lx.src) {
		return lx.src[lx.off+i]
	}
	return 0
}

func (lx *lexer) next() token {
	lx.skipSpaceAndComments()
	start := lx.off
	if lx.off >= len(lx.src) {
		return token{Kind: tEOF, Pos: Pos(start), End: Pos(start)}
	}
	mk := func(k tokKind, n int) token {
		lx.off += n
		return token{Kind: k, Pos: Pos(start), End: Pos(lx.off), Text: lx.src[start:lx.off], Raw: lx.src[start:lx.off]}
	}
	c := lx.src[lx.off]
	switch c {
	case '|':
		return mk(tPipe, 1)
	case '(':
		return mk(tLParen, 1)
	case ')':
		return mk(tRParen, 1)
	case '[':
		return mk(tLBrack, 1)
	case ']':
		return mk(tRBrack, 1)
	case '{':
		return mk(tLBrace, 1)
	case '}':
		return mk(tRBrace, 1)
	case ',':
		return mk(tComma, 1)
	case ';':
		return mk(tSemi, 1)
	case ':':
		return mk(tColon, 1)
	case '+':
		return mk(tPlus, 1)
	case '-':
		return mk(tMinus, 1)
	case '*':
		return mk(tStar, 1)
	case '/':
		return mk(tSlash, 1)
	case '%':
		return mk(tPercent, 1)
	case '~':
		return mk(tTilde, 1)
	case '.':
		if lx.peekByte(1) == '.' {
			return mk(tDotDot, 2)
		}
		if d := lx.peekByte(1); d >= '0' && d <= '9' {
			return lx.number()
		}
		return mk(tDot, 1)
	case '=':
		switch lx.peekByte(1) {
		case '=':
			return mk(tEq, 2)
		case '~':
			return mk(tEqTilde, 2)
		case '>':
			return mk(tArrow, 2)
		}
		return mk(tAssign, 1)
	case '!':
		switch lx.peekByte(1) {
		case '=':
			return mk(tNe, 2)
		case '~':
			return mk(tNeTilde, 2)
		}
		return mk(tBang, 1)
	case '<':
		switch lx.peekByte(1) {
		case '=':
			return mk(tLe, 2)
		case '>':
			return mk(tNe, 2)
		}
		return mk(tLt, 1)
	case '>':
		if lx.peekByte(1) == '=' {
			return mk(tGe, 2)
		}
		return mk(tGt, 1)
	case '\'', '"':
		return lx.quoted(start, c)
	case '`':
		if strings.HasPrefix(lx.src[lx.off:], "```") {
			return lx.multiline(start)
		}
	case '@':
		if q := lx.peekByte(1); q == '\'' || q == '"' {
			return lx.verbatim(start, q)
		}
	case '$':
		lx.off++
		for lx.off < len(lx.src) {
			r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
			if !isIdentPart(r) {
				break
			}
			lx.off += n
		}
		if lx.off == start+1 {
			lx.errs.add(Pos(start), "unexpected '$'")
			return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Text: "$", Raw: "$"}
		}
		return token{Kind: tIdent, Pos: Pos(start), End: Pos(lx.off), Text: lx.src[start:lx.off], Raw: lx.src[start:lx.off]}
	}
	if c >= '0' && c <= '9' {
		return lx.number()
	}
	r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
	if isIdentStart(r) {
		// Obfuscated strings h'..' / H"..": the same value as a plain string.
		if (c == 'h' || c == 'H') && (lx.peekByte(1) == '\'' || lx.peekByte(1) == '"') {
			lx.off++
			t := lx.quoted(start, lx.src[lx.off])
			return t
		}
		if (c == 'h' || c == 'H') && lx.peekByte(1) == '@' && (lx.peekByte(2) == '\'' || lx.peekByte(2) == '"') {
			lx.off++
			return lx.verbatim(start, lx.src[lx.off+1])
		}
		lx.off += n
		for lx.off < len(lx.src) {
			r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
			if !isIdentPart(r) {
				break
			}
			lx.off += n
		}
		word := lx.src[start:lx.off]
		if typedLitWords[word] && lx.off < len(lx.src) && lx.src[lx.off] == '(' {
			return lx.typedLit(start, word)
		}
		return token{Kind: tIdent, Pos: Pos(start), End: Pos(lx.off), Text: word, Raw: word}
	}
	lx.off += n
	lx.errs.add(Pos(start), "unexpected character %q", r)
	return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Text: string(r), Raw: string(r)}
}

// typedLit scans word(raw text) keeping the raw text; nested parentheses
// are balanced so datetime(2026-01-01) and guid(...) read as one token.
func (lx *lexer) typedLit(start int, word string) token {
	lx.off++ // '('
	inner := lx.off
	depth := 1
	for lx.off < len(lx.src) {
		switch lx.src[lx.off] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				raw := strings.TrimSpace(lx.src[inner:lx.off])
				lx.off++
				return token{Kind: tTypedLit, Pos: Pos(start), End: Pos(lx.off), Text: word, Raw: raw}
			}
		case '\n':
			lx.errs.add(Pos(start), "expected ')' to close %s(", word)
			return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Text: word, Raw: lx.src[start:lx.off]}
		}
		lx.off++
	}
	lx.errs.add(Pos(start), "expected ')' to close %s(", word)
	return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Text: word, Raw: lx.src[start:lx.off]}
}

var timespanUnits = map[string]bool{
	"d": true, "day": true, "days": true,
	"h": true, "hr": true, "hrs": true, "hour": true, "hours": true,
	"m": true, "min": true, "minute": true, "minutes": true,
	"s": true, "sec": true, "second": true, "seconds": true,
	"ms": true, "milli": true, "millis": true, "millisecond": true, "milliseconds": true,
	"microsecond": true, "microseconds": true, "tick": true, "ticks": true,
}

func (lx *lexer) number() token {
	start := lx.off
	isReal := false
	digits := func() {
		for lx.off < len(lx.src) && lx.src[lx.off] >= '0' && lx.src[lx.off] <= '9' {
			lx.off++
		}
	}
	if lx.src[lx.off] == '0' && (lx.peekByte(1) == 'x' || lx.peekByte(1) == 'X') {
		lx.off += 2
		for lx.off < len(lx.src) && strings.IndexByte("0123456789abcdefABCDEF", lx.src[lx.off]) >= 0 {
			lx.off++
		}
		return token{Kind: tInt, Pos: Pos(start), End: Pos(lx.off), Text: lx.src[start:lx.off], Raw: lx.src[start:lx.off]}
	}
	digits()
	if lx.off < len(lx.src) && lx.src[lx.off] == '.' && lx.peekByte(1) != '.' {
		isReal = true
		lx.off++
		digits()
	}
	if c := lx.peekByte(0); c == 'e' || c == 'E' {
		d := lx.peekByte(1)
		if d >= '0' && d <= '9' || (d == '+' || d == '-') && lx.peekByte(2) >= '0' && lx.peekByte(2) <= '9' {
			isReal = true
			lx.off += 2
			digits()
		}
	}
	numEnd := lx.off
	// A unit suffix makes a timespan: 1d, 10m, 1.5h, 100ms.
	unitStart := lx.off
	for lx.off < len(lx.src) {
		r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
		if !isIdentPart(r) {
			break
		}
		lx.off += n
	}
	if lx.off > unitStart {
		unit := lx.src[unitStart:lx.off]
		if timespanUnits[strings.ToLower(unit)] {
			return token{Kind: tTimespan, Pos: Pos(start), End: Pos(lx.off), Text: lx.src[start:lx.off], Raw: lx.src[start:lx.off]}
		}
		lx.errs.add(Pos(start), "invalid number %q: unknown suffix %q", lx.src[start:lx.off], unit)
		return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Text: lx.src[start:lx.off], Raw: lx.src[start:lx.off]}
	}
	k := tInt
	if isReal {
		k = tReal
	}
	return token{Kind: k, Pos: Pos(start), End: Pos(numEnd), Text: lx.src[start:numEnd], Raw: lx.src[start:numEnd]}
}

// quoted scans '...' or "..." with backslash escapes; lx.off is at the quote.
func (lx *lexer) quoted(start int, q byte) token {
	lx.off++
	var b strings.Builder
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == q:
			lx.off++
			return token{Kind: tString, Pos: Pos(start), End: Pos(lx.off), Text: b.String(), Raw: lx.src[start:lx.off]}
		case c == '\n':
			lx.errs.add(Pos(start), "string literal not terminated before end of line")
			return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Raw: lx.src[start:lx.off]}
		case c == '\\':
			if lx.off+1 >= len(lx.src) {
				lx.off++
				continue
			}
			e := lx.src[lx.off+1]
			lx.off += 2
			switch e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'u':
				if lx.off+4 <= len(lx.src) {
					if v, err := strconv.ParseUint(lx.src[lx.off:lx.off+4], 16, 32); err == nil {
						b.WriteRune(rune(v))
						lx.off += 4
						continue
					}
				}
				lx.errs.add(Pos(lx.off-2), "invalid \\u escape in string")
			case 'x':
				if lx.off+2 <= len(lx.src) {
					if v, err := strconv.ParseUint(lx.src[lx.off:lx.off+2], 16, 8); err == nil {
						b.WriteByte(byte(v))
						lx.off += 2
						continue
					}
				}
				lx.errs.add(Pos(lx.off-2), "invalid \\x escape in string")
			default:
				lx.errs.add(Pos(lx.off-2), "unknown escape sequence \\%c in string", e)
			}
		default:
			b.WriteByte(c)
			lx.off++
		}
	}
	lx.errs.add(Pos(start), "string literal not terminated")
	return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Raw: lx.src[start:lx.off]}
}

// verbatim scans @'...' (no escapes; a doubled quote is one quote).
func (lx *lexer) verbatim(start int, q byte) token {
	lx.off += 2 // '@' and quote
	var b strings.Builder
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		if c == q {
			if lx.peekByte(1) == q {
				b.WriteByte(q)
				lx.off += 2
				continue
			}
			lx.off++
			return token{Kind: tString, Pos: Pos(start), End: Pos(lx.off), Text: b.String(), Raw: lx.src[start:lx.off]}
		}
		if c == '\n' {
			break
		}
		b.WriteByte(c)
		lx.off++
	}
	lx.errs.add(Pos(start), "verbatim string literal not terminated")
	return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Raw: lx.src[start:lx.off]}
}

// multiline scans ```...``` (raw, may span lines).
func (lx *lexer) multiline(start int) token {
	lx.off += 3
	end := strings.Index(lx.src[lx.off:], "```")
	if end < 0 {
		lx.errs.add(Pos(start), "multi-line string literal not terminated")
		lx.off = len(lx.src)
		return token{Kind: tIllegal, Pos: Pos(start), End: Pos(lx.off), Raw: lx.src[start:]}
	}
	text := lx.src[lx.off : lx.off+end]
	lx.off += end + 3
	return token{Kind: tString, Pos: Pos(start), End: Pos(lx.off), Text: text, Raw: lx.src[start:lx.off]}
}
