package evtx

import (
	"strings"

	"wsec/internal/event"
)

// mapRecord fills ev from the record's document: the first root element,
// normally <Event>.
func (d *decoder) mapRecord(nodes []node, ev *event.Event) error {
	found := false
	err := d.eachElem(nodes, valCtx(nil), 0, func(el *node, c ctx, depth int) error {
		if found {
			return nil
		}
		found = true
		if el.name != "Event" {
			return errAt(0, "root element is <%s>, not <Event>", el.name)
		}
		return d.mapEvent(el, c, depth, ev)
	})
	if err == nil && !found {
		err = errAt(0, "record holds no XML element")
	}
	return err
}

func (d *decoder) mapEvent(el *node, c ctx, depth int, ev *event.Event) error {
	return d.eachElem(el.kids, c, depth, func(k *node, c ctx, depth int) error {
		switch k.name {
		case "System":
			return d.mapSystem(k, c, depth, &ev.System)
		case "EventData":
			ev.Section = event.SectionEventData
			return d.mapEventData(k, c, depth, ev)
		case "UserData":
			ev.Section = event.SectionUserData
			return d.mapUserData(k, c, depth, ev)
		case "RenderingInfo":
			return d.mapRendering(k, c, depth, ev)
		}
		return nil
	})
}

func (d *decoder) mapSystem(el *node, c ctx, depth int, s *event.System) error {
	return d.eachElem(el.kids, c, depth, func(k *node, c ctx, depth int) error {
		switch k.name {
		case "Provider":
			s.Provider, _ = d.attrText(k, "Name", c, depth)
			s.ProviderGUID, _ = d.attrText(k, "Guid", c, depth)
			s.EventSource, _ = d.attrText(k, "EventSourceName", c, depth)
		case "EventID":
			v, _ := d.uintOf(k.kids, c, depth)
			s.EventID = u16(v)
			if a := findAttr(k, "Qualifiers", &c); a != nil {
				q, ok := d.uintOf(a.val, c, depth)
				s.Qualifiers, s.HasQualifiers = u16(q), ok
			}
		case "Version":
			v, _ := d.uintOf(k.kids, c, depth)
			s.Version = u8(v)
		case "Level":
			v, _ := d.uintOf(k.kids, c, depth)
			s.Level = u8(v)
		case "Task":
			v, _ := d.uintOf(k.kids, c, depth)
			s.Task = u16(v)
		case "Opcode":
			v, _ := d.uintOf(k.kids, c, depth)
			s.Opcode = u8(v)
		case "Keywords":
			s.Keywords, _ = d.uintOf(k.kids, c, depth)
		case "TimeCreated":
			if a := findAttr(k, "SystemTime", &c); a != nil {
				s.TimeCreated, _ = d.timeOf(a.val, c, depth)
			}
		case "EventRecordID":
			s.EventRecordID, _ = d.uintOf(k.kids, c, depth)
		case "Correlation":
			s.ActivityID, _ = d.attrText(k, "ActivityID", c, depth)
			s.RelatedActivityID, _ = d.attrText(k, "RelatedActivityID", c, depth)
		case "Execution":
			if a := findAttr(k, "ProcessID", &c); a != nil {
				v, _ := d.uintOf(a.val, c, depth)
				s.ProcessID = u32(v)
			}
			if a := findAttr(k, "ThreadID", &c); a != nil {
				v, _ := d.uintOf(a.val, c, depth)
				s.ThreadID = u32(v)
			}
		case "Channel":
			s.Channel = d.text(k.kids, c, depth)
		case "Computer":
			s.Computer = d.text(k.kids, c, depth)
		case "Security":
			s.UserID, _ = d.attrText(k, "UserID", c, depth)
		}
		return nil
	})
}

