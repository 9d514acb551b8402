package eventxml

import (
	"bytes"

	"wsec/internal/event"
)

// ref is a string of the event being built: either a shared string (a < 0)
// or the span arena[a:b], resolved once the arena is final.
type ref struct {
	s    string
	a, b int
}

type fieldRef struct{ name, value ref }

// parser turns the bytes of one <Event> element into an event.Event. It is
// reused from event to event; everything it returns is freshly allocated.
//
// All decoded text goes into one arena; the finished event's strings are
// substrings of a single string made from it, so an event costs a handful of
// allocations however many fields it has.
type parser struct {
	opts Options
	in   interner

	// input and current token
	b         []byte
	i         int
	base      int64 // stream offset of b[0]
	tokOff    int   // index in b of the current token
	name      []byte
	text      []byte
	selfClose bool
	attrs     []attr
	stack     [][]byte

	// output being built
	arena    []byte
	scratch  []byte
	path     []byte
	nameBuf  []byte
	ns       []attr // xmlns declarations of <Event> and <UserData>
	fields   []fieldRef
	keywords []ref
	sys      event.System
	sysRefs  [8]ref // see the sys* constants
	section  event.Section
	udName   ref
	udNS     ref
	hasUD    bool
	binary   ref
	rend     bool
	rendRefs [7]ref // see the rend* constants
	nFields  int
}

// Indexes into parser.sysRefs.
const (
	sysProvider = iota
	sysGUID
	sysSource
	sysActivity
	sysRelated
	sysChannel
	sysComputer
	sysUserID
)

// Indexes into parser.rendRefs.
const (
	rendCulture = iota
	rendMessage
	rendLevel
	rendTask
	rendOpcode
	rendChannel
	rendProvider
)

// parse parses b, which holds exactly one <Event> element starting at stream
// offset base.
func (p *parser) parse(b []byte, base int64) (*event.Event, error) {
	p.reset(b, base)
	k, err := p.next()
	if err != nil {
		return nil, err
	}
	if k != tokStart || !bytes.Equal(localName(p.name), []byte("Event")) {
		return nil, syntaxErrorf(base, "want <Event>")
	}
	p.saveNS()
	hasSystem := false
	err = p.children("<Event>", func() error {
		switch string(localName(p.name)) {
		case "System":
			hasSystem = true
			return p.system()
		case "EventData":
			return p.eventData()
		case "UserData":
			return p.userData()
		case "RenderingInfo":
			return p.rendering()
		}
		// ProcessingErrorData, DebugData, BinaryEventData and unknown
		// extensions have no place in event.Event.
		return p.skip()
	})
	if err != nil {
		return nil, err
	}
	if p.i < len(p.b) {
		// The framer and this parser read tags alike, so only a malformed
		// end tag the framer balanced differently leaves bytes here.
		return nil, syntaxErrorf(p.off(p.i), "content after </%s>", clip(p.name, 64))
	}
	if !hasSystem {
		return nil, syntaxErrorf(base, "<Event> has no <System>")
	}
	return p.finish(), nil
}

func (p *parser) reset(b []byte, base int64) {
	p.b, p.i, p.base, p.tokOff = b, 0, base, 0
	p.stack = p.stack[:0]
	p.arena = p.arena[:0]
	p.ns = p.ns[:0]
	p.fields = p.fields[:0]
	p.keywords = p.keywords[:0]
	p.sys = event.System{}
	p.sysRefs = [8]ref{}
	p.section = event.SectionNone
	p.udName, p.udNS, p.hasUD = ref{}, ref{}, false
	p.binary = ref{}
	p.rend = false
	p.rendRefs = [7]ref{}
	p.nFields = 0
	// Keep reused buffers from pinning a huge event's memory.
	if cap(p.arena) > 1<<20 {
		p.arena = nil
	}
	if cap(p.scratch) > 1<<20 {
		p.scratch = nil
	}
}

