package event

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const eventNamespace = "http://schemas.microsoft.com/win/2004/08/events/event"

// AppendXML appends the event as Windows renders it (wevtutil /f:xml), on one
// line. Empty optional attributes are omitted as Windows omits them.
func (e *Event) AppendXML(dst []byte) []byte {
	s := &e.System
	dst = append(dst, `<Event xmlns="`+eventNamespace+`"><System><Provider Name="`...)
	dst = appendXMLText(dst, s.Provider)
	dst = append(dst, '"')
	dst = appendXMLAttr(dst, "Guid", s.ProviderGUID)
	dst = appendXMLAttr(dst, "EventSourceName", s.EventSource)
	dst = append(dst, "/><EventID"...)
	if s.HasQualifiers {
		dst = append(dst, ` Qualifiers="`...)
		dst = strconv.AppendUint(dst, uint64(s.Qualifiers), 10)
		dst = append(dst, '"')
	}
	dst = append(dst, '>')
	dst = strconv.AppendUint(dst, uint64(s.EventID), 10)
	dst = append(dst, "</EventID><Version>"...)
	dst = strconv.AppendUint(dst, uint64(s.Version), 10)
	dst = append(dst, "</Version><Level>"...)
	dst = strconv.AppendUint(dst, uint64(s.Level), 10)
	dst = append(dst, "</Level><Task>"...)
	dst = strconv.AppendUint(dst, uint64(s.Task), 10)
	dst = append(dst, "</Task><Opcode>"...)
	dst = strconv.AppendUint(dst, uint64(s.Opcode), 10)
	dst = append(dst, "</Opcode><Keywords>0x"...)
	dst = strconv.AppendUint(dst, s.Keywords, 16)
	dst = append(dst, `</Keywords><TimeCreated SystemTime="`...)
	dst = s.TimeCreated.UTC().AppendFormat(dst, TimeLayout)
	dst = append(dst, `"/><EventRecordID>`...)
	dst = strconv.AppendUint(dst, s.EventRecordID, 10)
	dst = append(dst, "</EventRecordID><Correlation"...)
	dst = appendXMLAttr(dst, "ActivityID", s.ActivityID)
	dst = appendXMLAttr(dst, "RelatedActivityID", s.RelatedActivityID)
	dst = append(dst, `/><Execution ProcessID="`...)
	dst = strconv.AppendUint(dst, uint64(s.ProcessID), 10)
	dst = append(dst, `" ThreadID="`...)
	dst = strconv.AppendUint(dst, uint64(s.ThreadID), 10)
	dst = append(dst, `"/><Channel>`...)
	dst = appendXMLText(dst, s.Channel)
	dst = append(dst, "</Channel><Computer>"...)
	dst = appendXMLText(dst, s.Computer)
	dst = append(dst, "</Computer><Security"...)
	dst = appendXMLAttr(dst, "UserID", s.UserID)
	dst = append(dst, "/></System>"...)
	switch e.Section {
	case SectionEventData:
		dst = append(dst, "<EventData>"...)
		for _, f := range e.Data {
			if f.Name == "" {
				dst = append(dst, "<Data>"...)
			} else {
				dst = append(dst, `<Data Name="`...)
				dst = appendXMLText(dst, f.Name)
				dst = append(dst, `">`...)
			}
			dst = appendXMLText(dst, f.Value)
			dst = append(dst, "</Data>"...)
		}
		if e.Binary != "" {
			dst = append(dst, "<Binary>"...)
			dst = appendXMLText(dst, e.Binary)
			dst = append(dst, "</Binary>"...)
		}
		dst = append(dst, "</EventData>"...)
	case SectionUserData:
		dst = append(dst, "<UserData><"...)
		dst = append(dst, e.UserDataName...)
		dst = appendXMLAttr(dst, "xmlns", e.UserDataNS)
		w := userDataWriter{dst: dst, open: []string{e.UserDataName}, tag: true}
		for _, f := range e.Data {
			w.field(f.Name, f.Value)
		}
		w.closeTo(0)
		dst = append(w.dst, "</UserData>"...)
	}
	if r := e.Rendering; r != nil {
		dst = append(dst, `<RenderingInfo Culture="`...)
		dst = appendXMLText(dst, r.Culture)
		dst = append(dst, `">`...)
		for _, el := range [...]struct{ name, v string }{{"Message", r.Message}, {"Level", r.Level},
			{"Task", r.Task}, {"Opcode", r.Opcode}, {"Channel", r.Channel}, {"Provider", r.Provider}} {
			dst = appendElement(dst, el.name, el.v)
		}
		if len(r.Keywords) > 0 {
			dst = append(dst, "<Keywords>"...)
			for _, k := range r.Keywords {
				dst = appendElement(dst, "Keyword", k)
			}
			dst = append(dst, "</Keywords>"...)
		}
		dst = append(dst, "</RenderingInfo>"...)
	}
	return append(dst, "</Event>"...)
}

