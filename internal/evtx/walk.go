package evtx

import (
	"bytes"
	"math"
	"time"
)

// ctx is what the nodes of one template instance are evaluated against:
// its substitution values and, while an element is repeated once per item
// of an array value, which item this repetition renders.
type ctx struct {
	vals []value
	sel  int // substitution index of the selected array, -1 for none
	item []byte
}

func valCtx(vals []value) ctx { return ctx{vals: vals, sel: -1} }

var nullValue value

func (c *ctx) val(idx uint16) *value {
	if int(idx) < len(c.vals) {
		return &c.vals[idx]
	}
	return &nullValue
}

// omitted reports whether a piece renders to nothing because it is an
// optional substitution whose value is NULL (Windows then drops the
// attribute it is in).
func (c *ctx) omitted(n *node) bool {
	if n.kind != nodeSubst || !n.opt {
		return false
	}
	v := c.val(n.idx)
	return v.typ == typeNull || len(v.b) == 0
}

// eachElem calls fn for every element in kids, in document order, seeing
// through template instances and binary XML substitution values, and
// repeating an element once per item when it holds an array value.
func (d *decoder) eachElem(kids []node, c ctx, depth int, fn func(el *node, c ctx, depth int) error) error {
	if depth > maxDepth {
		return errAt(0, "document nested deeper than %d", maxDepth)
	}
	for i := range kids {
		k := &kids[i]
		d.budget--
		if d.budget < 0 {
			return errBudget
		}
		switch k.kind {
		case nodeElement:
			if elemOmitted(k, &c) {
				continue
			}
			sub, spans := d.arrayIn(k, &c)
			if sub < 0 {
				if err := fn(k, ctx{vals: c.vals, sel: -1}, depth+1); err != nil {
					return err
				}
				continue
			}
			v := c.val(uint16(sub))
			spans = append([][2]int(nil), spans...) // fn may reuse d.spans
			for _, s := range spans {
				d.budget--
				if d.budget < 0 {
					return errBudget
				}
				if err := fn(k, ctx{vals: c.vals, sel: sub, item: v.b[s[0]:s[1]]}, depth+1); err != nil {
					return err
				}
			}
		case nodeTemplate:
			if err := d.eachElem(k.inst.t.nodes, valCtx(k.inst.vals), depth+1, fn); err != nil {
				return err
			}
		case nodeSubst:
			v := c.val(k.idx)
			if v.typ != typeBinXML || len(v.b) == 0 {
				continue
			}
			nodes, err := d.parseValue(v, depth+1)
			if err != nil {
				return err
			}
			if err := d.eachElem(nodes, valCtx(nil), depth+1, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseValue parses a binary XML substitution value, once per record: a
// template may reference the same value many times.
func (d *decoder) parseValue(v *value, depth int) ([]node, error) {
	for _, p := range d.parsed {
		if p.off == v.off && p.n == len(v.b) {
			return p.nodes, p.err
		}
	}
	start := int(v.off)
	d.budget -= len(v.b) / 16
	nodes, err := d.parseFragment(start, start+len(v.b), false, depth)
	d.parsed = append(d.parsed, parsedValue{off: v.off, n: len(v.b), nodes: nodes, err: err})
	return nodes, err
}

// arrayIn finds the first array value with more than one item among the
// element's own content and attributes: Windows repeats the element once
// per item (MS-EVEN6 3.1.4.7.5). It returns -1 when there is none.
func (d *decoder) arrayIn(el *node, c *ctx) (int, [][2]int) {
	check := func(n *node) ([][2]int, bool) {
		if n.kind != nodeSubst {
			return nil, false
		}
		v := c.val(n.idx)
		if v.typ&typeArray == 0 || len(v.b) == 0 {
			return nil, false
		}
		d.budget -= len(v.b) / 64
		d.spans = arrayItems(v.typ&^typeArray, v.b, d.spans[:0])
		if len(d.spans) > 1 {
			return d.spans, true
		}
		return nil, false
	}
	for i := range el.kids {
		if s, ok := check(&el.kids[i]); ok {
			return int(el.kids[i].idx), s
		}
	}
	for i := range el.attrs {
		for j := range el.attrs[i].val {
			if s, ok := check(&el.attrs[i].val[j]); ok {
				return int(el.attrs[i].val[j].idx), s
			}
		}
	}
	return -1, nil
}

// appendText appends the text content of pieces: literal text and
// substitution values rendered as Windows does; nested elements render as
// XML.
func (d *decoder) appendText(dst []byte, kids []node, c ctx, depth int) []byte {
	start := len(dst)
	defer func() { d.budget -= (len(dst) - start) / 64 }()
	for i := range kids {
		if d.budget < 0 {
			return dst
		}
		k := &kids[i]
		switch k.kind {
		case nodeText:
			dst = append(dst, k.name...)
		case nodeSubst:
			dst = d.appendSubst(dst, k, c, depth)
		case nodeElement, nodeTemplate:
			dst = d.appendXML(dst, kids[i:i+1], c, depth+1)
		}
	}
	return dst
}

func (d *decoder) appendSubst(dst []byte, k *node, c ctx, depth int) []byte {
	v := c.val(k.idx)
	switch {
	case int(k.idx) == c.sel:
		return appendValue(dst, v.typ&^typeArray, c.item)
	case v.typ == typeBinXML:
		if len(v.b) == 0 || depth > maxDepth {
			return dst
		}
		nodes, err := d.parseValue(v, depth+1)
		if err != nil {
			return dst
		}
		return d.appendXML(dst, nodes, valCtx(nil), depth+1)
	case v.typ&typeArray != 0:
		spans := arrayItems(v.typ&^typeArray, v.b, nil)
		for i, s := range spans {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, v.typ&^typeArray, v.b[s[0]:s[1]])
		}
		return dst
	}
	return appendValue(dst, v.typ, v.b)
}

// appendXML serializes nodes as compact XML. It is only used for the rare
// values that contain elements (a <Data> holding markup).
func (d *decoder) appendXML(dst []byte, kids []node, c ctx, depth int) []byte {
	if depth > maxDepth {
		return dst
	}
	_ = d.eachNode(kids, c, depth, func(k *node, c ctx, depth int) error {
		switch k.kind {
		case nodeText:
			dst = appendEscaped(dst, k.name)
		case nodeSubst:
			start := len(dst)
			dst = d.appendSubst(dst, k, c, depth)
			if bytes.ContainsAny(dst[start:], `<>&"`) {
				esc := appendEscaped(nil, string(dst[start:]))
				dst = append(dst[:start], esc...)
			}
		case nodeElement:
			if elemOmitted(k, &c) {
				return nil
			}
			dst = append(dst, '<')
			dst = append(dst, k.name...)
			for i := range k.attrs {
				a := &k.attrs[i]
				if attrOmitted(a, &c) {
					continue
				}
				dst = append(dst, ' ')
				dst = append(dst, a.name...)
				dst = append(dst, `="`...)
				dst = appendEscaped(dst, string(d.appendText(nil, a.val, c, depth)))
				dst = append(dst, '"')
			}
			if len(k.kids) == 0 {
				dst = append(dst, "/>"...)
				return nil
			}
			dst = append(dst, '>')
			dst = d.appendXML(dst, k.kids, ctx{vals: c.vals, sel: -1}, depth+1)
			dst = append(dst, "</"...)
			dst = append(dst, k.name...)
			dst = append(dst, '>')
		}
		return nil
	})
	return dst
}

// eachNode is eachElem for every node kind (elements are not repeated for
// arrays: used for serializing only).
func (d *decoder) eachNode(kids []node, c ctx, depth int, fn func(k *node, c ctx, depth int) error) error {
	if depth > maxDepth {
		return errAt(0, "document nested deeper than %d", maxDepth)
	}
	for i := range kids {
		k := &kids[i]
		d.budget--
		if d.budget < 0 {
			return errBudget
		}
		switch k.kind {
		case nodeTemplate:
			if err := d.eachNode(k.inst.t.nodes, valCtx(k.inst.vals), depth+1, fn); err != nil {
				return err
			}
			continue
		case nodeSubst:
			v := c.val(k.idx)
			if v.typ == typeBinXML && int(k.idx) != c.sel {
				if len(v.b) == 0 {
					continue
				}
				nodes, err := d.parseValue(v, depth+1)
				if err != nil {
					return err
				}
				if err := d.eachNode(nodes, valCtx(nil), depth+1, fn); err != nil {
					return err
				}
				continue
			}
		}
		if err := fn(k, c, depth); err != nil {
			return err
		}
	}
	return nil
}

// elemOmitted reports whether an element holds an optional substitution
// whose value is NULL: such an element is not rendered at all (MS-EVEN6
// 3.1.4.7.2). Only elements without child elements are dropped: a torn
// record whose payload substitution reads as NULL still keeps its <Event>
// and <System>.
func elemOmitted(el *node, c *ctx) bool {
	omit := false
	for i := range el.kids {
		switch k := &el.kids[i]; k.kind {
		case nodeElement, nodeTemplate:
			return false
		case nodeSubst:
			if c.omitted(k) {
				omit = true
			} else if v := c.val(k.idx); v.typ == typeBinXML && len(v.b) > 0 {
				return false
			}
		}
	}
	return omit
}

func attrOmitted(a *attr, c *ctx) bool {
	if len(a.val) == 0 {
		return false
	}
	for i := range a.val {
		if !c.omitted(&a.val[i]) {
			return false
		}
	}
	return true
}

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&quot;"...)
		default:
			dst = append(dst, s[i])
		}
	}
	return dst
}