// mapEventData turns <Data Name="n">v</Data> into fields in order;
// <Binary> goes to ev.Binary; any other element becomes a field named
// after it.
func (d *decoder) mapEventData(el *node, c ctx, depth int, ev *event.Event) error {
	return d.eachElem(el.kids, c, depth, func(k *node, c ctx, depth int) error {
		if k.name == "Binary" {
			d.tmp = d.appendText(d.tmp[:0], k.kids, c, depth)
			ev.Binary = string(d.tmp)
			return nil
		}
		name := k.name
		if name == "Data" {
			name, _ = d.attrText(k, "Name", c, depth)
		}
		start := len(d.fbuf)
		d.fbuf = d.appendText(d.fbuf, k.kids, c, depth)
		d.addField(name, start)
		return nil
	})
}

// mapUserData records the wrapper element and flattens its content into
// fields (see flatten).
func (d *decoder) mapUserData(el *node, c ctx, depth int, ev *event.Event) error {
	found := false
	return d.eachElem(el.kids, c, depth, func(w *node, c ctx, depth int) error {
		if found {
			return nil
		}
		found = true
		ev.UserDataName = localName(w.name)
		ev.UserDataNS, _ = d.attrText(w, "xmlns", c, depth)
		d.path = d.path[:0]
		return d.flatten(w, c, depth, true)
	})
}

// flatten adds the fields of element el: each attribute (other than
// namespace declarations) as "path/@name", then either its child elements
// recursively as "path/child" or, for a leaf, its text as "path". The
// wrapper itself contributes no path segment.
func (d *decoder) flatten(el *node, c ctx, depth int, wrapper bool) error {
	base := len(d.path)
	for i := range el.attrs {
		a := &el.attrs[i]
		if a.name == "xmlns" || strings.HasPrefix(a.name, "xmlns:") || attrOmitted(a, &c) {
			continue
		}
		if wrapper {
			d.path = append(d.path[:base], '@')
		} else {
			d.path = append(d.path[:base], "/@"...)
		}
		d.path = append(d.path, a.name...)
		start := len(d.fbuf)
		d.fbuf = d.appendText(d.fbuf, a.val, c, depth)
		d.addField(d.intern.bytes(d.path), start)
	}
	d.path = d.path[:base]
	if !wrapper && !d.hasElements(el.kids, c) {
		start := len(d.fbuf)
		d.fbuf = d.appendText(d.fbuf, el.kids, c, depth)
		if len(el.attrs) == 0 || len(d.fbuf) > start {
			d.addField(d.intern.bytes(d.path), start)
		}
		return nil
	}
	return d.eachElem(el.kids, c, depth, func(k *node, c ctx, depth int) error {
		if !wrapper {
			d.path = append(d.path[:base], '/')
		} else {
			d.path = d.path[:base]
		}
		d.path = append(d.path, k.name...)
		err := d.flatten(k, c, depth, false)
		d.path = d.path[:base]
		return err
	})
}

// hasElements reports whether content holds elements, directly or through
// template instances and binary XML values.
func (d *decoder) hasElements(kids []node, c ctx) bool {
	for i := range kids {
		switch k := &kids[i]; k.kind {
		case nodeElement, nodeTemplate:
			return true
		case nodeSubst:
			if v := c.val(k.idx); v.typ == typeBinXML && len(v.b) > 0 {
				return true
			}
		}
	}
	return false
}

func (d *decoder) mapRendering(el *node, c ctx, depth int, ev *event.Event) error {
	r := &event.Rendering{}
	r.Culture, _ = d.attrText(el, "Culture", c, depth)
	err := d.eachElem(el.kids, c, depth, func(k *node, c ctx, depth int) error {
		switch k.name {
		case "Message":
			r.Message = string(d.appendText(nil, k.kids, c, depth))
		case "Level":
			r.Level = d.text(k.kids, c, depth)
		case "Task":
			r.Task = d.text(k.kids, c, depth)
		case "Opcode":
			r.Opcode = d.text(k.kids, c, depth)
		case "Channel":
			r.Channel = d.text(k.kids, c, depth)
		case "Provider":
			r.Provider = d.text(k.kids, c, depth)
		case "Keywords":
			return d.eachElem(k.kids, c, depth, func(kw *node, c ctx, depth int) error {
				r.Keywords = append(r.Keywords, d.text(kw.kids, c, depth))
				return nil
			})
		}
		return nil
	})
	ev.Rendering = r
	return err
}

func localName(n string) string {
	if i := strings.IndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}
