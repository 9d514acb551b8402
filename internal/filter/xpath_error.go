package filter

import (
	"fmt"
	"unicode/utf8"
)

// Error is a query that does not compile: what is wrong and where. Callers
// that show DCR problems to people use errors.As to get the column.
type Error struct {
	Query  string // the query text as given, "Channel!XPath"
	Column int    // 1-based, counted in characters from the start of Query
	Msg    string // what is wrong, naming the construct
}

func (e *Error) Error() string {
	return fmt.Sprintf("xpath: column %d: %s", e.Column, e.Msg)
}

// errorAt builds an Error at byte offset off of query.
func errorAt(query string, off int, format string, args ...any) *Error {
	if off < 0 {
		off = 0
	}
	if off > len(query) {
		off = len(query)
	}
	return &Error{Query: query, Column: utf8.RuneCountInString(query[:off]) + 1, Msg: fmt.Sprintf(format, args...)}
}