// findAttr returns the attribute called name, or nil when it is absent or
// omitted.
func findAttr(el *node, name string, c *ctx) *attr {
	for i := range el.attrs {
		if el.attrs[i].name == name {
			if attrOmitted(&el.attrs[i], c) {
				return nil
			}
			return &el.attrs[i]
		}
	}
	return nil
}

// text returns the rendered pieces as a string without allocating when
// they are one literal, and interned otherwise.
func (d *decoder) text(kids []node, c ctx, depth int) string {
	if len(kids) == 1 && kids[0].kind == nodeText {
		return kids[0].name
	}
	if len(kids) == 0 {
		return ""
	}
	d.tmp = d.appendText(d.tmp[:0], kids, c, depth)
	return d.intern.bytes(d.tmp)
}

func (d *decoder) attrText(el *node, name string, c ctx, depth int) (string, bool) {
	a := findAttr(el, name, &c)
	if a == nil {
		return "", false
	}
	return d.text(a.val, c, depth), true
}

// uintOf evaluates pieces as an unsigned number: directly from an integer
// substitution value, else by parsing the rendered text (decimal or 0x hex).
func (d *decoder) uintOf(kids []node, c ctx, depth int) (uint64, bool) {
	if len(kids) == 1 && kids[0].kind == nodeSubst && int(kids[0].idx) != c.sel {
		v := c.val(kids[0].idx)
		switch v.typ {
		case typeUint8, typeUint16, typeUint32, typeUint64, typeHex32, typeHex64, typeSizeT,
			typeInt8, typeInt16, typeInt32, typeInt64:
			if n := fixedSize(v.typ); n != 0 && len(v.b) > n {
				return leUint(v.b[:n]), true
			}
			return leUint(v.b), len(v.b) > 0
		}
	}
	d.tmp = d.appendText(d.tmp[:0], kids, c, depth)
	return parseUint(bytes.TrimSpace(d.tmp))
}

