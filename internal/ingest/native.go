package ingest

import (
	"log/slog"
	"net/http"
	"strconv"

	"wsec/internal/protocol"
	"wsec/internal/server"
)

// Headers of the native endpoint (package protocol).
const (
	HeaderSender       = protocol.HeaderSender
	HeaderSeq          = protocol.HeaderSeq
	HeaderSourceSystem = protocol.HeaderSourceSystem
)

// DefaultSourceSystem fills SourceSystem when the agent does not say: what
// Sentinel shows for events collected by its Windows agents.
const DefaultSourceSystem = "OpsManager"

type nativeHeaders struct {
	sender       string
	seq          uint64
	sourceSystem string
	format       bodyFormat
	enc          encoding
}

func parseNativeHeaders(r *http.Request) (nativeHeaders, *refusal) {
	var h nativeHeaders
	h.sender = r.Header.Get(HeaderSender)
	if !protocol.ValidSender(h.sender) {
		return h, refused(http.StatusBadRequest, codeInvalidHeader, "invalid_sender",
			"%s %q is missing or invalid; send the agent's stable identity (1-%d of letters, digits and . _ - : @ { }), e.g. its GUID",
			HeaderSender, clip(h.sender), MaxSenderBytes)
	}
	seq, err := strconv.ParseUint(r.Header.Get(HeaderSeq), 10, 64)
	if err != nil {
		return h, refused(http.StatusBadRequest, codeInvalidHeader, "invalid_seq",
			"%s %q is missing or not an unsigned decimal integer; send the batch's sequence number (the same on every retry)",
			HeaderSeq, clip(r.Header.Get(HeaderSeq)))
	}
	h.seq = seq
	h.sourceSystem = r.Header.Get(HeaderSourceSystem)
	if h.sourceSystem == "" {
		h.sourceSystem = DefaultSourceSystem
	} else if !validToken(h.sourceSystem, MaxSourceSystemBytes) {
		return h, refused(http.StatusBadRequest, codeInvalidHeader, "invalid_source_system",
			"%s %q is invalid; use 1-%d letters, digits, '.', '_' or '-'", HeaderSourceSystem, clip(h.sourceSystem), MaxSourceSystemBytes)
	}
	var ref *refusal
	if h.format, ref = parseNativeContentType(r.Header.Get("Content-Type")); ref != nil {
		return h, ref
	}
	if h.enc, ref = parseEncoding(r.Header.Get("Content-Encoding")); ref != nil {
		return h, ref
	}
	return h, nil
}

// validToken: 1..max bytes of letters, digits, '.', '_' and '-'.
func validToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// serveEvents handles POST /v1/workspaces/{id}/events.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	const ep = endpointEvents
	var hdr nativeHeaders
	req, ref := h.admit(w, r, r.URL.Path, func(signer string) (string, *refusal) {
		ws, ref := h.pathWorkspace(r, signer)
		if ref != nil {
			return "", ref
		}
		hdr, ref = parseNativeHeaders(r)
		return ws, ref
	})
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	defer req.release()
	ctx := r.Context()
	server.LogAttrs(ctx, slog.String("workspace", req.workspace), slog.String("sender", hdr.sender), slog.Uint64("batch_seq", hdr.seq))

	decoded, ref := h.decompress(ctx, req.body, hdr.enc)
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	evs, truncated, ref := decodeEvents(decoded, hdr.format, h.limits)
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}

	var res Result
	if err := h.timeAppend(ep, func() (err error) {
		res, err = h.app.AppendEvents(ctx, req.workspace, hdr.sender, hdr.seq, evs, hdr.sourceSystem)
		return err
	}); err != nil {
		h.fail(w, r, ep, req.workspace, err)
		return
	}

	h.m.countOK(ep, len(req.body), len(decoded), truncated)
	h.m.events.WithLabelValues(ep, "accepted").Add(float64(len(evs)))
	h.m.events.WithLabelValues(ep, "stored").Add(float64(res.Stored))
	h.m.events.WithLabelValues(ep, "duplicate").Add(float64(res.Duplicates))
	h.m.events.WithLabelValues(ep, "rejected").Add(float64(len(res.Rejected)))
	if res.DuplicateBatch {
		h.m.duplicateBatch.Inc()
	}
	server.LogAttrs(ctx, slog.String("endpoint", ep), slog.String("outcome", outcomeOK),
		slog.Int("events", len(evs)), slog.Int("stored", res.Stored), slog.Int("duplicates", res.Duplicates),
		slog.Bool("duplicate_batch", res.DuplicateBatch), slog.Int("rejected", len(res.Rejected)), slog.Int("truncated_fields", truncated))
	server.WriteJSON(w, http.StatusOK, protocol.BatchResult{
		Accepted: len(evs), Stored: res.Stored, Duplicates: res.Duplicates, DuplicateBatch: res.DuplicateBatch, Rejected: res.Rejected,
	})
}
