package schema

import (
	"strings"
	"unsafe"

	"wsec/internal/event"
)

const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// The text of Sentinel's EventData column, as seen in its exports: the
// element serialised on its own (so it declares the event namespace), two
// spaces of indent per level, CRLF between elements, empty elements written
// `<Data Name="X" />`.
const (
	edOpen   = `<EventData xmlns="` + eventNS + `">`
	edEmpty  = `<EventData xmlns="` + eventNS + `" />`
	edClose  = "\r\n</EventData>"
	udOpen   = `<UserData xmlns="` + eventNS + `">`
	udEmpty  = `<UserData xmlns="` + eventNS + `" />`
	udClose  = "\r\n</UserData>"
	newLine  = "\r\n"
	indent1  = "\r\n  "
	spaces   = "                                        " // 2 per level
	dataName = `<Data Name="`

	// dataOverhead is what a named <Data> element adds to its name and value:
	// indent1 + `<Data Name="` + `">` + `</Data>`.
	dataOverhead = len(indent1) + len(dataName) + len(`">`) + len("</Data>")
	// escapeSlack is room for escapes growing the text, so that typical
	// events are written without a reallocation.
	escapeSlack = 64
)

// EventDataXML renders the event's payload as Sentinel's SecurityEvent
// EventData column holds it: the EventData (or UserData) element serialised
// on its own, indented with CRLF and two spaces. It returns "" for an event
// with neither section.
//
// Known limits of the round trip: UserData fields named by a path ("a/b") are
// nested again under one element per run of equal prefixes, so repeated
// parent elements merge; attributes inside UserData are not in the event
// model and are not written.
func EventDataXML(e *event.Event) string {
	if !hasPayload(e) {
		return ""
	}
	b := appendEventDataXML(make([]byte, 0, eventDataXMLSizeHint(e)), e)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// hasPayload reports whether the event has an EventData or UserData element.
func hasPayload(e *event.Event) bool {
	return e.Section != event.SectionNone || len(e.Data) > 0 || e.Binary != ""
}

// eventDataXMLSizeHint is the length of EventDataXML when nothing needs
// escaping, plus slack: the capacity to allocate.
func eventDataXMLSizeHint(e *event.Event) int {
	if !hasPayload(e) {
		return 0
	}
	n := len(udOpen) + len(edClose) + escapeSlack
	if e.Section == event.SectionUserData {
		n += 2*len(e.UserDataName) + len(e.UserDataNS) + 32
		for i := range e.Data {
			n += 2*len(e.Data[i].Name) + len(e.Data[i].Value) + 16
		}
		return n
	}
	for i := range e.Data {
		n += dataOverhead + len(e.Data[i].Name) + len(e.Data[i].Value)
	}
	if e.Binary != "" {
		n += len(indent1) + len("<Binary></Binary>") + len(e.Binary)
	}
	return n
}

// appendEventDataXML appends what EventDataXML returns.
func appendEventDataXML(b []byte, e *event.Event) []byte {
	if !hasPayload(e) {
		return b
	}
	if e.Section == event.SectionUserData {
		return appendUserDataXML(b, e)
	}
	if len(e.Data) == 0 && e.Binary == "" {
		return append(b, edEmpty...)
	}
	b = append(b, edOpen...)
	for i := range e.Data {
		f := &e.Data[i]
		if f.Name == "" {
			b = append(b, indent1+"<Data"...)
		} else {
			b = append(b, indent1+dataName...)
			b = appendXMLAttr(b, f.Name)
			b = append(b, '"')
		}
		if f.Value == "" {
			b = append(b, " />"...)
			continue
		}
		b = append(b, '>')
		b = appendXMLText(b, f.Value)
		b = append(b, "</Data>"...)
	}
	if e.Binary != "" {
		b = append(b, indent1+"<Binary>"...)
		b = appendXMLText(b, e.Binary)
		b = append(b, "</Binary>"...)
	}
	return append(b, edClose...)
}

// appendIndent appends a new line and the indent of depth d.
func appendIndent(b []byte, d int) []byte {
	b = append(b, newLine...)
	return append(b, spaces[:min(2*d, len(spaces))]...)
}

// appendUserDataXML appends the UserData element: the wrapper element with
// its own namespace at depth 1, its fields below it.
func appendUserDataXML(b []byte, e *event.Event) []byte {
	if e.UserDataName == "" && len(e.Data) == 0 {
		return append(b, udEmpty...)
	}
	b = append(b, udOpen...)
	base := 1
	if e.UserDataName != "" {
		b = appendIndent(b, 1)
		b = append(b, '<')
		b = appendXMLName(b, e.UserDataName)
		if e.UserDataNS != "" {
			b = append(b, ` xmlns="`...)
			b = appendXMLAttr(b, e.UserDataNS)
			b = append(b, '"')
		}
		if len(e.Data) == 0 {
			b = append(b, " />"...)
			return append(b, udClose...)
		}
		b = append(b, '>')
		base = 2
	}
	b = appendUserDataFields(b, e.Data, base)
	if e.UserDataName != "" {
		b = appendIndent(b, 1)
		b = append(b, "</"...)
		b = appendXMLName(b, e.UserDataName)
		b = append(b, '>')
	}
	return append(b, udClose...)
}

// appendUserDataFields appends fields whose names may be paths below the
// wrapper, opening one element per run of equal path prefixes.
func appendUserDataFields(b []byte, fields []event.Field, base int) []byte {
	var open [maxUserDataDepth]string
	nOpen := 0
	closeTo := func(b []byte, keep int) []byte {
		for d := nOpen - 1; d >= keep; d-- {
			b = appendIndent(b, base+d)
			b = append(b, "</"...)
			b = appendXMLName(b, open[d])
			b = append(b, '>')
		}
		nOpen = min(nOpen, keep)
		return b
	}
	for i := range fields {
		f := &fields[i]
		var parents [maxUserDataDepth]string
		nParents := 0
		leaf := f.Name
		for nParents < maxUserDataDepth-1 {
			p, rest, ok := strings.Cut(leaf, "/")
			if !ok {
				break
			}
			parents[nParents] = p
			nParents++
			leaf = rest
		}
		common := 0
		for common < nOpen && common < nParents && open[common] == parents[common] {
			common++
		}
		b = closeTo(b, common)
		for d := common; d < nParents; d++ {
			b = appendIndent(b, base+d)
			b = append(b, '<')
			b = appendXMLName(b, parents[d])
			b = append(b, '>')
			open[d] = parents[d]
		}
		nOpen = nParents
		if leaf == "" {
			leaf = "Data"
		}
		b = appendIndent(b, base+nParents)
		b = append(b, '<')
		b = appendXMLName(b, leaf)
		if f.Value == "" {
			b = append(b, " />"...)
			continue
		}
		b = append(b, '>')
		b = appendXMLText(b, f.Value)
		b = append(b, "</"...)
		b = appendXMLName(b, leaf)
		b = append(b, '>')
	}
	return closeTo(b, 0)
}

// eventDataMarkup is every text EventDataXML writes of its own, lower
// cased: element and attribute markup, the namespace, the default UserData
// element name, and what escaping writes in place of a character.
var eventDataMarkup = func() []string {
	out := []string{edOpen, edEmpty, edClose, udOpen, udEmpty, udClose, indent1 + dataName, indent1 + "<Data",
		`">`, " />", "</Data>", indent1 + "<Binary>", "</Binary>", ` xmlns="`, "Data",
		"&amp;", "&lt;", "&gt;", "&quot;", "&#x9;", "&#xA;", "&#xD;", "\r\n", replacementChar}
	for i, s := range out {
		out[i] = strings.ToLower(s)
	}
	return out
}()

// EventDataPieceTerm reports whether term (lower case) can occur in the
// lower-cased text of EventDataXML only inside one of the event's own
// strings as they are, before escaping: a field's value or name, the
// Binary, the UserData element's name or namespace. Then a row's
// EventData contains term only if one of those contains it, which a store
// keeping them apart can test without rendering (store/duckdb).
//
// It is true when term has none of the characters the markup writes next
// to those strings (< > " / and space) or that escaping and new-line
// normalisation put in them or take out (& ; CR LF tab _ and U+FFFD: an
// occurrence that overlapped a rewritten character would contain one, or
// lie inside an entity such as "amp"), and occurs in none of the markup
// (EventData, Name, the namespace, the entities). An occurrence that is
// not inside one string would have to contain the markup character next
// to it. Lower casing is per character, so it commutes with all of this.
func EventDataPieceTerm(term string) bool {
	if term == "" || strings.ContainsAny(term, "<>\"/ &;\r\n\t_"+replacementChar) {
		return false
	}
	for _, m := range eventDataMarkup {
		if strings.Contains(m, term) {
			return false
		}
	}
	return true
}
