package eventxml

import (
	"bytes"
	"fmt"
	"io"
)

// tokKind is the kind of token parser.next returns.
type tokKind uint8

const (
	tokEOF   tokKind = iota // end of the event's bytes
	tokText                 // character data, references not yet resolved (p.text)
	tokCDATA                // CDATA section content, verbatim (p.text)
	tokStart                // start tag (p.name, p.attrs, p.selfClose)
	tokEnd                  // end tag (p.name), already matched to its start
)

// attr is one attribute of the current start tag, as written.
type attr struct {
	name []byte
	raw  []byte // value between the quotes, references unresolved
	off  int    // index of raw in p.b
}

// next returns the next token of the event's bytes, skipping comments and
// processing instructions. It keeps the stack of open elements, so every
// tokEnd it returns closes the innermost open element, and it enforces
// MaxDepth, MaxAttrs, MaxNameBytes and the attribute part of MaxValueBytes.
func (p *parser) next() (tokKind, error) {
	for {
		if p.i >= len(p.b) {
			return tokEOF, nil
		}
		p.tokOff = p.i
		rest := p.b[p.i:]
		if rest[0] != '<' {
			j := bytes.IndexByte(rest, '<')
			if j < 0 {
				j = len(rest)
			}
			p.text = rest[:j]
			p.i += j
			return tokText, nil
		}
		if len(rest) < 2 {
			return tokEOF, p.truncated("tag")
		}
		switch rest[1] {
		case '/':
			return p.endTag(rest)
		case '?':
			j := bytes.Index(rest[2:], []byte("?>"))
			if j < 0 {
				return tokEOF, p.truncated("processing instruction")
			}
			p.i += 2 + j + 2
		case '!':
			if bytes.HasPrefix(rest, []byte("<!--")) {
				j := bytes.Index(rest[4:], []byte("-->"))
				if j < 0 {
					return tokEOF, p.truncated("comment")
				}
				p.i += 4 + j + 3
				continue
			}
			if bytes.HasPrefix(rest, []byte("<![CDATA[")) {
				j := bytes.Index(rest[9:], []byte("]]>"))
				if j < 0 {
					return tokEOF, p.truncated("CDATA section")
				}
				p.text = rest[9 : 9+j]
				p.i += 9 + j + 3
				return tokCDATA, nil
			}
			return tokEOF, fmt.Errorf("%w at offset %d", declError(rest), p.off(p.i))
		default:
			if err := p.startTag(); err != nil {
				return tokEOF, err
			}
			if !p.selfClose {
				if len(p.stack) >= p.opts.MaxDepth {
					return tokEOF, &LimitError{Limit: "MaxDepth", Max: p.opts.MaxDepth,
						What: fmt.Sprintf("element <%s>", clip(p.name, 64)), Offset: p.off(p.tokOff)}
				}
				p.stack = append(p.stack, p.name)
			}
			return tokStart, nil
		}
	}
}

// endTag reads "</name>" at rest and matches it with the innermost open
// element.
func (p *parser) endTag(rest []byte) (tokKind, error) {
	j := bytes.IndexByte(rest, '>')
	if j < 0 {
		return tokEOF, p.truncated("end tag")
	}
	name := rest[2:j]
	for len(name) > 0 && isSpace(name[len(name)-1]) {
		name = name[:len(name)-1]
	}
	if !validName(name) {
		return tokEOF, syntaxErrorf(p.off(p.i), "bad end tag %q", clip(rest[:j+1], 64))
	}
	if len(p.stack) == 0 {
		return tokEOF, syntaxErrorf(p.off(p.i), "end tag </%s> without start tag", clip(name, 64))
	}
	top := p.stack[len(p.stack)-1]
	if !bytes.Equal(top, name) {
		return tokEOF, syntaxErrorf(p.off(p.i), "end tag </%s> does not match <%s>", clip(name, 64), clip(top, 64))
	}
	p.stack = p.stack[:len(p.stack)-1]
	p.name = name
	p.i += j + 1
	return tokEnd, nil
}

