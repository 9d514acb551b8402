package sigma

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// fastYAML reads data as the YAML subset Sigma rule files are written in
// and returns the root node of each document, built as yaml.v3 builds it
// (kind, tag, style, value, line and column; comments are not kept, Parse
// does not read them). ok is false as soon as the text leaves the subset:
// anchors, aliases, tags, flow mappings, complex keys, multi-line plain or
// quoted scalars, tabs, carriage returns, scalars whose type is not
// obvious, and anything yaml.v3 would reject. Parse then reads the file
// with yaml.v3, so the result never depends on which reader ran
// (TestFastYAMLAgrees, FuzzFastYAML).
//
// The subset: block mappings with plain or quoted keys, block sequences
// (indented or not), plain, single- and double-quoted scalars on one line,
// literal and folded block scalars (with - or + chomping), one-line flow
// sequences of scalars, comments, and documents separated by "---".
func fastYAML(data []byte) (docs []*yaml.Node, ok bool) {
	p := fy{src: data}
	if !p.split() {
		return nil, false
	}
	for seg := range p.segs {
		p.i, p.end = p.segs[seg][0], p.segs[seg][1]
		p.skipBlank()
		if p.i == p.end {
			if seg > 0 {
				return nil, false // an empty document: yaml.v3 gives it a null root
			}
			continue
		}
		n := p.node(-1, 0)
		if n == nil || !p.fine {
			return nil, false
		}
		p.skipBlank()
		if p.i != p.end {
			return nil, false
		}
		docs = append(docs, n)
	}
	return docs, true
}

// fyLine is one line of the source: text is the line without its
// newline, ind the column its content starts at (spaces only), off the
// byte offset of that content in text.
type fyLine struct {
	text    string
	ind     int
	off     int
	ascii   bool
	lineNum int
}

// fy is the state of one fastYAML read: the current line i of the
// document that ends before line end.
type fy struct {
	src    []byte
	lines  []fyLine
	segs   [][2]int // documents: [first line, end line)
	i, end int
	fine   bool // false once the text left the subset
	// noFinalBreak: the last line has no newline, which a block scalar
	// ending there would lose.
	noFinalBreak bool
}

// maxFastDepth bounds the nesting the fast reader follows; deeper rules
// (none in SigmaHQ) are left to yaml.v3.
const maxFastDepth = 64

// split cuts the source into lines and documents, refusing bytes yaml.v3
// treats specially (tabs, carriage returns, control and non-printable
// characters, the byte order mark, Unicode line separators), directives
// and document end markers.
func (p *fy) split() bool {
	p.fine = true
	s := string(p.src)
	p.lines = make([]fyLine, 0, strings.Count(s, "\n")+1)
	segStart := 0
	for start, lineNum := 0, 1; ; lineNum++ {
		nl := strings.IndexByte(s[start:], '\n')
		text := s[start:]
		if nl >= 0 {
			text = s[start : start+nl]
		}
		l := fyLine{text: text, lineNum: lineNum, ascii: true}
		for j := 0; j < len(text); j++ {
			if c := text[j]; c < 0x20 || c == 0x7f {
				return false
			} else if c >= 0x80 {
				l.ascii = false
			}
		}
		if !l.ascii && !printable(text) {
			return false
		}
		for l.off < len(text) && text[l.off] == ' ' {
			l.off++
		}
		l.ind = l.off
		switch {
		case text == "---":
			p.segs = append(p.segs, [2]int{segStart, len(p.lines)})
			segStart = len(p.lines) + 1
		case strings.HasPrefix(text, "--- "), strings.HasPrefix(text, "..."), strings.HasPrefix(text, "%"):
			return false
		}
		if nl < 0 {
			if text != "" {
				p.lines = append(p.lines, l)
				p.noFinalBreak = true
			}
			break
		}
		p.lines = append(p.lines, l)
		start += nl + 1
	}
	p.segs = append(p.segs, [2]int{segStart, len(p.lines)})
	return true
}

