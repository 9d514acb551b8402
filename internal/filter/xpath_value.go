package filter

import (
	"cmp"
	"math"
	"strconv"
	"strings"
	"time"

	"wsec/internal/event"
)

// Values and comparisons. Windows compares typed values (its data model has
// UInt64, hex integers, GUIDs, SIDs, FILETIMEs), while event.Event keeps the
// payload as rendered strings, so the rules here are:
//
//   - numeric System fields (EventID, Level, Keywords, ...) and numeric
//     attributes (@ProcessID, @Qualifiers) are compared as unsigned integers,
//     exactly, with no float rounding (Keywords needs all 64 bits);
//   - a string compared with a number is read as a number: decimal, or
//     hexadecimal with 0x as Windows renders HexInt32/HexInt64 ("0x3e7");
//     anything else is NaN and compares false (true for !=), as in XPath;
//   - string = string is exact and case-sensitive, as on Windows; GUIDs
//     (@Guid, @ActivityID) and the SID @UserID compare case-insensitively,
//     since Windows compares them as GUIDs and SIDs;
//   - TimeCreated/@SystemTime compared with a time literal
//     ('2024-05-01T00:00:00.000Z') compares instants.

type valKind uint8

const (
	vStr  valKind = iota // text
	vUint                // unsigned integer, rendered decimal
	vHex                 // unsigned integer, rendered 0x-hex (Keywords)
	vFold                // text compared case-insensitively: GUIDs, SIDs
	vTime                // UTC instant, t in Unix nanoseconds
)

type value struct {
	kind valKind
	s    string
	u    uint64
	t    int64
}

// num is a number as XPath sees it. When exact, u holds it without loss and
// comparisons use u; f is always set (NaN for "not a number").
type num struct {
	f     float64
	u     uint64
	exact bool
}

func numOfUint(u uint64) num { return num{f: float64(u), u: u, exact: true} }

func nan() num { return num{f: math.NaN()} }

// valueOf returns the value of n in e; ok is false when the node has no
// value (absent attribute, element with children).
func valueOf(e *event.Event, n node) (value, bool) {
	s := &e.System
	if n.attr != aNone {
		if !attrOf(n.kind, n.attr) {
			return value{}, false
		}
		switch n.attr {
		case aName:
			if n.kind == kData {
				name := e.Data[n.idx].Name
				return value{s: name}, name != ""
			}
			return value{s: s.Provider}, s.Provider != ""
		case aGuid:
			return value{kind: vFold, s: s.ProviderGUID}, s.ProviderGUID != ""
		case aEventSourceName:
			return value{s: s.EventSource}, s.EventSource != ""
		case aQualifiers:
			return value{kind: vUint, u: uint64(s.Qualifiers)}, s.HasQualifiers
		case aSystemTime:
			return value{kind: vTime, t: s.TimeCreated.UnixNano()}, !s.TimeCreated.IsZero()
		case aActivityID:
			return value{kind: vFold, s: s.ActivityID}, s.ActivityID != ""
		case aRelatedActivityID:
			return value{kind: vFold, s: s.RelatedActivityID}, s.RelatedActivityID != ""
		case aProcessID:
			return value{kind: vUint, u: uint64(s.ProcessID)}, true
		case aThreadID:
			return value{kind: vUint, u: uint64(s.ThreadID)}, true
		case aUserID:
			return value{kind: vFold, s: s.UserID}, s.UserID != ""
		}
		return value{}, false
	}
	switch n.kind {
	case kEventID:
		return value{kind: vUint, u: uint64(s.EventID)}, true
	case kVersion:
		return value{kind: vUint, u: uint64(s.Version)}, true
	case kLevel:
		return value{kind: vUint, u: uint64(s.Level)}, true
	case kTask:
		return value{kind: vUint, u: uint64(s.Task)}, true
	case kOpcode:
		return value{kind: vUint, u: uint64(s.Opcode)}, true
	case kKeywords:
		return value{kind: vHex, u: s.Keywords}, true
	case kEventRecordID:
		return value{kind: vUint, u: s.EventRecordID}, true
	case kChannel:
		return value{s: s.Channel}, true
	case kComputer:
		return value{s: s.Computer}, true
	case kProvider, kTimeCreated, kCorrelation, kExecution, kSecurity:
		return value{}, true // empty elements: their data is in attributes
	case kData:
		return value{s: e.Data[n.idx].Value}, true
	case kBinary:
		return value{s: e.Binary}, true
	case kUDElem:
		if _, more, _ := segment(e.Data[n.idx].Name, n.depth); !more {
			return value{s: e.Data[n.idx].Value}, true
		}
	}
	return value{}, false
}

// literal is a comparison operand known at compile time, pre-converted to
// every type it may be compared as, so matching does no parsing.
type literal struct {
	str    string
	isNum  bool // written as a number, not a string
	n      num  // numeric reading (NaN when not a number)
	t      int64
	timeOK bool
}

func newNumLit(n num) literal {
	return literal{isNum: true, n: n, str: formatNum(n)}
}

