package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"wsec/internal/auth"
	"wsec/internal/event"
	"wsec/internal/server"
)

// QueryRequest is the body of POST /v1/workspaces/{id}/query.
type QueryRequest struct {
	Query    string `json:"query"`
	Timespan string `json:"timespan,omitempty"`
	// Workspaces, when given, may only name the workspace of the path:
	// cross-workspace queries are not supported.
	Workspaces []string `json:"workspaces,omitempty"`
}

// maxLoggedQueryBytes bounds the query text copied into the log line.
const maxLoggedQueryBytes = 512

func (h *Handler) serveQuery(w http.ResponseWriter, r *http.Request) {
	const ep = endpointQuery
	ws, body, e := h.authenticate(w, r)
	if e != nil {
		h.answerError(w, r, ep, e)
		return
	}
	ctx := r.Context()
	server.LogAttrs(ctx, slog.String("workspace", ws))
	req, start, end, e := h.parseQueryRequest(r, ws, body)
	if e != nil {
		h.answerError(w, r, ep, e)
		return
	}
	timeout := h.timeout(r.Header.Get("Prefer"))
	release, e := h.acquire(ctx)
	if e != nil {
		h.answerError(w, r, ep, e)
		return
	}
	defer release()

	qid := newQueryID()
	server.LogAttrs(ctx, slog.String("query_id", qid), slog.String("query", truncate(req.Query, maxLoggedQueryBytes)),
		slog.String("timespan", req.Timespan))
	qctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t0 := h.now()
	t, err := h.q.Query(qctx, ws, req.Query, start, end)
	h.m.seconds.Observe(h.now().Sub(t0).Seconds())
	if err == nil && t == nil {
		err = errors.New("BUG: querier returned neither a table nor an error")
	}
	if err != nil {
		h.answerError(w, r, ep, h.queryFailure(ctx, qctx, err, qid, timeout))
		return
	}

	name := t.Name
	if name == "" {
		name = "PrimaryResult"
	}
	out := *t
	out.Name = name
	sent := min(len(t.Rows), h.limits.MaxRows)
	partial := t.Partial
	if len(t.Rows) > h.limits.MaxRows {
		partial = fmt.Sprintf("the result has %d rows; only the first %d were sent. Narrow the query (where, summarize, take)", len(t.Rows), h.limits.MaxRows)
	}
	truncated := partial != ""

	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	rw := &resultWriter{w: w, buf: make([]byte, 0, flushBytes+4096)}
	rw.buf = append(rw.buf, `{"tables":[`...)
	rw.table(&out, h.limits.MaxRows)
	rw.buf = append(rw.buf, ']')
	if t.Render != nil {
		rw.buf = appendRender(rw.buf, t.Render)
	}
	if truncated {
		rw.buf = append(rw.buf, `,"error":{"code":"PartialError","message":`...)
		rw.buf = event.AppendJSONString(rw.buf, "There were some errors when processing your query.")
		rw.buf = append(rw.buf, `,"details":[{"code":"EngineError","message":`...)
		rw.buf = event.AppendJSONString(rw.buf, partial)
		rw.buf = append(rw.buf, `}]}`...)
		h.m.partial.Inc()
	}
	rw.buf = append(rw.buf, "}\n"...)
	rw.flush(true)

	h.m.requests.WithLabelValues(ep, outcomeOK).Inc()
	h.m.rows.Add(float64(sent))
	attrs := []slog.Attr{slog.String("endpoint", ep), slog.String("outcome", outcomeOK), slog.Int("rows", sent), slog.Bool("truncated", truncated)}
	if rw.bad > 0 {
		attrs = append(attrs, slog.Int("unencodable_cells", rw.bad))
	}
	if rw.err != nil {
		attrs = append(attrs, slog.String("write_err", rw.err.Error()))
	}
	server.LogAttrs(ctx, attrs...)
}

