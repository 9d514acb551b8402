package eventxml

import (
	"bytes"
	"unicode/utf8"
)

// maxRefLen bounds how far past '&' the ';' of a reference may be: the
// longest legal one is "&#x0010FFFF;" with a few leading zeros allowed.
const maxRefLen = 16

// appendDecoded appends raw text with its references resolved to dst. Only
// the five predefined entities (&lt; &gt; &amp; &quot; &apos;) and decimal or
// hex character references are known; anything else is an error, because
// without a DTD (which the reader refuses) no other entity can be defined.
// off is the stream offset of raw[0], for error messages.
func appendDecoded(dst, raw []byte, off int64) ([]byte, error) {
	for {
		i := bytes.IndexByte(raw, '&')
		if i < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		off += int64(i)
		end := bytes.IndexByte(raw[:min(len(raw), maxRefLen)], ';')
		if end < 0 {
			return dst, syntaxErrorf(off, "unterminated or overlong reference %q", clip(raw, maxRefLen))
		}
		ref := raw[1:end]
		switch string(ref) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				if len(ref) > 0 && ref[0] == '#' {
					return dst, syntaxErrorf(off, "invalid character reference &%s;", ref)
				}
				return dst, syntaxErrorf(off, "undefined entity &%s; (only &lt; &gt; &amp; &quot; &apos; and character references are accepted)", ref)
			}
			dst = utf8.AppendRune(dst, r)
		}
		raw = raw[end+1:]
		off += int64(end + 1)
	}
}

// charRef decodes "#123" or "#x7B". It accepts every Unicode scalar value but
// NUL: Windows strings do carry control characters that XML 1.0 forbids, and
// refusing them would lose real events; NUL would end the string in Windows
// and surrogates are not characters.
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digs, base := ref[1:], rune(10)
	if digs[0] == 'x' {
		digs, base = digs[1:], 16
	}
	if len(digs) == 0 {
		return 0, false
	}
	var r rune
	for _, c := range digs {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*base + d
		if r > utf8.MaxRune {
			return 0, false
		}
	}
	if r == 0 || !utf8.ValidRune(r) {
		return 0, false
	}
	return r, true
}

// clip returns at most n bytes of b for an error message.
func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
