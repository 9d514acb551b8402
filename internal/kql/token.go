package kql

// tokKind is the lexical class of a token. KQL keywords are contextual (an
// operator name like "project" may also be a column name), so the lexer only
// produces identifiers; the parser decides what a word means where it stands.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIllegal
	tIdent    // name, $left, $right
	tString   // '..', "..", @'..', ```..```, h'..'; text is the decoded value
	tInt      // 42, 0x2A
	tReal     // 1.5, 1e3
	tTimespan // 1d, 10m, 1.5h
	tTypedLit // datetime(...), timespan(...), guid(...): raw text between the parentheses
	tPipe     // |
	tLParen
	tRParen
	tLBrack
	tRBrack
	tLBrace
	tRBrace
	tComma
	tSemi
	tDot
	tDotDot
	tColon
	tAssign  // =
	tEq      // ==
	tNe      // != or <>
	tEqTilde // =~
	tNeTilde // !~
	tLt
	tLe
	tGt
	tGe
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tBang  // !
	tTilde // ~
	tArrow // =>
)

var tokNames = [...]string{
	tEOF: "end of query", tIllegal: "illegal character", tIdent: "name", tString: "string",
	tInt: "number", tReal: "number", tTimespan: "timespan", tTypedLit: "literal",
	tPipe: "'|'", tLParen: "'('", tRParen: "')'", tLBrack: "'['", tRBrack: "']'",
	tLBrace: "'{'", tRBrace: "'}'", tComma: "','", tSemi: "';'", tDot: "'.'", tDotDot: "'..'",
	tColon: "':'", tAssign: "'='", tEq: "'=='", tNe: "'!='", tEqTilde: "'=~'", tNeTilde: "'!~'",
	tLt: "'<'", tLe: "'<='", tGt: "'>'", tGe: "'>='", tPlus: "'+'", tMinus: "'-'", tStar: "'*'",
	tSlash: "'/'", tPercent: "'%'", tBang: "'!'", tTilde: "'~'", tArrow: "'=>'",
}

func (k tokKind) String() string {
	if int(k) < len(tokNames) {
		return tokNames[k]
	}
	return "token"
}

// token is one lexeme. For strings Text is the decoded value and Raw the
// source spelling; for typed literals Text is the type word ("datetime") and
// Raw the text between the parentheses.
type token struct {
	Kind tokKind
	Pos  Pos // offset of the first byte
	End  Pos // offset just past the last byte
	Text string
	Raw  string
}

// describe renders the token for "found ..." in error messages.
func (t token) describe() string {
	switch t.Kind {
	case tIdent:
		return "'" + t.Text + "'"
	case tString:
		return "string " + quoteKQL(t.Text)
	case tInt, tReal, tTimespan:
		return "'" + t.Raw + "'"
	case tTypedLit:
		return t.Text + "(...)"
	}
	return t.Kind.String()
}
