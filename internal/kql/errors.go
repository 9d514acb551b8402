package kql

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Pos is a byte offset into the query text. NoPos (-1) means "no position".
type Pos int

// NoPos is the zero-information position.
const NoPos Pos = -1

// Position is a human position: 1-based line and column (columns count
// characters, not bytes).
type Position struct {
	Offset int
	Line   int
	Column int
}

func (p Position) String() string {
	if p.Line == 0 {
		return "unknown position"
	}
	return fmt.Sprintf("line %d, column %d", p.Line, p.Column)
}

// lineIndex maps offsets to lines and columns.
type lineIndex struct {
	src   string
	lines []int // offset of the first byte of each line
}

func newLineIndex(src string) *lineIndex {
	li := &lineIndex{src: src, lines: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			li.lines = append(li.lines, i+1)
		}
	}
	return li
}

func (li *lineIndex) position(p Pos) Position {
	if p < 0 || li == nil {
		return Position{Offset: int(p)}
	}
	off := int(p)
	if off > len(li.src) {
		off = len(li.src)
	}
	i := sort.Search(len(li.lines), func(i int) bool { return li.lines[i] > off }) - 1
	start := li.lines[i]
	return Position{Offset: off, Line: i + 1, Column: utf8.RuneCountInString(li.src[start:off]) + 1}
}

// Error is one positioned parse or check error.
type Error struct {
	Pos Position
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every error of a parse or check, sorted by position. It
// implements error; use Err to get nil for an empty list.
type ErrorList []*Error

func (l ErrorList) Len() int      { return len(l) }
func (l ErrorList) Swap(i, j int) { l[i], l[j] = l[j], l[i] }
func (l ErrorList) Less(i, j int) bool {
	a, b := l[i].Pos, l[j].Pos
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	return l[i].Msg < l[j].Msg
}

// Sort orders the list by position.
func (l ErrorList) Sort() { sort.Stable(l) }

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil for an empty list, else the list itself.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// errSink collects errors up to MaxErrors.
type errSink struct {
	li   *lineIndex
	list ErrorList
	full bool
}

func (s *errSink) add(p Pos, format string, args ...any) {
	if len(s.list) >= MaxErrors {
		s.full = true
		return
	}
	pos := s.li.position(p)
	msg := fmt.Sprintf(format, args...)
	// One error per position: the first is the cause, the rest echo it.
	for _, e := range s.list {
		if e.Pos.Offset == pos.Offset {
			return
		}
	}
	s.list = append(s.list, &Error{Pos: pos, Msg: msg})
}

func (s *errSink) err() error {
	s.list.Sort()
	return s.list.Err()
}

// Excerpt shows where an error is: the query's line (1-based) indented by
// two spaces, and under it a caret at column (1-based, in characters).
// Tabs before the column are kept so the caret lines up. "" when line is
// not in src.
func Excerpt(src string, line, column int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) || column < 1 {
		return ""
	}
	text := strings.TrimRight(lines[line-1], "\r")
	var pad strings.Builder
	i := 0
	for _, r := range text {
		if i >= column-1 {
			break
		}
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteRune(' ')
		}
		i++
	}
	for ; i < column-1; i++ {
		pad.WriteRune(' ')
	}
	return "  " + text + "\n  " + pad.String() + "^"
}