// printable reports whether s is valid UTF-8 holding only characters
// yaml.v3 reads as ordinary printable text.
func printable(s string) bool {
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return false
		case r < 0x80:
		case r >= 0xA0 && r <= 0xD7FF && r != 0x2028 && r != 0x2029:
		case r >= 0xE000 && r <= 0xFFFD && r != 0xFEFF:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

func (p *fy) fail() *yaml.Node {
	p.fine = false
	return nil
}

// skipBlank moves past empty lines and comment lines.
func (p *fy) skipBlank() {
	for p.i < p.end {
		l := &p.lines[p.i]
		if l.off < len(l.text) && l.text[l.off] != '#' {
			return
		}
		p.i++
	}
}

func (p *fy) col(l *fyLine, off int) int {
	if l.ascii {
		return off + 1
	}
	return utf8.RuneCountInString(l.text[:off]) + 1
}

// node reads the block node starting at the current line, which is
// indented more than parent.
func (p *fy) node(parent, depth int) *yaml.Node {
	if depth > maxFastDepth {
		return p.fail()
	}
	l := &p.lines[p.i]
	if l.ind <= parent {
		return p.fail()
	}
	if isDash(l.text, l.off) {
		return p.sequence(l.ind, depth)
	}
	return p.mapping(l.ind, depth)
}

func isDash(s string, off int) bool {
	return s[off] == '-' && (off+1 == len(s) || s[off+1] == ' ')
}

// next skips blank and comment lines and returns the line after them when
// it belongs to the document and is indented at least ind: the next entry
// of a block collection at column ind, or nil when the collection ends.
// Every failure returns nil up the call chain, so callers need not check
// p.fine.
func (p *fy) next(ind int) *fyLine {
	p.skipBlank()
	if p.i == p.end || p.lines[p.i].ind < ind {
		return nil
	}
	return &p.lines[p.i]
}

// mapping reads a block mapping whose keys sit at column ind.
func (p *fy) mapping(ind, depth int) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for {
		l := p.next(ind)
		if l == nil {
			break
		}
		if l.ind > ind || isDash(l.text, l.off) {
			return p.fail()
		}
		k, rest := p.key(l)
		if k == nil {
			return p.fail()
		}
		if len(m.Content) == 0 {
			m.Line, m.Column = k.Line, k.Column
		}
		v := p.value(l, rest, ind, depth)
		if v == nil {
			return p.fail()
		}
		m.Content = append(m.Content, k, v)
	}
	return m
}

// sequence reads a block sequence whose dashes sit at column ind.
func (p *fy) sequence(ind, depth int) *yaml.Node {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for {
		l := p.next(ind)
		if l == nil || l.ind == ind && !isDash(l.text, l.off) {
			break
		}
		if l.ind > ind {
			return p.fail()
		}
		if len(s.Content) == 0 {
			s.Line, s.Column = l.lineNum, p.col(l, l.off)
		}
		rest := l.off + 1
		for rest < len(l.text) && l.text[rest] == ' ' {
			rest++
		}
		var item *yaml.Node
		if rest < len(l.text) && l.text[rest] != '#' && !isDash(l.text, rest) && p.isKey(l, rest) {
			// "- key: value": a mapping whose keys sit after the dash.
			l.ind, l.off = rest, rest
			item = p.mapping(rest, depth+1)
		} else {
			item = p.value(l, rest, ind, depth)
		}
		if item == nil {
			return p.fail()
		}
		s.Content = append(s.Content, item)
	}
	return s
}

// isKey reports whether the text at off starts a mapping entry.
func (p *fy) isKey(l *fyLine, off int) bool {
	save := *l
	l.off = off
	k, _ := p.key(l)
	*l = save
	return k != nil
}

