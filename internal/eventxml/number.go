package eventxml

import (
	"errors"
	"math/bits"
)

var (
	errNotNumber = errors.New("not a decimal or 0x-hex number")
	errRange     = errors.New("out of range")
)

// parseUint parses a System number: decimal, or hex with a 0x prefix
// (Keywords is always hex; other tools render some fields in hex too).
// Surrounding ASCII whitespace is ignored; "" is 0 (absent).
func parseUint(b []byte, bitSize int) (uint64, error) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, nil
	}
	var n uint64
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		for _, c := range b[2:] {
			var d byte
			switch {
			case c >= '0' && c <= '9':
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				d = c - 'A' + 10
			default:
				return 0, errNotNumber
			}
			if n>>60 != 0 {
				return 0, errRange
			}
			n = n<<4 | uint64(d)
		}
	} else {
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, errNotNumber
			}
			hi, lo := bits.Mul64(n, 10)
			lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
			if hi != 0 || carry != 0 {
				return 0, errRange
			}
			n = lo
		}
	}
	if bitSize < 64 && n>>bitSize != 0 {
		return 0, errRange
	}
	return n, nil
}

// trimSpace trims XML whitespace (space, tab, CR, LF).
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// allSpace reports whether b is empty or XML whitespace only.
func allSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}
