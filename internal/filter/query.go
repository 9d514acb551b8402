package filter

import (
	"strings"
	"time"

	"wsec/internal/event"
)

// Query is one compiled data-collection-rule query: "Channel!XPath", where
// XPath is in the Windows event log subset of XPath 1.0. It matches events
// of its channel (compared case-insensitively, as Windows does) that the
// XPath selects. An empty XPath ("Security!") selects every event of the
// channel. A Query is immutable and safe for concurrent use.
type Query struct {
	text    string
	channel string
	xpath   string
	fn      evalFn // nil: every event of the channel
	usesNow bool
}

// CompileQuery compiles "Channel!XPath". The channel is everything before
// the first "!" (channel names contain spaces and "/", never "!"). Errors
// are *Error with a column into text.
func CompileQuery(text string, opts Options) (*Query, error) {
	q, err := compileQuery(text, opts)
	if err != nil {
		return nil, err
	}
	return q, nil
}

func compileQuery(text string, opts Options) (*Query, *Error) {
	if max := opts.maxQueryBytes(); max > 0 && len(text) > max {
		return nil, errorAt(text, 0, "query is %d bytes, over the %d-byte limit", len(text), max)
	}
	bang := strings.IndexByte(text, '!')
	if bang < 0 {
		return nil, errorAt(text, 0, `missing channel: a query is "Channel!XPath", e.g. "Security!*[System[EventID=4624]]"`)
	}
	channel := strings.TrimSpace(text[:bang])
	if channel == "" {
		return nil, errorAt(text, 0, `missing channel before "!"`)
	}
	return newQuery(text, channel, text, bang+1)
}

// newQuery builds the Query text for channel from the XPath in src[start:]
// (compiled unless blank); error columns count from the start of src.
func newQuery(text, channel, src string, start int) (*Query, *Error) {
	q := &Query{text: text, channel: channel, xpath: strings.TrimSpace(src[start:])}
	if q.xpath == "" {
		return q, nil
	}
	fn, usesNow, err := compileXPath(src, start)
	if err != nil {
		return nil, err
	}
	q.fn, q.usesNow = fn, usesNow
	return q, nil
}

// compileXPath compiles the XPath in src[start:]; error columns count from
// the start of src.
func compileXPath(src string, start int) (evalFn, bool, *Error) {
	return compileXPathWith(&compiler{src: src}, start)
}

func compileXPathWith(c *compiler, start int) (evalFn, bool, *Error) {
	x, err := parseXPath(c.src, start)
	if err != nil {
		return nil, false, err
	}
	fn, err := c.top(x)
	if err != nil {
		return nil, false, err
	}
	return fn, c.usesNow, nil
}

// Channel returns the channel the query reads, as written.
func (q *Query) Channel() string { return q.channel }

// XPath returns the query's XPath (after the "!"), trimmed.
func (q *Query) XPath() string { return q.xpath }

// String returns the query as given.
func (q *Query) String() string { return q.text }

// Match reports whether e is on the query's channel and selected by its
// XPath; now is the instant timediff() measures against.
func (q *Query) Match(e *event.Event, now time.Time) bool {
	return q.match(e, now.UnixNano())
}

func (q *Query) match(e *event.Event, now int64) bool {
	if !strings.EqualFold(e.System.Channel, q.channel) {
		return false
	}
	return q.fn == nil || q.fn(e, now, node{kind: kRoot})
}