// parseQueryRequest checks the body and the timespan.
func (h *Handler) parseQueryRequest(r *http.Request, ws string, body []byte) (QueryRequest, time.Time, time.Time, *apiError) {
	var req QueryRequest
	var zero time.Time
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return req, zero, zero, newErr(http.StatusBadRequest, "BadArgumentError", "unsupported_content_type",
			"Content-Type %q is not supported; send application/json", clip(ct))
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, zero, zero, newErr(http.StatusBadRequest, "BadArgumentError", "malformed_body",
			`the body must be JSON like {"query":"SecurityEvent | take 10","timespan":"P1D"}: %v`, err)
	}
	if strings.TrimSpace(req.Query) == "" {
		return req, zero, zero, newErr(http.StatusBadRequest, "BadArgumentError", "missing_query",
			`the body has no "query"; send {"query":"SecurityEvent | take 10","timespan":"P1D"}`)
	}
	if len(req.Query) > h.limits.MaxQueryBytes {
		return req, zero, zero, newErr(http.StatusBadRequest, "BadArgumentError", "query_too_long",
			"the query is %d bytes, more than the %d allowed", len(req.Query), h.limits.MaxQueryBytes)
	}
	for _, other := range req.Workspaces {
		if id, ok := auth.CanonicalID(other); !ok || id != ws {
			return req, zero, zero, newErr(http.StatusBadRequest, "BadArgumentError", "cross_workspace",
				"cross-workspace queries are not supported: %q is not workspace %s of the path", clip(other), ws)
		}
	}
	start, end, err := ParseTimespan(req.Timespan, h.now())
	if err != nil {
		return req, zero, zero, newErr(http.StatusBadRequest, "BadArgumentError", "bad_timespan", "%v", err)
	}
	return req, start, end, nil
}

// timeout reads "Prefer: wait=N" (seconds), as Log Analytics does, capped
// at MaxQueryTimeout.
func (h *Handler) timeout(prefer string) time.Duration {
	for _, p := range strings.Split(prefer, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "wait") {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			return min(time.Duration(n)*time.Second, h.limits.MaxQueryTimeout)
		}
	}
	return h.limits.QueryTimeout
}

// queryFailure classifies a Querier error.
func (h *Handler) queryFailure(ctx, qctx context.Context, err error, qid string, timeout time.Duration) *apiError {
	var qe *QueryError
	switch {
	case errors.As(err, &qe):
		e := newErr(http.StatusBadRequest, "BadArgumentError", "bad_query", "%s", qe.Error())
		code := qe.Code
		if code == "" {
			code = "SemanticError"
		}
		e.inner = map[string]any{"code": code, "message": qe.Message, "line": qe.Line, "pos": qe.Column}
		return e
	case ctx.Err() != nil:
		e := newErr(499, "Canceled", "canceled", "the client went away before the query finished")
		e.failure = true
		return e
	case errors.Is(qctx.Err(), context.DeadlineExceeded):
		e := newErr(http.StatusGatewayTimeout, "GatewayTimeout", "timeout",
			"the query ran longer than %s and was stopped; narrow the timespan or the query, or ask for more time with the header 'Prefer: wait=%d'",
			timeout, int(h.limits.MaxQueryTimeout.Seconds()))
		e.failure = true
		return e
	}
	e := newErr(http.StatusInternalServerError, "InternalServerError", "internal",
		"the query failed inside the server (query_id %s); the server log has the cause", qid)
	e.failure = true
	e.logCause = err.Error()
	return e
}

// appendRender writes ,"render":{"visualization":..,prop:..} with the
// properties in name order, so equal hints encode the same.
func appendRender(dst []byte, r *Render) []byte {
	dst = append(dst, `,"render":{"visualization":`...)
	dst = event.AppendJSONString(dst, r.Visual)
	keys := make([]string, 0, len(r.Props))
	for k := range r.Props {
		if k != "visualization" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst = append(dst, ',')
		dst = event.AppendJSONString(dst, k)
		dst = append(dst, ':')
		dst = event.AppendJSONString(dst, r.Props[k])
	}
	return append(dst, '}')
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
