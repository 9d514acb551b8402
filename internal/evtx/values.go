package evtx

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Binary XML value types (MS-EVEN6 2.2.14 / wevtapi EVT_VARIANT_TYPE).
const (
	typeNull      = 0x00
	typeString    = 0x01
	typeAnsi      = 0x02
	typeInt8      = 0x03
	typeUint8     = 0x04
	typeInt16     = 0x05
	typeUint16    = 0x06
	typeInt32     = 0x07
	typeUint32    = 0x08
	typeInt64     = 0x09
	typeUint64    = 0x0a
	typeReal32    = 0x0b
	typeReal64    = 0x0c
	typeBool      = 0x0d
	typeBinary    = 0x0e
	typeGUID      = 0x0f
	typeSizeT     = 0x10
	typeFiletime  = 0x11
	typeSystime   = 0x12
	typeSID       = 0x13
	typeHex32     = 0x14
	typeHex64     = 0x15
	typeEvtHandle = 0x20
	typeBinXML    = 0x21
	typeEvtXML    = 0x23
	typeArray     = 0x80
)

// value is one substitution value: its type and its bytes inside the chunk.
// off is the chunk-relative offset of b (binary XML values reference names
// by chunk offset).
type value struct {
	typ uint8
	off int32
	b   []byte
}

// fixedSize is the size of one item of a fixed-size type, 0 for variable
// sized types.
func fixedSize(t uint8) int {
	switch t {
	case typeInt8, typeUint8:
		return 1
	case typeInt16, typeUint16:
		return 2
	case typeInt32, typeUint32, typeReal32, typeBool, typeHex32:
		return 4
	case typeInt64, typeUint64, typeReal64, typeFiletime, typeHex64:
		return 8
	case typeGUID, typeSystime:
		return 16
	}
	return 0
}

// leUint reads up to 8 little-endian bytes, zero-extending short input.
func leUint(b []byte) uint64 {
	if len(b) >= 8 {
		return binary.LittleEndian.Uint64(b)
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func leUintN(b []byte, n int) uint64 {
	if len(b) > n {
		b = b[:n]
	}
	return leUint(b)
}

// appendValue appends the text Windows renders for a scalar value of type
// t (array bit clear) held in b.
func appendValue(dst []byte, t uint8, b []byte) []byte {
	switch t {
	case typeNull, typeEvtHandle, typeEvtXML:
		return dst
	case typeString:
		return appendUTF16(dst, b)
	case typeAnsi:
		return appendANSI(dst, b)
	case typeInt8:
		return strconv.AppendInt(dst, int64(int8(leUintN(b, 1))), 10)
	case typeUint8:
		return strconv.AppendUint(dst, leUintN(b, 1), 10)
	case typeInt16:
		return strconv.AppendInt(dst, int64(int16(leUintN(b, 2))), 10)
	case typeUint16:
		return strconv.AppendUint(dst, leUintN(b, 2), 10)
	case typeInt32:
		return strconv.AppendInt(dst, int64(int32(leUintN(b, 4))), 10)
	case typeUint32:
		return strconv.AppendUint(dst, leUintN(b, 4), 10)
	case typeInt64:
		return strconv.AppendInt(dst, int64(leUintN(b, 8)), 10)
	case typeUint64:
		return strconv.AppendUint(dst, leUintN(b, 8), 10)
	case typeReal32:
		return appendFloat(dst, float64(math.Float32frombits(uint32(leUintN(b, 4)))), 32)
	case typeReal64:
		return appendFloat(dst, math.Float64frombits(leUintN(b, 8)), 64)
	case typeBool:
		if leUintN(b, 4) != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case typeBinary:
		return appendHexUpper(dst, b)
	case typeGUID:
		return appendGUID(dst, b)
	case typeSizeT, typeHex32, typeHex64:
		dst = append(dst, "0x"...)
		return strconv.AppendUint(dst, leUintN(b, 8), 16)
	case typeFiletime:
		return appendFiletime(dst, leUintN(b, 8))
	case typeSystime:
		return appendSystemtime(dst, b)
	case typeSID:
		return appendSID(dst, b)
	}
	// Unknown types render as hex so nothing is silently lost.
	return appendHexUpper(dst, b)
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

const upperHex = "0123456789ABCDEF"

func appendHexUpper(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, upperHex[c>>4], upperHex[c&0xf])
	}
	return dst
}

// appendGUID renders a GUID as Windows does: {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.
// Anything but 16 bytes renders as hex.
func appendGUID(dst []byte, b []byte) []byte {
	if len(b) != 16 {
		return appendHexUpper(dst, b)
	}
	dst = append(dst, '{')
	dst = appendHexUpper(dst, []byte{b[3], b[2], b[1], b[0]})
	dst = append(dst, '-')
	dst = appendHexUpper(dst, []byte{b[5], b[4]})
	dst = append(dst, '-')
	dst = appendHexUpper(dst, []byte{b[7], b[6]})
	dst = append(dst, '-')
	dst = appendHexUpper(dst, b[8:10])
	dst = append(dst, '-')
	dst = appendHexUpper(dst, b[10:16])
	return append(dst, '}')
}

// appendSID renders a SID as S-R-A-S1-...; an incomplete SID renders the
// sub-authorities that are present.
func appendSID(dst []byte, b []byte) []byte {
	if len(b) < 8 {
		return appendHexUpper(dst, b)
	}
	dst = append(dst, "S-"...)
	dst = strconv.AppendUint(dst, uint64(b[0]), 10)
	dst = append(dst, '-')
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	if auth >= 1<<32 {
		dst = append(dst, "0x"...)
		for i := 2; i < 8; i++ {
			dst = append(dst, upperHex[b[i]>>4], upperHex[b[i]&0xf])
		}
	} else {
		dst = strconv.AppendUint(dst, auth, 10)
	}
	n := int(b[1])
	for i := 0; i < n && 8+4*i+4 <= len(b); i++ {
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10)
	}
	return dst
}

