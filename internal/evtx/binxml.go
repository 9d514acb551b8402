package evtx

import (
	"encoding/binary"
	"unicode/utf8"
)

// Binary XML tokens (MS-EVEN6 2.2.12). Bit 0x40 on element, value and
// attribute tokens is a "more follows" / "has attributes" flag.
const (
	tokEOF            = 0x00
	tokOpenStart      = 0x01
	tokCloseStart     = 0x02
	tokCloseEmpty     = 0x03
	tokEndElement     = 0x04
	tokValue          = 0x05
	tokAttribute      = 0x06
	tokCDATA          = 0x07
	tokCharRef        = 0x08
	tokEntityRef      = 0x09
	tokPITarget       = 0x0a
	tokPIData         = 0x0b
	tokTemplate       = 0x0c
	tokSubst          = 0x0d
	tokOptSubst       = 0x0e
	tokFragmentHeader = 0x0f
	tokMoreBit        = 0x40
)

type nodeKind uint8

const (
	nodeElement  nodeKind = iota + 1 // name, attrs, kids
	nodeText                         // literal text in name (values, CDATA, char and entity references)
	nodeSubst                        // substitution idx of declared type vtype; opt for optional ones
	nodeTemplate                     // template instance inst
	nodePI                           // processing instruction (ignored when mapping)
)

// node is one piece of a parsed binary XML document. Template definitions
// are parsed once per chunk into nodes; records then only parse their
// substitution values.
type node struct {
	kind  nodeKind
	opt   bool
	vtype uint8
	idx   uint16
	name  string
	attrs []attr
	kids  []node
	inst  *instance
}

type attr struct {
	name string
	val  []node
}

// cursor reads little-endian values inside [0, end) of the chunk.
type cursor struct {
	b   []byte // the whole chunk: offsets in binary XML are chunk-relative
	p   int
	end int
}

func (c *cursor) need(n int) error {
	if n < 0 || c.p+n > c.end {
		return errAt(c.p, "need %d bytes, %d left", n, c.end-c.p)
	}
	return nil
}

func (c *cursor) u8() (uint8, error) {
	if err := c.need(1); err != nil {
		return 0, err
	}
	v := c.b[c.p]
	c.p++
	return v, nil
}

func (c *cursor) u16() (uint16, error) {
	if err := c.need(2); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint16(c.b[c.p:])
	c.p += 2
	return v, nil
}

func (c *cursor) u32() (uint32, error) {
	if err := c.need(4); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(c.b[c.p:])
	c.p += 4
	return v, nil
}

func (c *cursor) peek() (uint8, error) {
	if c.p >= c.end {
		return 0, errAt(c.p, "unexpected end of binary XML")
	}
	return c.b[c.p], nil
}

// parseFragment parses a binary XML fragment (or a sequence of them) in
// [p, end) until an end-of-stream token or end. dep says whether elements
// carry the 2-byte dependency identifier (template definitions do; record
// bodies and binary XML values usually do not; elementHeader checks).
func (d *decoder) parseFragment(p, end int, dep bool, depth int) ([]node, error) {
	if depth > maxDepth {
		return nil, errAt(p, "binary XML nested deeper than %d", maxDepth)
	}
	c := cursor{b: d.chunk, p: p, end: end}
	mark := len(d.stk)
	defer func() { d.stk = d.stk[:mark] }()
	for c.p < c.end {
		tok := c.b[c.p]
		switch tok &^ tokMoreBit {
		case tokEOF:
			return d.keep(d.stk[mark:]), nil
		case tokFragmentHeader:
			if err := c.need(4); err != nil {
				return nil, err
			}
			c.p += 4
		case tokTemplate:
			inst, err := d.parseInstance(&c, depth+1)
			if err != nil {
				return nil, err
			}
			d.stk = append(d.stk, node{kind: nodeTemplate, inst: inst})
		case tokOpenStart:
			n, err := d.parseElement(&c, dep, depth+1)
			if err != nil {
				return nil, err
			}
			d.stk = append(d.stk, n)
		case tokPITarget, tokPIData:
			n, err := d.parsePI(&c)
			if err != nil {
				return nil, err
			}
			d.stk = append(d.stk, n)
		case tokValue, tokCharRef, tokEntityRef, tokCDATA, tokSubst, tokOptSubst:
			// Text outside the root element: parsed for framing, kept as is.
			n, err := d.parsePiece(&c)
			if err != nil {
				return nil, err
			}
			d.stk = append(d.stk, n)
		default:
			return nil, errAt(c.p, "unexpected binary XML token 0x%02x", tok)
		}
	}
	return d.keep(d.stk[mark:]), nil
}

// keep copies nodes collected on the scratch stack to where they live:
// the per-record arena for record content, an exact-size allocation for
// template definitions (kept for the chunk and beyond).
func (d *decoder) keep(ns []node) []node {
	if len(ns) == 0 {
		return nil
	}
	if d.inTemplate > 0 {
		return append([]node(nil), ns...)
	}
	start := len(d.nodes)
	d.nodes = append(d.nodes, ns...)
	return d.nodes[start:len(d.nodes):len(d.nodes)]
}

