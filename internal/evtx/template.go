package evtx

import "encoding/binary"

// template is a parsed template definition.
type template struct {
	nodes []node
	err   error // parse failure, cached so a broken template is parsed once
}

// instance is a template applied to substitution values.
type instance struct {
	t    *template
	vals []value
}

// parseInstance parses a template instance: the template reference (with
// the definition inline the first time a chunk uses it) and the
// substitution values.
func (d *decoder) parseInstance(c *cursor, depth int) (*instance, error) {
	if depth > maxDepth {
		return nil, errAt(c.p, "template instances nested deeper than %d", maxDepth)
	}
	if err := c.need(10); err != nil {
		return nil, err
	}
	defOff := int(binary.LittleEndian.Uint32(c.b[c.p+6:]))
	c.p += 10
	if defOff == c.p {
		// Inline definition: skip it, it is parsed from the chunk below.
		if err := c.need(templateHeaderSize); err != nil {
			return nil, err
		}
		size := int(binary.LittleEndian.Uint32(c.b[c.p+20:]))
		if err := c.need(templateHeaderSize + size); err != nil {
			return nil, errAt(c.p, "template definition of %d bytes past the end", size)
		}
		c.p += templateHeaderSize + size
	}
	t, err := d.template(defOff, depth)
	if err != nil {
		return nil, err
	}
	cnt, err := c.u32()
	if err != nil {
		return nil, err
	}
	if cnt > maxSubstitutions || int(cnt)*4 > c.end-c.p {
		return nil, errAt(c.p-4, "%d substitution values do not fit", cnt)
	}
	desc := c.p
	c.p += 4 * int(cnt)
	// Values live in the per-record arena, except inside a template
	// definition: templates are cached for the whole chunk. Such values
	// point into the chunk, so that template must not outlive it.
	vals := d.vals
	if d.inTemplate > 0 {
		vals = make([]value, 0, cnt)
		d.noShare = true
	}
	start := len(vals)
	for i := 0; i < int(cnt); i++ {
		size := int(binary.LittleEndian.Uint16(c.b[desc+4*i:]))
		typ := c.b[desc+4*i+2]
		if err := c.need(size); err != nil {
			return nil, errAt(c.p, "substitution value %d of %d bytes past the end", i, size)
		}
		vals = append(vals, value{typ: typ, off: int32(c.p), b: c.b[c.p : c.p+size : c.p+size]})
		c.p += size
	}
	if d.inTemplate > 0 {
		return &instance{t: t, vals: vals[start:len(vals):len(vals)]}, nil
	}
	d.vals = vals
	inst := d.newInstance()
	*inst = instance{t: t, vals: vals[start:len(vals):len(vals)]}
	return inst, nil
}

// templateKey identifies a template definition across chunks: its GUID
// and size.
type templateKey struct {
	guid [16]byte
	size uint32
}

// template returns the parsed template whose definition is at chunk
// offset off, parsing it on first use in this chunk.
//
// Parsed templates are also shared across chunks by GUID and size: the
// same definition is repeated in every chunk that uses it, and parsing it
// again dominates the cost of sparse chunks. Windows derives template
// GUIDs from their content (across the 542 logs of the corpus, from many
// machines and Windows versions, 811 GUIDs never map to two different
// structures), and a parsed template no longer depends on its chunk
// (names are resolved). Only chunks whose checksums verified take part, so
// a damaged definition is never reused elsewhere.
func (d *decoder) template(off int, depth int) (*template, error) {
	if t, ok := d.templates[uint32(off)]; ok {
		return t, t.err
	}
	t := &template{}
	d.templates[uint32(off)] = t
	if off < chunkHeaderSize || off+templateHeaderSize > len(d.chunk) {
		t.err = errAt(off, "template definition offset out of range")
		return t, t.err
	}
	size := int(binary.LittleEndian.Uint32(d.chunk[off+20:]))
	start := off + templateHeaderSize
	if size > len(d.chunk)-start {
		t.err = errAt(off, "template definition of %d bytes past the chunk end", size)
		return t, t.err
	}
	var key templateKey
	share := !d.suspect && d.inTemplate == 0
	if share {
		copy(key.guid[:], d.chunk[off+4:off+20])
		key.size = uint32(size)
		if st, ok := d.shared[key]; ok {
			d.templates[uint32(off)] = st
			return st, nil
		}
	}
	d.inTemplate++
	outer := d.noShare
	d.noShare = false
	t.nodes, t.err = d.parseFragment(start, start+size, true, depth)
	d.inTemplate--
	chunkBound := d.noShare
	d.noShare = outer || chunkBound
	if share && t.err == nil && !chunkBound {
		if len(d.shared) >= maxSharedTemplates {
			clear(d.shared)
		}
		d.shared[key] = t
	}
	return t, t.err
}