// key reads "key:" at the start of line l's content and returns the key
// and the offset just after the colon, or nil when the line is not a
// mapping entry of the subset.
func (p *fy) key(l *fyLine) (*yaml.Node, int) {
	t, off := l.text, l.off
	var k *yaml.Node
	end := 0
	switch t[off] {
	case '\'', '"':
		k, end = quoted(t, off)
		if k == nil || end >= len(t) || t[end] != ':' {
			return nil, 0
		}
	default:
		if !plainStart(t, off) {
			return nil, 0
		}
		c := off
		for ; c < len(t); c++ {
			if t[c] == ':' && (c+1 == len(t) || t[c+1] == ' ') {
				break
			}
			if t[c] == '#' && t[c-1] == ' ' {
				return nil, 0
			}
		}
		if c == len(t) {
			return nil, 0
		}
		val := strings.TrimRight(t[off:c], " ")
		tag, ok := plainTag(val)
		if !ok {
			return nil, 0
		}
		k = &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: val}
		end = c
	}
	if end-off > 1000 {
		return nil, 0 // yaml.v3 refuses implicit keys over 1024 characters
	}
	if end+1 < len(t) && t[end+1] != ' ' {
		return nil, 0
	}
	k.Line, k.Column = l.lineNum, p.col(l, off)
	return k, end + 1
}

// value reads the value of a mapping entry or sequence item that starts
// at byte off of line l; ind is the column of the entry's key or dash.
func (p *fy) value(l *fyLine, off, ind, depth int) *yaml.Node {
	t := l.text
	for off < len(t) && t[off] == ' ' {
		off++
	}
	if off == len(t) || t[off] == '#' {
		if off < len(t) && t[off-1] != ' ' {
			return p.fail()
		}
		p.i++
		p.skipBlank()
		if p.i < p.end {
			n := &p.lines[p.i]
			if n.ind > ind {
				return p.node(ind, depth+1)
			}
			if n.ind == ind && isDash(n.text, n.off) && !isDash(t, l.ind) {
				return p.sequence(ind, depth+1)
			}
		}
		return p.fail() // a null value: its position in yaml.v3 is not worth copying
	}
	line, col := l.lineNum, p.col(l, off)
	var v *yaml.Node
	end := 0
	switch t[off] {
	case '|', '>':
		return p.blockScalar(l, off, ind)
	case '\'', '"':
		v, end = quoted(t, off)
	case '[':
		v, end = flowSeq(t, off)
	default:
		if !plainStart(t, off) {
			return p.fail()
		}
		end = off
		for ; end < len(t); end++ {
			if t[end] == ':' && (end+1 == len(t) || t[end+1] == ' ') {
				return p.fail()
			}
			if t[end] == '#' && t[end-1] == ' ' {
				break
			}
		}
		val := strings.TrimRight(t[off:end], " ")
		tag, ok := plainTag(val)
		if !ok {
			return p.fail()
		}
		v = &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: val}
	}
	if v == nil || !trailer(t, end) {
		return p.fail()
	}
	v.Line, v.Column = line, col
	for _, c := range v.Content {
		c.Line = line
		c.Column = p.col(l, c.Column)
	}
	p.i++
	p.skipBlank()
	if p.i < p.end && p.lines[p.i].ind > ind {
		return p.fail() // a continuation line, or an error yaml.v3 words
	}
	return v
}

// trailer reports whether only spaces and a comment follow byte end.
func trailer(t string, end int) bool {
	for c := end; c < len(t); c++ {
		switch t[c] {
		case ' ':
		case '#':
			return c > end || c == 0 || t[c-1] == ' '
		default:
			return false
		}
	}
	return true
}