// sidSize is the encoded size of the SID at the start of b.
func sidSize(b []byte) int {
	if len(b) < 8 {
		return len(b)
	}
	n := 8 + 4*int(b[1])
	if n > len(b) {
		return len(b)
	}
	return n
}

// filetimeEpoch is the number of seconds between 1601-01-01 and 1970-01-01.
const filetimeEpoch = 11644473600

// filetimeToTime converts a FILETIME (100 ns ticks since 1601) to UTC.
func filetimeToTime(ft uint64) time.Time {
	return time.Unix(int64(ft/1e7)-filetimeEpoch, int64(ft%1e7)*100).UTC()
}

// appendFiletime renders as Windows does: 2006-01-02T15:04:05.1234567Z.
func appendFiletime(dst []byte, ft uint64) []byte {
	t := filetimeToTime(ft)
	return appendTime(dst, t, int(ft%1e7), 7)
}

// appendTime writes t as ISO 8601 UTC with digits fractional digits of
// frac (frac already scaled to that many digits).
func appendTime(dst []byte, t time.Time, frac, digits int) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = appendPadded(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int(mo), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendPadded(dst, h, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, s, 2)
	if digits > 0 {
		dst = append(dst, '.')
		dst = appendPadded(dst, frac, digits)
	}
	return append(dst, 'Z')
}

func appendPadded(dst []byte, v, width int) []byte {
	var buf [20]byte
	i := len(buf)
	if v < 0 {
		v = 0
	}
	for v > 0 || width > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	return append(dst, buf[i:]...)
}

// appendSystemtime renders a SYSTEMTIME (8 little-endian uint16: year,
// month, weekday, day, hour, minute, second, milliseconds) as
// 2006-01-02T15:04:05.000Z.
func appendSystemtime(dst []byte, b []byte) []byte {
	if len(b) < 16 {
		return appendHexUpper(dst, b)
	}
	u := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	t := time.Date(u(0), time.Month(u(1)), u(3), u(4), u(5), u(6), 0, time.UTC)
	return appendTime(dst, t, u(7)%1000, 3)
}

// windows1252 maps bytes 0x80–0x9f of code page 1252; the rest of the high
// half equals Latin-1.
var windows1252 = [32]rune{
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
}

// appendANSI decodes code page 1252 text up to the first NUL.
func appendANSI(dst []byte, b []byte) []byte {
	for _, c := range b {
		switch {
		case c == 0:
			return dst
		case c < 0x80:
			dst = append(dst, c)
		case c < 0xa0:
			dst = utf8.AppendRune(dst, windows1252[c-0x80])
		default:
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst
}

// arrayItems splits an array value of element type t into its items,
// appending [start,end) spans of b to spans.
func arrayItems(t uint8, b []byte, spans [][2]int) [][2]int {
	switch t {
	case typeString:
		start := 0
		i := 0
		for ; i+1 < len(b); i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				spans = append(spans, [2]int{start, i})
				start = i + 2
			}
		}
		if start < len(b)&^1 {
			spans = append(spans, [2]int{start, len(b) &^ 1})
		}
		return spans
	case typeAnsi:
		start := 0
		for i, c := range b {
			if c == 0 {
				spans = append(spans, [2]int{start, i})
				start = i + 1
			}
		}
		if start < len(b) {
			spans = append(spans, [2]int{start, len(b)})
		}
		return spans
	case typeSID:
		for i := 0; i < len(b); {
			n := sidSize(b[i:])
			spans = append(spans, [2]int{i, i + n})
			i += n
		}
		return spans
	case typeSizeT:
		n := 8
		if len(b)%8 != 0 {
			n = 4
		}
		for i := 0; i+n <= len(b); i += n {
			spans = append(spans, [2]int{i, i + n})
		}
		return spans
	}
	n := fixedSize(t)
	if n == 0 {
		return append(spans, [2]int{0, len(b)})
	}
	for i := 0; i+n <= len(b); i += n {
		spans = append(spans, [2]int{i, i + n})
	}
	return spans
}
