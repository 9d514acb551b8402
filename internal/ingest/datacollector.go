package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"wsec/internal/auth"
	"wsec/internal/server"
)

// Data Collector API constants.
const (
	DataCollectorAPIVersion = "2016-04-01"
	HeaderLogType           = "Log-Type"
	HeaderTimeGenerated     = "time-generated-field"
	// CustomTableSuffix is appended to Log-Type to name the table.
	CustomTableSuffix = "_CL"
)

type dcHeaders struct {
	table         string
	timeField     string // as the client names it
	timeFieldName string // sanitised column name
	enc           encoding
}

func parseDataCollectorHeaders(r *http.Request) (dcHeaders, *refusal) {
	var h dcHeaders
	q, _ := url.ParseQuery(r.URL.RawQuery)
	switch v, ok := q["api-version"]; {
	case !ok || len(v) == 0 || v[0] == "":
		return h, refused(http.StatusBadRequest, codeMissingAPIVersion, "missing_api_version",
			"the api-version query parameter is missing; POST to /api/logs?api-version=%s", DataCollectorAPIVersion)
	case v[0] != DataCollectorAPIVersion:
		return h, refused(http.StatusBadRequest, codeInvalidAPIVersion, "invalid_api_version",
			"api-version %q is not supported; use %s", clip(v[0]), DataCollectorAPIVersion)
	}
	if ref := requireJSON(r.Header.Get("Content-Type")); ref != nil {
		return h, ref
	}
	lt := r.Header.Get(HeaderLogType)
	if lt == "" {
		return h, refused(http.StatusBadRequest, codeMissingLogType, "missing_log_type",
			"the Log-Type header is missing; name the record type (letters, digits, underscore), it lands in table <Log-Type>%s", CustomTableSuffix)
	}
	if !validLogType(lt) {
		return h, refused(http.StatusBadRequest, codeInvalidLogType, "invalid_log_type",
			"Log-Type %q is invalid: use 1-%d letters, digits and underscores (the table is <Log-Type>%s)", clip(lt), MaxLogTypeBytes, CustomTableSuffix)
	}
	h.table = lt + CustomTableSuffix
	if tf := r.Header.Get(HeaderTimeGenerated); tf != "" {
		name := sanitizeName(tf)
		if name == "" || len(tf) > MaxPropertyNameBytes {
			return h, refused(http.StatusBadRequest, codeInvalidDataFormat, "invalid_time_generated_field",
				"time-generated-field %q is not a usable property name", clip(tf))
		}
		h.timeField, h.timeFieldName = tf, name
	}
	var ref *refusal
	h.enc, ref = parseEncoding(r.Header.Get("Content-Encoding"))
	return h, ref
}

// dataCollectorReplayKey identifies a Data Collector request by all it
// carries: its signature (which covers the date), the headers that change
// its meaning, and its body. A client never sends two different requests
// with the same key; a copy of a request is a replay or a retry of it.
func dataCollectorReplayKey(r *http.Request, workspace string, body []byte) string {
	h := sha256.New()
	for _, s := range [...]string{workspace, r.Header.Get(auth.HeaderAuthorization), r.Header.Get(HeaderLogType),
		r.Header.Get(HeaderTimeGenerated), r.Header.Get("Content-Encoding")} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(body)
	return string(h.Sum(nil))
}

// claimReplay claims key for r until its signature expires. A copy of a
// request already stored is answered 200 with nothing stored again (it
// may be the client's retry after a lost answer); a copy of one still
// being stored is told to retry (it may yet fail).
func (h *Handler) claimReplay(key string, r *http.Request) *refusal {
	signed, _ := http.ParseTime(r.Header.Get(auth.HeaderDate)) // Verify parsed it
	switch err := h.replays.Claim(key, signed.Add(auth.MaxClockSkew), h.now()); {
	case err == nil:
		return nil
	case errors.Is(err, auth.ErrReplayed):
		return refused(http.StatusOK, "", "replayed", "an identical request was stored before; not stored again")
	case errors.Is(err, auth.ErrInProgress):
		return refused(http.StatusServiceUnavailable, codeServiceUnavailable, "replay_in_progress",
			"an identical request is being stored; retry in a second")
	default:
		return refused(http.StatusServiceUnavailable, codeServiceUnavailable, "replay_cache_full",
			"the server remembers %d recent requests, its limit; retry in a minute", h.limits.MaxReplayKeys)
	}
}

// countReplayed logs and counts a copy answered 200 with nothing stored.
func (h *Handler) countReplayed(ctx context.Context, ep string, ref *refusal) {
	server.LogAttrs(ctx, slog.String("endpoint", ep), slog.String("outcome", outcomeOK), slog.String("reason", ref.reason))
	h.m.requests.WithLabelValues(ep, outcomeOK).Inc()
	h.m.refused.WithLabelValues(ep, ref.reason).Inc()
}

// serveDataCollector handles POST /api/logs?api-version=2016-04-01 as the
// Log Analytics HTTP Data Collector API does: 200 with an empty body.
func (h *Handler) serveDataCollector(w http.ResponseWriter, r *http.Request) {
	const ep = endpointDataCollector
	var hdr dcHeaders
	req, ref := h.admit(w, r, auth.DataCollectorResource, func(signer string) (string, *refusal) {
		if hw := hostWorkspace(r.Host); hw != "" && hw != signer {
			return "", wrongWorkspace(hw, signer)
		}
		var ref *refusal
		hdr, ref = parseDataCollectorHeaders(r)
		return signer, ref
	})
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	defer req.release()
	ctx := r.Context()
	server.LogAttrs(ctx, slog.String("workspace", req.workspace), slog.String("table", hdr.table))

	decoded, ref := h.decompress(ctx, req.body, hdr.enc)
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	recs, st, ref := parseCustomRecords(decoded, hdr.timeField, h.now(), h.limits)
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	replayKey := dataCollectorReplayKey(r, req.workspace, req.body)
	if ref := h.claimReplay(replayKey, r); ref != nil {
		if ref.status == http.StatusOK {
			h.countReplayed(ctx, ep, ref)
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		h.refuse(w, r, ep, ref)
		return
	}
	stored := 0
	if len(recs) > 0 {
		if err := h.timeAppend(ep, func() (err error) {
			stored, err = h.app.AppendCustom(ctx, req.workspace, hdr.table, recs, hdr.timeFieldName)
			return err
		}); err != nil {
			h.replays.Forget(replayKey)
			h.fail(w, r, ep, req.workspace, err)
			return
		}
	}
	h.replays.Settle(replayKey)
	h.m.countOK(ep, len(req.body), len(decoded), st.truncated)
	h.m.events.WithLabelValues(ep, "accepted").Add(float64(len(recs)))
	h.m.events.WithLabelValues(ep, "stored").Add(float64(stored))
	h.m.fieldsDropped.Add(float64(st.dropped))
	server.LogAttrs(ctx, slog.String("endpoint", ep), slog.String("outcome", outcomeOK),
		slog.Int("records", len(recs)), slog.Int("stored", stored), slog.Int("truncated_fields", st.truncated))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}