// plainStart reports whether a plain scalar may start at t[off].
func plainStart(t string, off int) bool {
	switch t[off] {
	case '-':
		return off+1 < len(t) && t[off+1] != ' '
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return true
}

// quoted reads a single- or double-quoted scalar that ends on its line and
// returns it with the offset after the closing quote; the caller sets its
// position.
func quoted(t string, off int) (*yaml.Node, int) {
	q := t[off]
	var b strings.Builder
	simple := true
	c := off + 1
	for ; c < len(t); c++ {
		ch := t[c]
		if q == '\'' {
			if ch != '\'' {
				if !simple {
					b.WriteByte(ch)
				}
				continue
			}
			if c+1 < len(t) && t[c+1] == '\'' {
				if simple {
					b.WriteString(t[off+1 : c])
					simple = false
				}
				b.WriteByte('\'')
				c++
				continue
			}
			break
		}
		if ch == '"' {
			break
		}
		if ch != '\\' {
			if !simple {
				b.WriteByte(ch)
			}
			continue
		}
		if simple {
			b.WriteString(t[off+1 : c])
			simple = false
		}
		if c+1 == len(t) {
			return nil, 0
		}
		c++
		r, ok := escapes[t[c]]
		if !ok {
			return nil, 0
		}
		b.WriteString(r)
	}
	if c >= len(t) {
		return nil, 0
	}
	style := yaml.DoubleQuotedStyle
	if q == '\'' {
		style = yaml.SingleQuotedStyle
	}
	val := t[off+1 : c]
	if !simple {
		val = b.String()
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: style, Value: val}, c + 1
}

var escapes = map[byte]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", 'n': "\n", 'v': "\v", 'f': "\f",
	'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '\\': "\\",
}

// flowSeq reads a one-line flow sequence of scalars. The items' Column
// holds their byte offset; value turns it into a column.
func flowSeq(t string, off int) (*yaml.Node, int) {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
	c := off + 1
	for {
		for c < len(t) && t[c] == ' ' {
			c++
		}
		if c == len(t) {
			return nil, 0
		}
		if t[c] == ']' && len(s.Content) == 0 {
			return s, c + 1
		}
		var it *yaml.Node
		start := c
		switch t[c] {
		case '\'', '"':
			it, c = quoted(t, c)
			if it == nil {
				return nil, 0
			}
		default:
			if !plainStart(t, c) {
				return nil, 0
			}
			for ; c < len(t); c++ {
				ch := t[c]
				if ch == ',' || ch == ']' || ch == '[' || ch == '{' || ch == '}' || ch == ':' || ch == '?' || (ch == '#' && t[c-1] == ' ') {
					break
				}
			}
			val := strings.TrimRight(t[start:c], " ")
			tag, ok := plainTag(val)
			if !ok || val == "" {
				return nil, 0
			}
			it = &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: val}
		}
		it.Line, it.Column = 0, start
		s.Content = append(s.Content, it)
		for c < len(t) && t[c] == ' ' {
			c++
		}
		if c == len(t) {
			return nil, 0
		}
		switch t[c] {
		case ']':
			return s, c + 1
		case ',':
			c++
		default:
			return nil, 0
		}
		for c < len(t) && t[c] == ' ' {
			c++
		}
		if c < len(t) && t[c] == ']' {
			return nil, 0 // a trailing comma
		}
	}
}