func (d *decoder) keepAttrs(as []attr) []attr {
	if len(as) == 0 {
		return nil
	}
	if d.inTemplate > 0 {
		return append([]attr(nil), as...)
	}
	start := len(d.attrs)
	d.attrs = append(d.attrs, as...)
	return d.attrs[start:len(d.attrs):len(d.attrs)]
}

// elementHeader reads an open-start-element token up to and including its
// name, choosing between the layouts with and without the dependency
// identifier: the preferred one unless only the other yields a name offset
// that is inline (equal to where the name would start) or points back into
// the chunk's earlier data.
func (d *decoder) elementHeader(c *cursor, dep bool) (name string, hasAttrs bool, err error) {
	p := c.p
	hasAttrs = c.b[p]&tokMoreBit != 0
	layout := func(withDep bool) (nameOff uint32, pos int, ok bool, inline bool) {
		pos = p + 1 + 4 + 4
		if withDep {
			pos += 2
		}
		if pos > c.end {
			return 0, 0, false, false
		}
		nameOff = binary.LittleEndian.Uint32(c.b[pos-4:])
		inline = int(nameOff) == pos
		ok = inline || (int(nameOff) >= chunkHeaderSize && int(nameOff) < p)
		return nameOff, pos, ok, inline
	}
	offA, posA, okA, inA := layout(dep)
	offB, posB, okB, inB := layout(!dep)
	var off uint32
	var pos int
	switch {
	case inA || (okA && !inB):
		off, pos = offA, posA
	case okB:
		off, pos = offB, posB
	default:
		return "", false, errAt(p, "element name offset 0x%x invalid", offA)
	}
	c.p = pos
	name, err = d.readName(c, off)
	return name, hasAttrs, err
}

// readName returns the name at chunk offset off; when off is the cursor
// position the name is stored inline and the cursor moves past it.
func (d *decoder) readName(c *cursor, off uint32) (string, error) {
	o := int(off)
	inline := o == c.p
	if !inline && (o < chunkHeaderSize || o >= len(c.b)) {
		return "", errAt(c.p, "name offset 0x%x out of range", off)
	}
	if s, ok := d.names[off]; ok && !inline {
		return s, nil
	}
	limit := len(c.b)
	if inline {
		limit = c.end
	}
	if o+8 > limit {
		return "", errAt(o, "name header past the end")
	}
	n := int(binary.LittleEndian.Uint16(c.b[o+6:]))
	sz := 8 + 2*n + 2
	if o+sz > limit {
		return "", errAt(o, "name of %d characters past the end", n)
	}
	s, ok := d.names[off]
	if !ok {
		d.ptmp = appendUTF16(d.ptmp[:0], c.b[o+8:o+8+2*n])
		s = d.intern.bytes(d.ptmp)
		d.names[off] = s
	}
	if inline {
		c.p += sz
	}
	return s, nil
}

// parseElement parses an element and everything inside it.
func (d *decoder) parseElement(c *cursor, dep bool, depth int) (node, error) {
	if depth > maxDepth {
		return node{}, errAt(c.p, "elements nested deeper than %d", maxDepth)
	}
	start := c.p
	name, hasAttrs, err := d.elementHeader(c, dep)
	if err != nil {
		return node{}, err
	}
	n := node{kind: nodeElement, name: name}
	mark, amark := len(d.stk), len(d.astk)
	defer func() { d.stk, d.astk = d.stk[:mark], d.astk[:amark] }()
	if hasAttrs {
		if _, err := c.u32(); err != nil { // attribute list size
			return node{}, err
		}
	}
	for {
		tok, err := c.peek()
		if err != nil {
			return node{}, err
		}
		if tok&^tokMoreBit != tokAttribute {
			break
		}
		c.p++
		off, err := c.u32()
		if err != nil {
			return node{}, err
		}
		an, err := d.readName(c, off)
		if err != nil {
			return node{}, err
		}
		a := attr{name: an}
		for {
			t, err := c.peek()
			if err != nil {
				return node{}, err
			}
			if !isPieceToken(t) {
				break
			}
			piece, err := d.parsePiece(c)
			if err != nil {
				return node{}, err
			}
			d.stk = append(d.stk, piece)
		}
		a.val = d.keep(d.stk[mark:])
		d.stk = d.stk[:mark]
		d.astk = append(d.astk, a)
	}
	n.attrs = d.keepAttrs(d.astk[amark:])
	tok, err := c.u8()
	if err != nil {
		return node{}, err
	}
	switch tok {
	case tokCloseEmpty:
		return n, nil
	case tokCloseStart:
	default:
		return node{}, errAt(c.p-1, "element %q at 0x%x: unexpected token 0x%02x after attributes", name, start, tok)
	}
	for {
		tok, err := c.peek()
		if err != nil {
			return node{}, err
		}
		switch tok &^ tokMoreBit {
		case tokEndElement:
			c.p++
			n.kids = d.keep(d.stk[mark:])
			return n, nil
		case tokOpenStart:
			k, err := d.parseElement(c, dep, depth+1)
			if err != nil {
				return node{}, err
			}
			d.stk = append(d.stk, k)
		case tokTemplate:
			inst, err := d.parseInstance(c, depth+1)
			if err != nil {
				return node{}, err
			}
			d.stk = append(d.stk, node{kind: nodeTemplate, inst: inst})
		case tokPITarget, tokPIData:
			k, err := d.parsePI(c)
			if err != nil {
				return node{}, err
			}
			d.stk = append(d.stk, k)
		default:
			if !isPieceToken(tok) {
				return node{}, errAt(c.p, "element %q: unexpected token 0x%02x in content", name, tok)
			}
			k, err := d.parsePiece(c)
			if err != nil {
				return node{}, err
			}
			d.stk = append(d.stk, k)
		}
	}
}

