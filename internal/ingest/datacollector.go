package ingest

import (
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

	decoded, ref := h.decompress(req.body, hdr.enc)
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	recs, st, ref := parseCustomRecords(decoded, hdr.timeField, h.now(), h.limits)
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	stored := 0
	if len(recs) > 0 {
		if err := h.timeAppend(ep, func() (err error) {
			stored, err = h.app.AppendCustom(ctx, req.workspace, hdr.table, recs, hdr.timeFieldName)
			return err
		}); err != nil {
			h.fail(w, r, ep, req.workspace, err)
			return
		}
	}
	h.m.countOK(ep, len(req.body), len(decoded), st.truncated)
	h.m.events.WithLabelValues(ep, "accepted").Add(float64(len(recs)))
	h.m.events.WithLabelValues(ep, "stored").Add(float64(stored))
	h.m.fieldsDropped.Add(float64(st.dropped))
	server.LogAttrs(ctx, slog.String("endpoint", ep), slog.String("outcome", outcomeOK),
		slog.Int("records", len(recs)), slog.Int("stored", stored), slog.Int("truncated_fields", st.truncated))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}