// userDataWriter turns UserData fields (paths below the wrapper, see Field)
// back into the elements they were flattened from, in order: fields that
// share a parent path share its element, and a "@name" step is an attribute
// of its element, so the output is XML that flattens to the same fields.
type userDataWriter struct {
	dst   []byte
	open  []string // open elements, the wrapper first
	tag   bool     // the innermost start tag still takes attributes
	text  bool     // the innermost element has had text since its last child
	attrs []string // attributes on that start tag
}

func (w *userDataWriter) field(name, v string) {
	var elems []string
	attr := ""
	if name != "" {
		elems = strings.Split(name, "/")
		if last := elems[len(elems)-1]; strings.HasPrefix(last, "@") {
			attr, elems = last[1:], elems[:len(elems)-1]
		}
	}
	k := 1 // open[:k] is the common path
	for k < len(w.open) && k <= len(elems) && w.open[k] == elems[k-1] {
		k++
	}
	w.closeTo(k)
	if len(w.open) == len(elems)+1 {
		// The field's own element is the innermost one: a second text, or an
		// attribute after its content, starts a repeated element.
		again := attr == "" && w.text || attr != "" && (!w.tag || slices.Contains(w.attrs, attr))
		switch {
		case !again:
		case len(w.open) > 1:
			w.closeTo(len(w.open) - 1)
		case attr != "":
			// The wrapper's start tag is written: keep the value as a child.
			elems, attr = append(elems, attr), ""
		}
	}
	for _, el := range elems[len(w.open)-1:] {
		w.endStartTag()
		w.dst = append(w.dst, '<')
		w.dst = append(w.dst, el...)
		w.open = append(w.open, el)
		w.tag, w.text, w.attrs = true, false, w.attrs[:0]
	}
	if attr != "" {
		w.dst = appendXMLAttrAlways(w.dst, attr, v)
		w.attrs = append(w.attrs, attr)
		return
	}
	w.endStartTag()
	w.dst = appendXMLText(w.dst, v)
	w.text = true
}

// endStartTag ends the innermost start tag if it still takes attributes.
func (w *userDataWriter) endStartTag() {
	if w.tag {
		w.dst = append(w.dst, '>')
		w.tag = false
	}
}

// closeTo closes the open elements past the first n.
func (w *userDataWriter) closeTo(n int) {
	for len(w.open) > n {
		w.endStartTag()
		w.dst = append(w.dst, "</"...)
		w.dst = append(w.dst, w.open[len(w.open)-1]...)
		w.dst = append(w.dst, '>')
		w.open = w.open[:len(w.open)-1]
		w.text = false
	}
}

func appendElement(dst []byte, name, v string) []byte {
	dst = append(dst, '<')
	dst = append(dst, name...)
	dst = append(dst, '>')
	dst = appendXMLText(dst, v)
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>')
}

func appendXMLAttr(dst []byte, name, v string) []byte {
	if v == "" {
		return dst
	}
	return appendXMLAttrAlways(dst, name, v)
}

func appendXMLAttrAlways(dst []byte, name, v string) []byte {
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, '=', '"')
	dst = appendXMLText(dst, v)
	return append(dst, '"')
}

// appendXMLText escapes markup characters. Control characters that XML 1.0
// cannot carry, even as character references, become U+FFFD, as does
// invalid UTF-8, so the output always parses.
func appendXMLText(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '<':
				dst = append(dst, "&lt;"...)
			case c == '>':
				dst = append(dst, "&gt;"...)
			case c == '&':
				dst = append(dst, "&amp;"...)
			case c == '"':
				dst = append(dst, "&quot;"...)
			case c == '\t' || c == '\n':
				dst = append(dst, c)
			case c == '\r':
				dst = append(dst, "&#13;"...)
			case c < 0x20:
				dst = append(dst, "\uFFFD"...)
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