// finish builds the event from what was collected.
func (p *parser) finish() *event.Event {
	s := string(p.arena)
	res := func(r ref) string {
		if r.a < 0 {
			return r.s
		}
		return s[r.a:r.b]
	}
	ev := &event.Event{System: p.sys, Section: p.section}
	sys := &ev.System
	sys.Provider = res(p.sysRefs[sysProvider])
	sys.ProviderGUID = res(p.sysRefs[sysGUID])
	sys.EventSource = res(p.sysRefs[sysSource])
	sys.ActivityID = res(p.sysRefs[sysActivity])
	sys.RelatedActivityID = res(p.sysRefs[sysRelated])
	sys.Channel = res(p.sysRefs[sysChannel])
	sys.Computer = res(p.sysRefs[sysComputer])
	sys.UserID = res(p.sysRefs[sysUserID])
	ev.UserDataName = res(p.udName)
	ev.UserDataNS = res(p.udNS)
	ev.Binary = res(p.binary)
	if len(p.fields) > 0 {
		ev.Data = make([]event.Field, len(p.fields))
		for i, f := range p.fields {
			ev.Data[i] = event.Field{Name: res(f.name), Value: res(f.value)}
		}
	}
	if p.rend {
		r := &event.Rendering{
			Culture:  res(p.rendRefs[rendCulture]),
			Message:  res(p.rendRefs[rendMessage]),
			Level:    res(p.rendRefs[rendLevel]),
			Task:     res(p.rendRefs[rendTask]),
			Opcode:   res(p.rendRefs[rendOpcode]),
			Channel:  res(p.rendRefs[rendChannel]),
			Provider: res(p.rendRefs[rendProvider]),
		}
		if len(p.keywords) > 0 {
			r.Keywords = make([]string, len(p.keywords))
			for i, k := range p.keywords {
				r.Keywords[i] = res(k)
			}
		}
		ev.Rendering = r
	}
	return ev
}

// children calls child for each child element of the element whose start
// tag was just read (what names it, for errors), with the child's start tag
// current; child must consume the child element. Text between children is
// ignored.
func (p *parser) children(what string, child func() error) error {
	if p.selfClose {
		return nil
	}
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		switch k {
		case tokEOF:
			return p.truncated(what)
		case tokEnd:
			return nil
		case tokStart:
			if err := child(); err != nil {
				return err
			}
		}
	}
}

// skip consumes the rest of the element whose start tag was just read.
func (p *parser) skip() error {
	if p.selfClose {
		return nil
	}
	return p.skipRest(len(p.stack))
}

// skipRest consumes tokens until the element at stack depth d is closed.
func (p *parser) skipRest(d int) error {
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		switch {
		case k == tokEOF:
			return p.truncated("element")
		case k == tokEnd && len(p.stack) < d:
			return nil
		}
	}
}

// textOf appends the text content of the element whose start tag was just
// read (elem names it, for errors) to the arena and returns where it starts.
// Text and CDATA pieces are concatenated with references resolved; comments
// are dropped. An element that holds child elements where text was expected
// (evtxexport prints some XML-looking string values unescaped) gets its raw
// inner XML, verbatim, as its value.
func (p *parser) textOf(elem []byte) (int, error) {
	a := len(p.arena)
	if p.selfClose {
		return a, nil
	}
	d := len(p.stack)
	contentStart := p.i
	elemOff := p.tokOff
	for {
		k, err := p.next()
		if err != nil {
			return a, err
		}
		switch k {
		case tokEOF:
			return a, p.truncated("element")
		case tokEnd:
			return a, nil
		case tokStart:
			if err := p.skip(); err != nil {
				return a, err
			}
			if err := p.skipRest(d); err != nil {
				return a, err
			}
			p.arena = append(p.arena[:a], p.b[contentStart:p.tokOff]...)
			return a, p.valueLimit(a, elem, elemOff)
		}
		if err := p.appendContent(k); err != nil {
			return a, err
		}
		if err := p.valueLimit(a, elem, elemOff); err != nil {
			return a, err
		}
	}
}

