package event

import (
	"strconv"
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
		dst = append(dst, '>')
		for _, f := range e.Data {
			dst = appendNested(dst, f.Name, f.Value)
		}
		dst = append(dst, "</"...)
		dst = append(dst, e.UserDataName...)
		dst = append(dst, "></UserData>"...)
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

// appendNested writes a UserData field whose name may be a "/" path.
func appendNested(dst []byte, path, v string) []byte {
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			dst = append(dst, '<')
			dst = append(dst, path[:i]...)
			dst = append(dst, '>')
			dst = appendNested(dst, path[i+1:], v)
			dst = append(dst, "</"...)
			dst = append(dst, path[:i]...)
			return append(dst, '>')
		}
	}
	return appendElement(dst, path, v)
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
