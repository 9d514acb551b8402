package eventxml

import (
	"bytes"

	"wsec/internal/event"
)

// eventData parses <EventData>, whose start tag was just read: <Data> in
// order (Name "" when the attribute is absent), <Binary>, and any other child
// flattened as UserData children are.
func (p *parser) eventData() error {
	if p.section == event.SectionNone {
		p.section = event.SectionEventData
	}
	return p.children("<EventData>", func() error {
		name := p.name
		switch string(localName(name)) {
		case "Data":
			at := p.tokOff
			n, _, err := p.attrValue("Name")
			if err != nil {
				return err
			}
			nameRef := p.str(n)
			a, err := p.textOf(name)
			if err != nil {
				return err
			}
			return p.addField(nameRef, p.keepValue(a), at)
		case "Binary":
			a, err := p.textOf(name)
			if err != nil {
				return err
			}
			p.binary = p.keepValue(a)
			return nil
		}
		p.path = append(p.path[:0], localName(name)...)
		return p.flatten(len(p.path))
	})
}

// userData parses <UserData>, whose start tag was just read. Its first child
// is the wrapper (event.Event.UserDataName/UserDataNS); the wrapper's
// children become fields named by their path below it. Further children of
// <UserData>, which Windows never writes, are flattened with their own name
// as the first path element.
func (p *parser) userData() error {
	if p.section == event.SectionNone {
		p.section = event.SectionUserData
	}
	if p.selfClose {
		return nil
	}
	p.saveNS()
	return p.children("<UserData>", func() error {
		if !p.hasUD {
			p.hasUD = true
			p.udName = p.str(localName(p.name))
			p.udNS = p.str(p.namespaceOf(p.name))
			p.path = p.path[:0]
		} else {
			p.path = append(p.path[:0], localName(p.name)...)
		}
		return p.flatten(len(p.path))
	})
}

// namespaceOf resolves the namespace of the current start tag's name from
// its own declarations, then those of <UserData> and <Event>.
func (p *parser) namespaceOf(name []byte) []byte {
	decl := []byte("xmlns")
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		decl = append([]byte("xmlns:"), name[:i]...)
	}
	for _, at := range p.attrs {
		if bytes.Equal(at.name, decl) {
			v, _ := p.decodeAttr(at) // an error shows again, as a field
			return v
		}
	}
	for i := len(p.ns) - 1; i >= 0; i-- {
		if bytes.Equal(p.ns[i].name, decl) {
			v, _ := p.decodeAttr(p.ns[i])
			return v
		}
	}
	return nil
}

// flatten turns the element whose start tag was just read into fields. Its
// path (p.path[:n], "" for the UserData wrapper) names them:
//   - each attribute but namespace declarations becomes "path/@attr";
//   - an element without child elements becomes "path" with its text, even
//     empty, unless it has attributes and no text (CAPI2's <Result value="0"/>);
//   - an element with child elements recurses into "path/child"; a run of
//     non-space text beside its children becomes a "path" field of its own.
func (p *parser) flatten(n int) error {
	elem := p.name
	elemOff := p.tokOff
	hasAttrs := false
	for _, at := range p.attrs {
		if isXMLNS(at.name) {
			continue
		}
		hasAttrs = true
		v, err := p.decodeAttr(at)
		if err != nil {
			return err
		}
		a := len(p.arena)
		p.arena = append(p.arena, v...)
		value := p.keepValue(a)
		p.nameBuf = append(append(p.nameBuf[:0], p.path[:n]...), "/@"...)
		if n == 0 {
			p.nameBuf = append(p.nameBuf[:0], '@')
		}
		p.nameBuf = append(p.nameBuf, at.name...)
		if err := p.addField(p.str(p.nameBuf), value, elemOff); err != nil {
			return err
		}
	}
	if p.selfClose {
		if hasAttrs {
			return nil
		}
		return p.addField(p.str(p.path[:n]), ref{}, elemOff)
	}
	a := len(p.arena)
	hasChild := false
	// textField ends a run of text: a field when it is worth one.
	textField := func(always bool) error {
		if always || !allSpace(p.arena[a:]) {
			value := p.keepValue(a)
			if err := p.addField(p.str(p.path[:n]), value, elemOff); err != nil {
				return err
			}
		} else {
			p.arena = p.arena[:a]
		}
		return nil
	}
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		switch k {
		case tokEOF:
			return p.truncated("element")
		case tokEnd:
			return textField(!hasChild && !hasAttrs)
		case tokStart:
			if err := textField(false); err != nil {
				return err
			}
			hasChild = true
			if n > 0 {
				p.path = append(p.path[:n], '/')
			} else {
				p.path = p.path[:0]
			}
			p.path = append(p.path, localName(p.name)...)
			if err := p.flatten(len(p.path)); err != nil {
				return err
			}
			a = len(p.arena)
			continue
		}
		if err := p.appendContent(k); err != nil {
			return err
		}
		if err := p.valueLimit(a, elem, elemOff); err != nil {
			return err
		}
	}
}
