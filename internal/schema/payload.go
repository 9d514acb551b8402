package schema

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"wsec/internal/event"
)

const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// EventDataXML renders the event's payload as Sentinel's EventData column
// holds it: the EventData (or UserData) element as Windows renders it.
func EventDataXML(e *event.Event) string {
	var b strings.Builder
	switch e.Section {
	case event.SectionUserData:
		b.WriteString(`<UserData xmlns="` + eventNS + `"><`)
		b.WriteString(e.UserDataName)
		if e.UserDataNS != "" {
			b.WriteString(` xmlns="`)
			writeXMLEscaped(&b, e.UserDataNS)
			b.WriteByte('"')
		}
		b.WriteByte('>')
		for _, f := range e.Data {
			b.WriteByte('<')
			b.WriteString(f.Name)
			b.WriteByte('>')
			writeXMLEscaped(&b, f.Value)
			b.WriteString("</")
			b.WriteString(f.Name)
			b.WriteByte('>')
		}
		b.WriteString("</")
		b.WriteString(e.UserDataName)
		b.WriteString("></UserData>")
	default:
		b.WriteString(`<EventData xmlns="` + eventNS + `">`)
		for _, f := range e.Data {
			if f.Name == "" {
				b.WriteString("<Data>")
			} else {
				b.WriteString(`<Data Name="`)
				writeXMLEscaped(&b, f.Name)
				b.WriteString(`">`)
			}
			writeXMLEscaped(&b, f.Value)
			b.WriteString("</Data>")
		}
		if e.Binary != "" {
			b.WriteString("<Binary>")
			b.WriteString(e.Binary)
			b.WriteString("</Binary>")
		}
		b.WriteString("</EventData>")
	}
	return b.String()
}

// DataJSON renders the payload as a JSON object, name → value, in document
// order; unnamed values are keyed "Data" then "Data_1", "Data_2", ... as
// Sentinel's WindowsEvent.Data does; a repeated name gets the same suffixes.
func DataJSON(e *event.Event) string {
	var b strings.Builder
	b.WriteByte('{')
	seen := map[string]int{}
	for i, f := range e.Data {
		if i > 0 {
			b.WriteByte(',')
		}
		name := f.Name
		if name == "" {
			name = "Data"
		}
		if n, dup := seen[name]; dup {
			seen[name] = n + 1
			name += "_" + strconv.Itoa(n+1)
		} else {
			seen[name] = 0
		}
		writeJSONString(&b, name)
		b.WriteByte(':')
		writeJSONString(&b, f.Value)
	}
	if e.Binary != "" {
		if len(e.Data) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"Binary":`)
		writeJSONString(&b, e.Binary)
	}
	b.WriteByte('}')
	return b.String()
}

func writeXMLEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(c)
		}
	}
}

const hexDigits = "0123456789abcdef"

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
