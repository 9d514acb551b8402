package eventxml

import (
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// encoding is the input encoding, decided from the first bytes.
type encoding uint8

const (
	encUTF8 encoding = iota
	encUTF16LE
	encUTF16BE
)

// sniffEncoding looks at the first bytes of the input and returns its
// encoding and the length of its byte order mark. Windows tools write UTF-8
// (wevtutil, Get-WinEvent piped to a file in PowerShell 7) or UTF-16LE with a
// BOM (Windows PowerShell's ">" and Out-File). UTF-16 without a BOM is
// recognised by the zero byte beside the first ASCII character, since every
// event document starts with '<' or whitespace.
func sniffEncoding(b []byte) (encoding, int) {
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return encUTF8, 3
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return encUTF16LE, 2
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return encUTF16BE, 2
	case len(b) >= 2 && b[0] != 0 && b[0] < utf8.RuneSelf && b[1] == 0:
		return encUTF16LE, 0
	case len(b) >= 2 && b[0] == 0 && b[1] != 0 && b[1] < utf8.RuneSelf:
		return encUTF16BE, 0
	}
	return encUTF8, 0
}

// utf16Reader transcodes UTF-16 to UTF-8 as it reads. Unpaired surrogates
// and a final odd byte become U+FFFD, as no Windows string can be repaired
// any better.
type utf16Reader struct {
	src    io.Reader
	be     bool
	in     []byte // raw bytes read, in[:n] valid
	n      int
	out    []byte // transcoded bytes not yet returned, a tail of buf
	buf    []byte // backing array of out, reused
	high   uint16 // pending high surrogate, 0 if none
	srcErr error
}

func newUTF16Reader(src io.Reader, be bool) *utf16Reader {
	return &utf16Reader{src: src, be: be, in: make([]byte, readChunkBytes)}
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.srcErr != nil {
			return 0, u.srcErr
		}
		m, err := u.src.Read(u.in[u.n:])
		if m == 0 && err == nil {
			return 0, nil // let the caller decide when a source makes no progress
		}
		u.n += m
		if err != nil {
			u.srcErr = err
		}
		u.transcode(err != nil)
	}
	c := copy(p, u.out)
	u.out = u.out[c:]
	return c, nil
}

// transcode converts the complete code units in u.in[:u.n]; at the end of
// the input (final) it flushes a pending surrogate and an odd byte.
func (u *utf16Reader) transcode(final bool) {
	out := u.buf[:0]
	i := 0
	for ; i+1 < u.n; i += 2 {
		var c uint16
		if u.be {
			c = uint16(u.in[i])<<8 | uint16(u.in[i+1])
		} else {
			c = uint16(u.in[i+1])<<8 | uint16(u.in[i])
		}
		switch {
		case utf16.IsSurrogate(rune(c)) && c < 0xDC00: // high surrogate
			if u.high != 0 {
				out = utf8.AppendRune(out, utf8.RuneError)
			}
			u.high = c
		case utf16.IsSurrogate(rune(c)): // low surrogate
			if u.high != 0 {
				out = utf8.AppendRune(out, utf16.DecodeRune(rune(u.high), rune(c)))
				u.high = 0
			} else {
				out = utf8.AppendRune(out, utf8.RuneError)
			}
		default:
			if u.high != 0 {
				out = utf8.AppendRune(out, utf8.RuneError)
				u.high = 0
			}
			if c < utf8.RuneSelf {
				out = append(out, byte(c))
			} else {
				out = utf8.AppendRune(out, rune(c))
			}
		}
	}
	rest := copy(u.in, u.in[i:u.n])
	u.n = rest
	if final {
		if u.high != 0 {
			out = utf8.AppendRune(out, utf8.RuneError)
			u.high = 0
		}
		if u.n > 0 {
			out = utf8.AppendRune(out, utf8.RuneError)
			u.n = 0
		}
	}
	u.buf = out
	u.out = out
}
