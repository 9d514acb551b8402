package dcrpreview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"wsec/internal/api"
	"wsec/internal/event"
	"wsec/internal/eventxml"
	"wsec/internal/filter"
	"wsec/internal/protocol"
	"wsec/internal/server"
)

// Limits of a preview request.
const (
	// DefaultLast and MaxLast: how many of the latest events are
	// evaluated when the request does not say, and at most.
	DefaultLast = 1000
	MaxLast     = 10000
	// MaxComputers bounds the hosts a preview names.
	MaxComputers = 200
	// MaxTopEvents is how many (channel, event ID) counts the answer lists.
	MaxTopEvents = 20
	// maxBodyBytes bounds the request body: a rule (filter's limits) and a
	// host list.
	maxBodyBytes = 256 << 10
)

// ErrBadRequest marks a request over Preview's limits.
var ErrBadRequest = errors.New("preview request over its limits")

// Request is the rule being edited and the events to try it on.
type Request struct {
	EventSet     string   `json:"eventSet"`
	XPathQueries []string `json:"xpathQueries"`
	// Computers are the hosts whose events are read (a host name matches
	// its events' Computer exactly or as the first label of an FQDN);
	// none: every host.
	Computers []string `json:"computers"`
	// Last is how many of the latest events are evaluated (0: DefaultLast).
	Last int `json:"last"`
}

// Answer is what the rule would keep of the events read.
type Answer struct {
	Evaluated int `json:"evaluated"`
	Kept      int `json:"kept"`
	// Oldest and Newest bound the evaluated events' TimeGenerated.
	Oldest time.Time `json:"oldest,omitzero"`
	Newest time.Time `json:"newest,omitzero"`
	// Events counts the evaluated events by channel and ID, most seen
	// first (at most MaxTopEvents).
	Events []Count `json:"events"`
	// Warnings say where the preview may differ from what agents will do.
	Warnings []string `json:"warnings,omitempty"`
	// Unreadable counts rows that could not be turned back into an event
	// (damaged EventData); they count as evaluated and not kept.
	Unreadable int `json:"unreadable,omitempty"`
}

// Count is one event ID's share of the preview.
type Count struct {
	Channel string `json:"channel"`
	EventID int    `json:"eventId"`
	Seen    int    `json:"seen"`
	Kept    int    `json:"kept"`
}

