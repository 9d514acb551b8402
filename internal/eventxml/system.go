package eventxml

import (
	"fmt"
)

// system parses <System>, whose start tag was just read. Unknown children
// are skipped; an element that appears twice overwrites the first.
func (p *parser) system() error { return p.children("<System>", p.systemChild) }

func (p *parser) systemChild() error {
	name := p.name
	off := p.off(p.tokOff)
	var err error
	switch string(localName(name)) {
	case "Provider":
		if p.sysRefs[sysProvider], err = p.attrRef("Name"); err != nil {
			return err
		}
		if p.sysRefs[sysGUID], err = p.attrRef("Guid"); err != nil {
			return err
		}
		if p.sysRefs[sysSource], err = p.attrRef("EventSourceName"); err != nil {
			return err
		}
		return p.skip()
	case "EventID":
		q, ok, err := p.attrValue("Qualifiers")
		if err != nil {
			return err
		}
		if ok && len(trimSpace(q)) > 0 {
			v, err := parseUint(q, 16)
			if err != nil {
				return syntaxErrorf(off, "EventID Qualifiers %q: %v", clip(q, 32), err)
			}
			p.sys.Qualifiers, p.sys.HasQualifiers = uint16(v), true
		}
		v, err := p.number(name, off, 32)
		if err != nil {
			return err
		}
		// A 32-bit ID is a classic event's full ID: qualifiers in the high
		// half, as the event log itself splits it.
		p.sys.EventID = uint16(v)
		if v>>16 != 0 && !p.sys.HasQualifiers {
			p.sys.Qualifiers, p.sys.HasQualifiers = uint16(v>>16), true
		}
	case "Version":
		v, err := p.number(name, off, 8)
		p.sys.Version = uint8(v)
		return err
	case "Level":
		v, err := p.number(name, off, 8)
		p.sys.Level = uint8(v)
		return err
	case "Task":
		v, err := p.number(name, off, 16)
		p.sys.Task = uint16(v)
		return err
	case "Opcode":
		v, err := p.number(name, off, 8)
		p.sys.Opcode = uint8(v)
		return err
	case "Keywords":
		v, err := p.number(name, off, 64)
		p.sys.Keywords = v
		return err
	case "EventRecordID":
		v, err := p.number(name, off, 64)
		p.sys.EventRecordID = v
		return err
	case "TimeCreated":
		st, _, err := p.attrValue("SystemTime")
		if err != nil {
			return err
		}
		t, err := parseSystemTime(st)
		if err != nil {
			return syntaxErrorf(off, "TimeCreated SystemTime %q: %v", clip(st, 40), err)
		}
		p.sys.TimeCreated = t
		return p.skip()
	case "Correlation":
		if p.sysRefs[sysActivity], err = p.attrValueRef("ActivityID"); err != nil {
			return err
		}
		if p.sysRefs[sysRelated], err = p.attrValueRef("RelatedActivityID"); err != nil {
			return err
		}
		return p.skip()
	case "Execution":
		for _, a := range [...]struct {
			name string
			dst  *uint32
		}{{"ProcessID", &p.sys.ProcessID}, {"ThreadID", &p.sys.ThreadID}} {
			v, _, err := p.attrValue(a.name)
			if err != nil {
				return err
			}
			n, err := parseUint(v, 32)
			if err != nil {
				return syntaxErrorf(off, "Execution %s %q: %v", a.name, clip(v, 32), err)
			}
			*a.dst = uint32(n)
		}
		return p.skip()
	case "Channel":
		a, err := p.textOf(name)
		if err != nil {
			return err
		}
		p.sysRefs[sysChannel] = p.keepText(a)
	case "Computer":
		a, err := p.textOf(name)
		if err != nil {
			return err
		}
		p.sysRefs[sysComputer] = p.keepText(a)
	case "Security":
		if p.sysRefs[sysUserID], err = p.attrRef("UserID"); err != nil {
			return err
		}
		return p.skip()
	default:
		return p.skip()
	}
	return nil
}

// number reads the text of the current element as an unsigned number of
// bitSize bits.
func (p *parser) number(name []byte, off int64, bitSize int) (uint64, error) {
	a, err := p.textOf(name)
	if err != nil {
		return 0, err
	}
	v, err := parseUint(p.arena[a:], bitSize)
	if err != nil {
		err = syntaxErrorf(off, "<%s> %q: %v", localName(name), clip(p.arena[a:], 32), err)
	}
	p.arena = p.arena[:a]
	return v, err
}

// attrValueRef returns the named attribute as an arena ref, not shared: for
// per-event values such as activity IDs.
func (p *parser) attrValueRef(name string) (ref, error) {
	v, ok, err := p.attrValue(name)
	if err != nil || !ok {
		return ref{}, err
	}
	a := len(p.arena)
	p.arena = append(p.arena, v...)
	return p.keepValue(a), nil
}

// elemDesc formats an element description for errors.
func elemDesc(name []byte) string { return fmt.Sprintf("<%s>", clip(name, 64)) }