// appendContent appends the text of a tokText (references resolved) or
// tokCDATA (verbatim) token to the arena; other tokens add nothing.
func (p *parser) appendContent(k tokKind) error {
	var err error
	switch k {
	case tokText:
		p.arena, err = appendDecoded(p.arena, p.text, p.off(p.tokOff))
	case tokCDATA:
		p.arena = append(p.arena, p.text...)
	}
	return err
}

// valueLimit refuses arena[a:], the text of elem (whose start tag is at
// elemOff), once it is longer than MaxValueBytes.
func (p *parser) valueLimit(a int, elem []byte, elemOff int) error {
	if len(p.arena)-a <= p.opts.MaxValueBytes {
		return nil
	}
	return &LimitError{Limit: "MaxValueBytes", Max: p.opts.MaxValueBytes,
		What: "text of " + elemDesc(elem), Offset: p.off(elemOff)}
}

// keepText turns arena[a:] into a ref, sharing it through the interner when
// it is short (and then dropping it from the arena).
func (p *parser) keepText(a int) ref {
	if s, ok := p.in.lookup(p.arena[a:]); ok {
		p.arena = p.arena[:a]
		return ref{s: s, a: -1}
	}
	return ref{a: a, b: len(p.arena)}
}

// keepValue turns arena[a:] into a ref without interning: for values that
// rarely repeat.
func (p *parser) keepValue(a int) ref { return ref{a: a, b: len(p.arena)} }

// str makes a ref of b (not in the arena), sharing it when possible.
func (p *parser) str(b []byte) ref {
	if s, ok := p.in.lookup(b); ok {
		return ref{s: s, a: -1}
	}
	a := len(p.arena)
	p.arena = append(p.arena, b...)
	return ref{a: a, b: len(p.arena)}
}

// attrValue returns the decoded value of the named attribute (exact name, as
// written) of the current start tag, and whether it is there. The bytes are
// valid until the next call.
func (p *parser) attrValue(name string) ([]byte, bool, error) {
	for _, at := range p.attrs {
		if string(at.name) == name {
			v, err := p.decodeAttr(at)
			return v, true, err
		}
	}
	return nil, false, nil
}

// decodeAttr resolves the references in an attribute value.
func (p *parser) decodeAttr(at attr) ([]byte, error) {
	if bytes.IndexByte(at.raw, '&') < 0 {
		return at.raw, nil
	}
	var err error
	p.scratch, err = appendDecoded(p.scratch[:0], at.raw, p.off(at.off))
	return p.scratch, err
}

// attrRef returns the named attribute as a shared ref ("" when absent).
func (p *parser) attrRef(name string) (ref, error) {
	v, ok, err := p.attrValue(name)
	if err != nil || !ok {
		return ref{}, err
	}
	return p.str(v), nil
}

// addField appends a payload field, enforcing MaxFields; at is the index
// of the element the field comes from, for errors.
func (p *parser) addField(name, value ref, at int) error {
	if err := p.countField(at); err != nil {
		return err
	}
	p.fields = append(p.fields, fieldRef{name: name, value: value})
	return nil
}

func (p *parser) countField(at int) error {
	if p.nFields >= p.opts.MaxFields {
		return &LimitError{Limit: "MaxFields", Max: p.opts.MaxFields, What: "payload fields", Offset: p.off(at)}
	}
	p.nFields++
	return nil
}

// saveNS remembers the namespace declarations of the current start tag, for
// resolving the UserData wrapper's namespace.
func (p *parser) saveNS() {
	for _, at := range p.attrs {
		if isXMLNS(at.name) {
			p.ns = append(p.ns, at)
		}
	}
}

// isXMLNS reports whether an attribute name declares a namespace.
func isXMLNS(name []byte) bool {
	return string(name) == "xmlns" || bytes.HasPrefix(name, []byte("xmlns:"))
}