// blockScalar reads a literal (|) or folded (>) scalar whose indicator is
// at byte off of line l, in an entry at column ind.
func (p *fy) blockScalar(l *fyLine, off, ind int) *yaml.Node {
	t := l.text
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.LiteralStyle, Line: l.lineNum, Column: p.col(l, off)}
	folded := t[off] == '>'
	if folded {
		n.Style = yaml.FoldedStyle
	}
	chomp := byte(0)
	h := off + 1
	if h < len(t) && (t[h] == '-' || t[h] == '+') {
		chomp = t[h]
		h++
	}
	if h < len(t) && t[h] != ' ' {
		return p.fail()
	}
	if !trailer(t, h) {
		return p.fail()
	}
	p.i++
	first := p.i
	bi := -1
	maxBlank := 0
	for ; p.i < p.end; p.i++ {
		c := &p.lines[p.i]
		if c.off == len(c.text) {
			if bi < 0 {
				maxBlank = max(maxBlank, len(c.text))
			}
			continue
		}
		if bi < 0 {
			bi = c.ind
			if bi <= ind || maxBlank > bi {
				return p.fail()
			}
		}
		if c.ind < bi {
			break
		}
	}

	if bi < 0 {
		return p.fail()
	}
	for k := first; k < p.i; k++ {
		if c := &p.lines[k]; c.off == len(c.text) && len(c.text) > bi {
			return p.fail() // spaces past the indentation on a blank line
		}
	}
	if folded && p.lines[first].off == len(p.lines[first].text) {
		return p.fail()
	}
	last := p.i // lines [first, last) are the scalar's; trailing blanks among them
	var b strings.Builder
	content := last
	for content > first && p.lines[content-1].off == len(p.lines[content-1].text) {
		content--
	}
	for k := first; k < content; k++ {
		c := &p.lines[k]
		blank := c.off == len(c.text)
		var s string
		if len(c.text) > bi {
			s = c.text[bi:]
		}
		if folded && (c.ind > bi && !blank || len(s) > 0 && blank) {
			return p.fail() // more-indented lines keep their breaks: left to yaml.v3
		}
		if k > first {
			prevBlank := p.lines[k-1].off == len(p.lines[k-1].text)
			switch {
			case !folded:
				b.WriteByte('\n')
			case blank:
				b.WriteByte('\n')
			case !prevBlank:
				b.WriteByte(' ')
			}
		}
		b.WriteString(s)
	}
	switch chomp {
	case '-':
	case '+':
		b.WriteByte('\n')
		for k := content; k < last; k++ {
			b.WriteByte('\n')
		}
	default:
		b.WriteByte('\n')
	}
	if p.noFinalBreak && last == len(p.lines) {
		return p.fail()
	}
	if chomp == '+' && last < p.end {
		return p.fail() // trailing blank lines kept before more text: rare, left to yaml.v3
	}
	n.Value = b.String()
	p.skipBlank()
	return n
}

// plainTag resolves a plain scalar's tag as yaml.v3 does, or reports false
// when the answer would take more than the common cases.
func plainTag(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool", true
	case "~", "null", "Null", "NULL":
		return "!!null", true
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float", true
	case "<<":
		return "", false
	}
	c := s[0]
	switch {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float", true
		}
		return "!!str", true
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		body := s
		if c == '+' || c == '-' {
			body = s[1:]
		}
		if digits(body) {
			if len(body) > 18 || body[0] == '0' && len(body) > 1 {
				return "", false
			}
			return "!!int", true
		}
		if len(s) == 10 && digits(s[:4]) && s[4] == '-' && digits(s[5:7]) && s[7] == '-' && digits(s[8:]) {
			if _, err := time.Parse("2006-1-2", s); err == nil {
				return "!!timestamp", true
			}
			return "", false
		}
		// yaml.v3 reads numbers with the underscores taken out, and
		// binary and octal digits after 0b and 0o with a sign.
		plain := strings.ReplaceAll(s, "_", "")
		if !(len(s) >= 5 && digits(s[:4]) && s[4] == '-') {
			// Not a timestamp: a sign inside, or a colon, space or
			// letter only times hold, makes it no number either.
			for i := 1; i < len(plain); i++ {
				switch plain[i] {
				case '-', '+':
					exponent := plain[i-1] == 'e' || plain[i-1] == 'E'
					radix := i == 2 && (plain[:2] == "0b" || plain[:2] == "0o")
					if !exponent && !radix {
						return "!!str", true
					}
				case ':', ' ', 't', 'T', 'z', 'Z':
					return "!!str", true
				}
			}
		}
		if strings.Count(s, ".") > 1 {
			return "!!str", true // 127.0.0.1
		}
		if strings.IndexFunc(s, notNumeric) < 0 {
			return "", false
		}
	}
	return "!!str", true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// notNumeric reports whether r appears in no number or timestamp yaml.v3
// resolves: a plain scalar holding one is a string.
func notNumeric(r rune) bool {
	return !strings.ContainsRune("0123456789abcdefABCDEFxXoObB_.+-:tTzZ ", r)
}