// startTag reads the start tag at p.i into p.name, p.attrs and p.selfClose.
func (p *parser) startTag() error {
	b := p.b
	start := p.i
	i := start + 1
	j := i
	for j < len(b) && !isSpace(b[j]) && b[j] != '>' && b[j] != '/' {
		j++
	}
	if err := p.checkName(b[i:j], i); err != nil {
		return err
	}
	p.name = b[i:j]
	p.attrs = p.attrs[:0]
	i = j
	for {
		sp := i
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return p.truncated("start tag")
		}
		switch b[i] {
		case '>':
			p.selfClose = false
			p.i = i + 1
			return nil
		case '/':
			if i+1 < len(b) && b[i+1] == '>' {
				p.selfClose = true
				p.i = i + 2
				return nil
			}
			return syntaxErrorf(p.off(i), "stray '/' in start tag <%s>", clip(p.name, 64))
		}
		if i == sp {
			return syntaxErrorf(p.off(i), "missing space before attribute in <%s>", clip(p.name, 64))
		}
		k := i
		for k < len(b) && !isSpace(b[k]) && b[k] != '=' && b[k] != '>' && b[k] != '/' {
			k++
		}
		name := b[i:k]
		if err := p.checkName(name, i); err != nil {
			return err
		}
		for k < len(b) && isSpace(b[k]) {
			k++
		}
		if k >= len(b) || b[k] != '=' {
			return syntaxErrorf(p.off(i), "attribute %s in <%s> has no value", clip(name, 64), clip(p.name, 64))
		}
		k++
		for k < len(b) && isSpace(b[k]) {
			k++
		}
		if k >= len(b) || (b[k] != '"' && b[k] != '\'') {
			return syntaxErrorf(p.off(k), "attribute %s in <%s> has an unquoted value", clip(name, 64), clip(p.name, 64))
		}
		q := b[k]
		e := bytes.IndexByte(b[k+1:], q)
		if e < 0 {
			return p.truncated("attribute value")
		}
		raw := b[k+1 : k+1+e]
		if len(raw) > p.opts.MaxValueBytes {
			return &LimitError{Limit: "MaxValueBytes", Max: p.opts.MaxValueBytes,
				What: fmt.Sprintf("value of attribute %s in <%s>", clip(name, 64), clip(p.name, 64)), Offset: p.off(k + 1)}
		}
		if bytes.IndexByte(raw, '<') >= 0 {
			return syntaxErrorf(p.off(k+1), "'<' in value of attribute %s", clip(name, 64))
		}
		if len(p.attrs) >= p.opts.MaxAttrs {
			return &LimitError{Limit: "MaxAttrs", Max: p.opts.MaxAttrs,
				What: fmt.Sprintf("attributes of <%s>", clip(p.name, 64)), Offset: p.off(start)}
		}
		for _, a := range p.attrs {
			if bytes.Equal(a.name, name) {
				return syntaxErrorf(p.off(i), "duplicate attribute %s in <%s>", clip(name, 64), clip(p.name, 64))
			}
		}
		p.attrs = append(p.attrs, attr{name: name, raw: raw, off: k + 1})
		i = k + 1 + e + 1
	}
}

// checkName validates an element or attribute name that starts at index at.
func (p *parser) checkName(name []byte, at int) error {
	if len(name) > p.opts.MaxNameBytes {
		return &LimitError{Limit: "MaxNameBytes", Max: p.opts.MaxNameBytes,
			What: fmt.Sprintf("name %q...", clip(name, 32)), Offset: p.off(at)}
	}
	if !validName(name) {
		return syntaxErrorf(p.off(at), "bad name %q", clip(name, 64))
	}
	return nil
}

// validName accepts what rendered event XML uses: a non-empty run of bytes
// without whitespace or XML delimiters. (Full XML name rules would only
// reject real-world names written by sloppy producers.)
func validName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		switch c {
		case '<', '>', '/', '=', '"', '\'', '&', ' ', '\t', '\r', '\n', '!', '?':
			return false
		}
	}
	return true
}

// localName strips a namespace prefix.
func localName(name []byte) []byte {
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// declError is the error for "<!" that starts neither a comment nor CDATA.
func declError(rest []byte) error {
	return fmt.Errorf("%w: found %q", ErrDTD, clip(rest, 12))
}

// truncated is the error for a construct cut off by the end of the event.
func (p *parser) truncated(what string) error {
	return fmt.Errorf("%w: unterminated %s at offset %d: %w", ErrSyntax, what, p.off(p.tokOff), io.ErrUnexpectedEOF)
}

// off converts an index in p.b to a stream offset.
func (p *parser) off(i int) int64 { return p.base + int64(i) }