// QueryError is one XPath query the filter refuses.
type QueryError struct {
	Query   int    `json:"query"` // 1-based
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// RuleError is a rule that does not compile.
type RuleError struct {
	Set     error
	Queries []QueryError
}

func (e *RuleError) Error() string {
	var parts []string
	if e.Set != nil {
		parts = append(parts, e.Set.Error())
	}
	for _, q := range e.Queries {
		parts = append(parts, fmt.Sprintf("query %d: %s", q.Query, q.Message))
	}
	return strings.Join(parts, "; ")
}

// compile compiles the rule as the agent would, reporting each query's
// error on its own.
func compile(r Request) (*filter.Rules, error) {
	set, err := filter.ParseRuleSet(r.EventSet)
	rerr := &RuleError{Set: err}
	queries := slices.DeleteFunc(slices.Clone(r.XPathQueries), func(q string) bool { return strings.TrimSpace(q) == "" })
	for i, q := range queries {
		if _, err := filter.Compile(filter.Policy{Queries: []string{q}}, filter.Options{}); err != nil {
			qe := QueryError{Query: i + 1, Message: err.Error()}
			if fe := (*filter.Error)(nil); errors.As(err, &fe) {
				qe.Column, qe.Message = fe.Column, fe.Msg
			}
			rerr.Queries = append(rerr.Queries, qe)
		}
	}
	if rerr.Set != nil || len(rerr.Queries) > 0 {
		return nil, rerr
	}
	return filter.Compile(filter.Policy{Set: set, Queries: queries}, filter.Options{})
}

// columns are the SecurityEvent columns an event is rebuilt from, in the
// order row reads them.
const columns = "TimeGenerated, Computer, Channel, EventID, Task, Level, EventSourceName, EventRecordID, Keywords, ProviderGuid, Opcode, Version, ExecutionProcessId, ExecutionThreadId, UserID, ActivityID, EventData"

// kql is the query of the latest events of the request's hosts.
func kql(r Request, last int) string {
	var b strings.Builder
	b.WriteString("SecurityEvent")
	if len(r.Computers) > 0 {
		b.WriteString("\n| where ")
		for i, c := range r.Computers {
			if i > 0 {
				b.WriteString(" or ")
			}
			q := strconv.Quote(c)
			fmt.Fprintf(&b, "Computer =~ %s or Computer startswith %s", q, strconv.Quote(c+"."))
		}
	}
	fmt.Fprintf(&b, "\n| top %d by TimeGenerated desc\n| project %s", last, columns)
	return b.String()
}

// Preview evaluates the rule over the latest events of workspace ws.
func Preview(ctx context.Context, q api.Querier, ws string, r Request) (*Answer, error) {
	last := r.Last
	if last <= 0 {
		last = DefaultLast
	}
	if last > MaxLast {
		return nil, fmt.Errorf("%w: last %d: at most %d events are evaluated", ErrBadRequest, last, MaxLast)
	}
	if len(r.Computers) > MaxComputers {
		return nil, fmt.Errorf("%w: %d computers: at most %d", ErrBadRequest, len(r.Computers), MaxComputers)
	}
	rules, err := compile(r)
	if err != nil {
		return nil, err
	}
	t, err := q.Query(ctx, ws, kql(r, last), time.Time{}, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("read the latest events: %w", err)
	}
	a := &Answer{Events: []Count{}}
	if slices.ContainsFunc(r.XPathQueries, func(q string) bool { return strings.Contains(q, "Level") }) {
		a.Warnings = append(a.Warnings, "a query reads Level, which SecurityEvent keeps only as an audit success/failure code: the count is approximate")
	}
	counts := map[[2]string]*Count{}
	for _, row := range t.Rows {
		a.Evaluated++
		e, err := rebuild(row)
		if err != nil {
			a.Unreadable++
			continue
		}
		tc := e.System.TimeCreated
		if a.Oldest.IsZero() || tc.Before(a.Oldest) {
			a.Oldest = tc
		}
		if tc.After(a.Newest) {
			a.Newest = tc
		}
		k := [2]string{e.System.Channel, strconv.Itoa(int(e.System.EventID))}
		c := counts[k]
		if c == nil {
			c = &Count{Channel: e.System.Channel, EventID: int(e.System.EventID)}
			counts[k] = c
		}
		c.Seen++
		if rules.Keep(e) {
			a.Kept++
			c.Kept++
		}
	}
	for _, c := range counts {
		a.Events = append(a.Events, *c)
	}
	slices.SortFunc(a.Events, func(x, y Count) int {
		if x.Seen != y.Seen {
			return y.Seen - x.Seen
		}
		if x.Channel != y.Channel {
			return strings.Compare(x.Channel, y.Channel)
		}
		return x.EventID - y.EventID
	})
	a.Events = a.Events[:min(len(a.Events), MaxTopEvents)]
	return a, nil
}

// rebuild turns a row of columns back into the event it was mapped from.
func rebuild(row []any) (*event.Event, error) {
	if len(row) != strings.Count(columns, ",")+1 {
		return nil, fmt.Errorf("row of %d columns", len(row))
	}
	str := func(i int) string {
		switch v := row[i].(type) {
		case string:
			return v
		case nil:
			return ""
		}
		return fmt.Sprint(row[i])
	}
	num := func(i int) uint64 {
		s := str(i)
		if h, ok := strings.CutPrefix(s, "0x"); ok {
			n, _ := strconv.ParseUint(h, 16, 64)
			return n
		}
		n, _ := strconv.ParseUint(s, 10, 64)
		return n
	}
	payload := str(16)
	if payload == "" {
		payload = "<EventData />"
	}
	e, err := eventxml.ParseEvent([]byte("<Event><System><EventID>0</EventID></System>" + payload + "</Event>"))
	if err != nil {
		return nil, err
	}
	tc, _ := row[0].(time.Time)
	e.System = event.System{
		TimeCreated: tc.UTC(), Computer: str(1), Channel: str(2), EventID: uint16(num(3)), Task: uint16(num(4)),
		Level: level(str(5)), Provider: str(6), EventRecordID: num(7), Keywords: num(8), ProviderGUID: str(9),
		Opcode: uint8(num(10)), Version: uint8(num(11)), ProcessID: uint32(num(12)), ThreadID: uint32(num(13)),
		UserID: str(14), ActivityID: str(15),
	}
	return e, nil
}

// level is the event Level behind SecurityEvent's Level code: audit
// success and failure (8, 16) are Level 0, as Security events carry.
func level(code string) uint8 {
	switch code {
	case "1":
		return 2
	case "2":
		return 3
	case "4":
		return 4
	}
	return 0
}

// Routes serves the preview API.
type Routes struct {
	Querier  api.Querier
	Verifier server.Verifier
}

// Register adds the route to mux.
func (rt Routes) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+protocol.PathDCRPreview, rt.preview)
}

func (rt Routes) preview(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := server.AuthorizeWorkspace(w, r, rt.Verifier, maxBodyBytes, "a preview request is a rule and a host list; the body is too large")
	if !ok {
		return
	}
	var req Request
	if err := json.Unmarshal(body, &req); err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError",
			`the body must be JSON like {"eventSet":"None","xpathQueries":["Security!*[System[(EventID=4624)]]"],"computers":["WS01"],"last":1000}: `+err.Error())
		return
	}
	a, err := Preview(r.Context(), rt.Querier, ws, req)
	var rerr *RuleError
	switch {
	case errors.As(err, &rerr):
		server.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"code": "InvalidRule", "message": rerr.Error(), "details": rerr.Queries}})
		return
	case errors.Is(err, ErrBadRequest):
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	case err != nil:
		server.LogAttrs(r.Context(), slog.String("err", err.Error()))
		server.WriteError(w, http.StatusInternalServerError, "InternalError", "the preview could not read the latest events: "+err.Error())
		return
	}
	server.WriteJSON(w, http.StatusOK, a)
}