// parseUint parses decimal or 0x hex. A number too large for 64 bits
// saturates, like u16 and friends, instead of wrapping to a small one.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	base := uint64(10)
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b = b[2:]
		base = 16
	}
	var v uint64
	over := false
	for _, c := range b {
		var dgt uint64
		switch {
		case c >= '0' && c <= '9':
			dgt = uint64(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			dgt = uint64(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			dgt = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if v > (math.MaxUint64-dgt)/base {
			over = true
		}
		v = v*base + dgt
	}
	if over {
		return math.MaxUint64, true
	}
	return v, true
}

// timeOf evaluates pieces as a timestamp: a FILETIME or SYSTEMTIME value
// directly, else rendered text in ISO 8601.
func (d *decoder) timeOf(kids []node, c ctx, depth int) (time.Time, bool) {
	if len(kids) == 1 && kids[0].kind == nodeSubst {
		v := c.val(kids[0].idx)
		switch {
		case v.typ == typeFiletime && len(v.b) >= 8:
			return filetimeToTime(leUint(v.b[:8])), true
		case v.typ == typeNull || len(v.b) == 0:
			return time.Time{}, false
		}
	}
	d.tmp = d.appendText(d.tmp[:0], kids, c, depth)
	t, err := time.Parse(time.RFC3339Nano, string(bytes.TrimSpace(d.tmp)))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// u16 and u8 saturate instead of wrapping so a bad value stays visibly bad.
func u16(v uint64) uint16 {
	if v > 0xffff {
		return 0xffff
	}
	return uint16(v)
}

func u8(v uint64) uint8 {
	if v > 0xff {
		return 0xff
	}
	return uint8(v)
}

func u32(v uint64) uint32 {
	if v > 0xffffffff {
		return 0xffffffff
	}
	return uint32(v)
}
