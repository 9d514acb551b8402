package eventxml

import (
	"errors"
	"strconv"
)

var (
	errNotNumber = errors.New("not a decimal or 0x-hex number")
	errRange     = errors.New("out of range")
)

// parseUint parses a System number: decimal, or hex with a 0x prefix
// (Keywords is always hex; other tools render some fields in hex too).
// Surrounding ASCII whitespace is ignored; "" is 0 (absent). Unlike
// strconv.ParseUint with base 0, no octal, binary, sign or '_'.
func parseUint(b []byte, bitSize int) (uint64, error) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, nil
	}
	base := 10
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b, base = b[2:], 16
	}
	n, err := strconv.ParseUint(string(b), base, bitSize)
	if errors.Is(err, strconv.ErrRange) {
		return 0, errRange
	}
	if err != nil {
		return 0, errNotNumber
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
