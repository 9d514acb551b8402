package api

import (
	"log/slog"
	"net/http"

	"wsec/internal/server"
)

// serveTables handles GET /v1/workspaces/{id}/tables when the Querier is
// also a TableLister.
func (h *Handler) serveTables(w http.ResponseWriter, r *http.Request) {
	const ep = endpointTables
	ws, _, e := h.authenticate(w, r)
	if e != nil {
		h.answerError(w, r, ep, e)
		return
	}
	ctx := r.Context()
	server.LogAttrs(ctx, slog.String("workspace", ws))
	tl, ok := h.q.(TableLister)
	if !ok {
		h.answerError(w, r, ep, newErr(http.StatusNotFound, "PathNotFoundError", "not_supported",
			"this server does not list tables; query them with 'search *' or by name"))
		return
	}
	tables, err := tl.Tables(ctx, ws)
	if err != nil {
		ae := newErr(http.StatusInternalServerError, "InternalServerError", "internal", "listing the tables failed inside the server")
		ae.failure, ae.logCause = true, err.Error()
		h.answerError(w, r, ep, ae)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	rw := &resultWriter{w: w}
	rw.buf = append(rw.buf, `{"tables":[`...)
	for i := range tables {
		if i > 0 {
			rw.buf = append(rw.buf, ',')
		}
		rw.table(&tables[i], 0)
	}
	rw.buf = append(rw.buf, "]}\n"...)
	rw.flush(true)
	h.m.requests.WithLabelValues(ep, outcomeOK).Inc()
	server.LogAttrs(ctx, slog.String("endpoint", ep), slog.String("outcome", outcomeOK), slog.Int("tables", len(tables)))
}