func newStrLit(s string) literal {
	l := literal{str: s, n: parseNum(s)}
	if t, ok := parseTime(s); ok {
		l.t, l.timeOK = t, true
	}
	return l
}

func formatNum(n num) string {
	if n.exact {
		return strconv.FormatUint(n.u, 10)
	}
	return strconv.FormatFloat(n.f, 'f', -1, 64)
}

// parseTime reads the time literals Event Viewer writes into queries.
func parseTime(s string) (int64, bool) {
	if len(s) < 19 || len(s) > 40 {
		return 0, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixNano(), true
		}
	}
	return 0, false
}

// parseNum reads a number the way the comparisons need it, without
// allocating: optional XPath whitespace around "0x" hex digits, or an
// optional minus, digits and an optional fraction.
func parseNum(s string) num {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		h := s[2:]
		if len(h) > 16 {
			return nan()
		}
		var u uint64
		for i := 0; i < len(h); i++ {
			c := h[i]
			var d byte
			switch {
			case c >= '0' && c <= '9':
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				d = c - 'A' + 10
			default:
				return nan()
			}
			u = u<<4 | uint64(d)
		}
		return numOfUint(u)
	}
	neg := len(s) > 0 && s[0] == '-'
	body := s
	if neg {
		body = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case isDigit(c):
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return nan()
		}
	}
	if digits == 0 || len(body) > 350 {
		return nan()
	}
	if !neg && !dot && digits <= 19 {
		var u uint64
		for i := 0; i < len(body); i++ {
			u = u*10 + uint64(body[i]-'0')
		}
		return numOfUint(u)
	}
	// Validated syntax: ParseFloat cannot fail with a syntax error here,
	// and out-of-range values round to ±Inf.
	f, _ := strconv.ParseFloat(s, 64)
	if f >= 0 && f < 1<<64 && f == math.Trunc(f) && !neg {
		return num{f: f, u: uint64(f), exact: true}
	}
	return num{f: f}
}

// numOf converts a value to a number for a numeric comparison.
func numOf(v value) num {
	switch v.kind {
	case vUint, vHex:
		return numOfUint(v.u)
	case vStr:
		return parseNum(v.s)
	}
	return nan()
}

// cmpNum compares exactly when both sides are exact integers, else as
// floats (NaN compares false, true for !=).
func cmpNum(op tokKind, a, b num) bool {
	if a.exact && b.exact {
		return cmpOrdered(op, a.u, b.u)
	}
	return cmpOrdered(op, a.f, b.f)
}

// cmpOrdered applies a comparison operator; with floats the operators keep
// IEEE semantics, so NaN compares false (true for !=).
func cmpOrdered[T cmp.Ordered](op tokKind, a, b T) bool {
	switch op {
	case tEq:
		return a == b
	case tNe:
		return a != b
	case tLt:
		return a < b
	case tLe:
		return a <= b
	case tGt:
		return a > b
	case tGe:
		return a >= b
	}
	return false
}

// cmpValue compares a node's value (left) with a literal (right).
func cmpValue(op tokKind, v value, l *literal) bool {
	eq := op == tEq || op == tNe
	switch v.kind {
	case vStr:
		if eq && !l.isNum {
			return (v.s == l.str) == (op == tEq)
		}
		return cmpNum(op, parseNum(v.s), l.n)
	case vFold:
		if eq && !l.isNum {
			return strings.EqualFold(v.s, l.str) == (op == tEq)
		}
		return cmpNum(op, nan(), l.n)
	case vUint, vHex:
		if eq && !l.isNum && !l.n.exact && !isNaN(l.n) {
			// A non-integer number in a string ('1.5'): numeric.
			return cmpNum(op, numOfUint(v.u), l.n)
		}
		if eq && !l.isNum && isNaN(l.n) {
			// Not a number at all: compare the rendered text.
			var buf [24]byte
			b := buf[:0]
			if v.kind == vHex {
				b = append(b, "0x"...)
				b = strconv.AppendUint(b, v.u, 16)
			} else {
				b = strconv.AppendUint(b, v.u, 10)
			}
			return (string(b) == l.str) == (op == tEq)
		}
		return cmpNum(op, numOfUint(v.u), l.n)
	case vTime:
		if l.timeOK {
			return cmpOrdered(op, v.t, l.t)
		}
		if eq && !l.isNum {
			var buf [40]byte
			b := time.Unix(0, v.t).UTC().AppendFormat(buf[:0], event.TimeLayout)
			return (string(b) == l.str) == (op == tEq)
		}
		return cmpNum(op, nan(), l.n)
	}
	return false
}

func isNaN(n num) bool { return !n.exact && n.f != n.f }

// flip mirrors an operator so "literal op node" can be evaluated as
// "node op' literal".
func flip(op tokKind) tokKind {
	switch op {
	case tLt:
		return tGt
	case tLe:
		return tGe
	case tGt:
		return tLt
	case tGe:
		return tLe
	}
	return op
}
