package evtx

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// appendUTF16 appends the UTF-8 form of the UTF-16LE text in b, stopping at
// the first NUL (Windows stores many strings NUL-terminated inside their
// declared size). Unpaired surrogates become U+FFFD.
//
// Most event text is ASCII, so the loop first copies runs of four ASCII
// code units at a time and only falls back to full decoding when it meets
// a non-ASCII unit.
func appendUTF16(dst []byte, b []byte) []byte {
	n := len(b) &^ 1
	i := 0
	for i < n {
		// Fast path: 4 units, all in 0x01..0x7f.
		for i+8 <= n {
			v := binary.LittleEndian.Uint64(b[i:])
			if v&0xff80ff80ff80ff80 != 0 {
				break
			}
			c0, c1, c2, c3 := byte(v), byte(v>>16), byte(v>>32), byte(v>>48)
			if c0 == 0 || c1 == 0 || c2 == 0 || c3 == 0 {
				break
			}
			dst = append(dst, c0, c1, c2, c3)
			i += 8
		}
		if i >= n {
			break
		}
		u := uint16(b[i]) | uint16(b[i+1])<<8
		i += 2
		switch {
		case u == 0:
			return dst
		case u < 0x80:
			dst = append(dst, byte(u))
		case u < 0xd800 || u >= 0xe000:
			dst = utf8.AppendRune(dst, rune(u))
		case u < 0xdc00 && i+1 < n:
			u2 := uint16(b[i]) | uint16(b[i+1])<<8
			if u2 >= 0xdc00 && u2 < 0xe000 {
				dst = utf8.AppendRune(dst, utf16.DecodeRune(rune(u), rune(u2)))
				i += 2
			} else {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			}
		default:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
	}
	return dst
}
