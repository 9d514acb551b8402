package filter

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"

	"wsec/internal/event"
)

// QueryList is a compiled structured XML query, the form EvtQuery,
// EvtSubscribe and Event Viewer's XML tab use:
//
//	<QueryList>
//	  <Query Id="0" Path="Security">
//	    <Select Path="Security">*[System[(EventID=4624)]]</Select>
//	    <Suppress Path="Security">*[EventData[Data[@Name='LogonType']=5]]</Suppress>
//	  </Query>
//	</QueryList>
//
// An event matches a Query element when one of its Selects matches and none
// of its Suppresses does; it matches the list when it matches any Query. A
// Select or Suppress without Path uses its Query's Path. Errors name the
// Query Id and the Select/Suppress, with the *Error column counted within
// that element's XPath text.
type QueryList struct {
	text    string
	queries []qlQuery
	usesNow bool
}

type qlQuery struct {
	selects, suppresses []*Query
}

type xmlQueryList struct {
	XMLName xml.Name   `xml:"QueryList"`
	Queries []xmlQuery `xml:"Query"`
}

type xmlQuery struct {
	ID       string      `xml:"Id,attr"`
	Path     string      `xml:"Path,attr"`
	Select   []xmlSelect `xml:"Select"`
	Suppress []xmlSelect `xml:"Suppress"`
}

type xmlSelect struct {
	Path  string `xml:"Path,attr"`
	XPath string `xml:",chardata"`
}

// CompileQueryList compiles a QueryList document.
func CompileQueryList(text string, opts Options) (*QueryList, error) {
	if max := opts.maxQueryBytes(); max > 0 && len(text) > max {
		return nil, fmt.Errorf("querylist: %d bytes, over the %d-byte limit", len(text), max)
	}
	var doc xmlQueryList
	if err := xml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, fmt.Errorf("querylist: parse xml: %w", err)
	}
	if len(doc.Queries) == 0 {
		return nil, fmt.Errorf("querylist: no <Query> element")
	}
	n := 0
	for _, q := range doc.Queries {
		n += 1 + len(q.Select) + len(q.Suppress)
	}
	if n > maxQueryListElements {
		return nil, fmt.Errorf("querylist: %d Query/Select/Suppress elements, over the limit of %d", n, maxQueryListElements)
	}
	l := &QueryList{text: text}
	for _, xq := range doc.Queries {
		if len(xq.Select) == 0 {
			return nil, fmt.Errorf("querylist: query %q: no <Select> element", xq.ID)
		}
		var q qlQuery
		var err error
		if q.selects, err = l.compileSelects("select", xq, xq.Select); err != nil {
			return nil, err
		}
		if q.suppresses, err = l.compileSelects("suppress", xq, xq.Suppress); err != nil {
			return nil, err
		}
		l.queries = append(l.queries, q)
	}
	return l, nil
}

// compileSelects compiles the Select (or Suppress) elements of xq, noting
// in l whether any uses now.
func (l *QueryList) compileSelects(what string, xq xmlQuery, ss []xmlSelect) ([]*Query, error) {
	var out []*Query
	for i, s := range ss {
		c, err := compileSelect(what, xq, i, s)
		if err != nil {
			return nil, err
		}
		l.usesNow = l.usesNow || c.usesNow
		out = append(out, c)
	}
	return out, nil
}

func compileSelect(what string, xq xmlQuery, i int, s xmlSelect) (*Query, error) {
	channel := strings.TrimSpace(s.Path)
	if channel == "" {
		channel = strings.TrimSpace(xq.Path)
	}
	if channel == "" {
		return nil, fmt.Errorf("querylist: query %q %s %d: no Path on it or on its Query", xq.ID, what, i+1)
	}
	q, err := newQuery(channel+"!"+s.XPath, channel, s.XPath, 0)
	if err != nil {
		return nil, fmt.Errorf("querylist: query %q %s %d (Path %q): %w", xq.ID, what, i+1, channel, err)
	}
	return q, nil
}

// String returns the document as given.
func (l *QueryList) String() string { return l.text }

// channels returns the channels the list selects from, in document order.
func (l *QueryList) channels() []string {
	var out []string
	for _, q := range l.queries {
		for _, s := range q.selects {
			out = append(out, s.channel)
		}
	}
	return out
}

func (l *QueryList) match(e *event.Event, now int64) bool {
	for i := range l.queries {
		if l.queries[i].match(e, now) {
			return true
		}
	}
	return false
}

func (q *qlQuery) match(e *event.Event, now int64) bool {
	selected := false
	for _, s := range q.selects {
		if s.match(e, now) {
			selected = true
			break
		}
	}
	if !selected {
		return false
	}
	for _, s := range q.suppresses {
		if s.match(e, now) {
			return false
		}
	}
	return true
}

// Channels returns the channels the list selects from, each once, in
// document order.
func (l *QueryList) Channels() []string {
	var out []string
	for _, ch := range l.channels() {
		if !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	return out
}
