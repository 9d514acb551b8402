package schema

import "unicode/utf8"

// The escaping below follows .NET's XmlWriter with default settings (indent,
// NewLineHandling.Replace, CRLF new lines), which is what produced the
// EventData text of Sentinel's SecurityEvent rows:
//
//   - element text: & < > are escaped, '"' and tabs are kept, every new line
//     (CRLF, LF, lone CR) becomes CRLF;
//   - attribute values: & < > " are escaped and tab, LF and CR become
//     character references, so the value survives attribute normalisation.
//
// Characters XML 1.0 cannot carry (controls other than tab/LF/CR, U+FFFE,
// U+FFFF) and invalid UTF-8 become U+FFFD: the text stays parseable by every
// XML reader (KQL parse_xml included). The raw value is still in its own
// column when the field has one.
//
// The writers append to a byte slice; the mapper sizes that slice once per
// row from the unescaped lengths, so escaping that grows the text (rare in
// Security events) costs at most one reallocation.

const replacementChar = "\uFFFD"

// Bit c of textSpecial (c < 64) is set when ASCII byte c needs more than a
// copy in element text; attrSpecial likewise for attribute values. Bytes
// 64..127 never do.
const (
	ctlBits     = 1<<32 - 1 - 1<<'\t' // controls except tab
	textSpecial = ctlBits | 1<<'&' | 1<<'<' | 1<<'>'
	attrSpecial = 1<<32 - 1 | 1<<'&' | 1<<'<' | 1<<'>' | 1<<'"'
)

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	switch {
	case r == 0x09 || r == 0x0A || r == 0x0D:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}

// nonASCII decodes the rune at s[0]: the bytes it takes from s, and whether
// it must be written as U+FFFD.
func nonASCII(s string) (size int, replace bool) {
	r, size := utf8.DecodeRuneInString(s)
	return size, (r == utf8.RuneError && size == 1) || !isXMLChar(r)
}

// appendXMLText appends s escaped as element text.
func appendXMLText(dst []byte, s string) []byte { return appendXMLEscaped(dst, s, false) }

// appendXMLAttr appends s escaped as a double-quoted attribute value.
func appendXMLAttr(dst []byte, s string) []byte { return appendXMLEscaped(dst, s, true) }

// appendXMLEscaped appends s escaped as an attribute value (attr) or as
// element text. Both share the scan; only '"', tab, LF and CR differ, and
// '"' and tab reach the switch only for attributes (textSpecial has
// neither bit).
func appendXMLEscaped(dst []byte, s string, attr bool) []byte {
	special := uint64(textSpecial)
	if attr {
		special = attrSpecial
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < 64 {
			if special&(1<<c) == 0 {
				i++
				continue
			}
		} else if c < utf8.RuneSelf {
			i++
			continue
		}
		var rep string
		skip := 1
		switch {
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '"':
			rep = "&quot;"
		case c == '\t':
			rep = "&#x9;"
		case c == '\n' && attr:
			rep = "&#xA;"
		case c == '\r' && attr:
			rep = "&#xD;"
		case c == '\n':
			rep = "\r\n"
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i += 2 // already CRLF
				continue
			}
			rep = "\r\n"
		case c < 0x20:
			rep = replacementChar
		default:
			size, replace := nonASCII(s[i:])
			if !replace {
				i += size
				continue
			}
			rep, skip = replacementChar, size
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, rep...)
		i += skip
		start = i
	}
	return append(dst, s[start:]...)
}

// isNameByte reports whether c may stand in an XML element name as wsec
// writes it: ASCII letters, digits, '_', '-', '.', ':' and any byte of a
// multi-byte UTF-8 sequence.
func isNameByte(c byte) bool {
	return c >= utf8.RuneSelf || c == '_' || c == '-' || c == '.' || c == ':' ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// appendXMLName appends an element name, replacing every byte that cannot
// stand in a name with '_'. Names come from decoded XML and are valid; this
// only keeps hand-made events from producing broken markup.
func appendXMLName(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; isNameByte(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '_')
		}
	}
	return dst
}
