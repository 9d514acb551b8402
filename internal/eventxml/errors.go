package eventxml

import (
	"errors"
	"fmt"
)

// Sentinel errors, matched with errors.Is on what Next and ParseEvent return.
var (
	// ErrSyntax marks input that is not well-formed in the accepted dialect:
	// mismatched or unterminated tags, bad attribute syntax, undefined
	// entities, stray text between events, unparsable System values.
	ErrSyntax = errors.New("malformed event XML")

	// ErrDTD marks a document type or entity declaration. The reader never
	// expands entities beyond the five predefined ones and character
	// references, so a DTD can only be an attack (billion laughs, external
	// entities) or a producer we do not know; it is always fatal.
	ErrDTD = errors.New("DOCTYPE and entity declarations are refused")

	// ErrLimit marks input that exceeds one of the Options limits; the
	// concrete error is a *LimitError.
	ErrLimit = errors.New("limit exceeded")
)

// Error is what Next returns for anything but io.EOF: where the problem is and
// whether the reader can go on.
type Error struct {
	// Event is the 1-based ordinal of the top-level element (normally an
	// <Event>) the problem belongs to, or 0 for problems between elements
	// (stray text, a stray end tag, an I/O error, a DOCTYPE).
	Event int64
	// Offset is the byte offset of that element's '<' (or of the problem
	// itself when Event is 0). Offsets count bytes of the input as read,
	// a UTF-8 BOM included; for UTF-16 input they count bytes of the UTF-8
	// text it was transcoded to, after the BOM.
	Offset int64
	// Fatal is true when no later call to Next can return an event: I/O
	// errors and DTDs. Otherwise the reader has skipped the bad element and
	// the next call continues after it.
	Fatal bool
	Err   error
}

func (e *Error) Error() string {
	if e.Event > 0 {
		return fmt.Sprintf("event %d at offset %d: %v", e.Event, e.Offset, e.Err)
	}
	return fmt.Sprintf("at offset %d: %v", e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// LimitError says which limit an input exceeded.
type LimitError struct {
	Limit  string // the Options field name, e.g. "MaxDepth"
	Max    int    // its value
	What   string // what exceeded it, e.g. `value of <Data Name="CommandLine">`
	Offset int64  // where (stream offset)
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s at offset %d exceeds %s (%d)", e.What, e.Offset, e.Limit, e.Max)
}

// Is makes errors.Is(err, ErrLimit) true for every *LimitError.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// syntaxErrorf returns an ErrSyntax-wrapping error at a stream offset.
func syntaxErrorf(off int64, format string, args ...any) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, fmt.Sprintf(format, args...), off)
}