func isPieceToken(t uint8) bool {
	switch t &^ tokMoreBit {
	case tokValue, tokCDATA, tokCharRef, tokEntityRef, tokSubst, tokOptSubst:
		return true
	}
	return false
}

// parsePiece parses a value, CDATA, character or entity reference (all
// become text) or a substitution.
func (d *decoder) parsePiece(c *cursor) (node, error) {
	tok, err := c.u8()
	if err != nil {
		return node{}, err
	}
	switch tok &^ tokMoreBit {
	case tokSubst, tokOptSubst:
		idx, err := c.u16()
		if err != nil {
			return node{}, err
		}
		t, err := c.u8()
		if err != nil {
			return node{}, err
		}
		return node{kind: nodeSubst, idx: idx, vtype: t, opt: tok == tokOptSubst}, nil
	case tokValue:
		t, err := c.u8()
		if err != nil {
			return node{}, err
		}
		return d.literalValue(c, t)
	case tokCDATA:
		n, err := c.u16()
		if err != nil {
			return node{}, err
		}
		if err := c.need(2 * int(n)); err != nil {
			return node{}, err
		}
		d.ptmp = appendUTF16(d.ptmp[:0], c.b[c.p:c.p+2*int(n)])
		c.p += 2 * int(n)
		return node{kind: nodeText, name: string(d.ptmp)}, nil
	case tokCharRef:
		r, err := c.u16()
		if err != nil {
			return node{}, err
		}
		return node{kind: nodeText, name: string(utf8.AppendRune(nil, rune(r)))}, nil
	case tokEntityRef:
		off, err := c.u32()
		if err != nil {
			return node{}, err
		}
		name, err := d.readName(c, off)
		if err != nil {
			return node{}, err
		}
		return node{kind: nodeText, name: entityText(name)}, nil
	}
	return node{}, errAt(c.p-1, "unexpected token 0x%02x in value", tok)
}

// literalValue reads the value of a value token (text inside a template or
// a record written without templates).
func (d *decoder) literalValue(c *cursor, t uint8) (node, error) {
	var b []byte
	switch t {
	case typeString:
		n, err := c.u16()
		if err != nil {
			return node{}, err
		}
		if err := c.need(2 * int(n)); err != nil {
			return node{}, err
		}
		b = c.b[c.p : c.p+2*int(n)]
	case typeAnsi, typeBinary:
		n, err := c.u16()
		if err != nil {
			return node{}, err
		}
		if err := c.need(int(n)); err != nil {
			return node{}, err
		}
		b = c.b[c.p : c.p+int(n)]
	case typeSID:
		if err := c.need(8); err != nil {
			return node{}, err
		}
		n := 8 + 4*int(c.b[c.p+1])
		if err := c.need(n); err != nil {
			return node{}, err
		}
		b = c.b[c.p : c.p+n]
	case typeSizeT:
		if err := c.need(8); err != nil {
			return node{}, err
		}
		b = c.b[c.p : c.p+8]
	default:
		n := fixedSize(t)
		if n == 0 {
			return node{}, errAt(c.p, "value token of unsupported type 0x%02x", t)
		}
		if err := c.need(n); err != nil {
			return node{}, err
		}
		b = c.b[c.p : c.p+n]
	}
	c.p += len(b)
	d.ptmp = appendValue(d.ptmp[:0], t, b)
	return node{kind: nodeText, name: d.intern.bytes(d.ptmp)}, nil
}

func entityText(name string) string {
	switch name {
	case "amp":
		return "&"
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "quot":
		return `"`
	case "apos":
		return "'"
	}
	return "&" + name + ";"
}

// parsePI parses a processing instruction target and its data.
func (d *decoder) parsePI(c *cursor) (node, error) {
	tok, _ := c.u8()
	n := node{kind: nodePI}
	if tok == tokPITarget {
		off, err := c.u32()
		if err != nil {
			return node{}, err
		}
		if n.name, err = d.readName(c, off); err != nil {
			return node{}, err
		}
		if t, err := c.peek(); err != nil || t != tokPIData {
			return n, nil
		}
		c.p++
	}
	cnt, err := c.u16()
	if err != nil {
		return node{}, err
	}
	if err := c.need(2 * int(cnt)); err != nil {
		return node{}, err
	}
	c.p += 2 * int(cnt)
	return n, nil
}
