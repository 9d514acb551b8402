package ingest

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"

	"wsec/internal/auth"
	"wsec/internal/protocol"
	"wsec/internal/server"
)

// serveHeartbeat handles POST /v1/workspaces/{id}/heartbeat: one JSON
// object with Heartbeat's fields (unknown fields are ignored, so older
// servers accept newer agents), optionally compressed.
func (h *Handler) serveHeartbeat(w http.ResponseWriter, r *http.Request) {
	const ep = endpointHeartbeat
	var enc encoding
	req, ref := h.admit(w, r, r.URL.Path, func(signer string) (string, *refusal) {
		ws, ref := h.pathWorkspace(r, signer)
		if ref != nil {
			return "", ref
		}
		if ref := requireJSON(r.Header.Get("Content-Type")); ref != nil {
			return "", ref
		}
		enc, ref = parseEncoding(r.Header.Get("Content-Encoding"))
		return ws, ref
	})
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	defer req.release()
	ctx := r.Context()
	server.LogAttrs(ctx, slog.String("workspace", req.workspace))
	decoded, ref := h.decompress(ctx, req.body, enc)
	if ref != nil {
		h.refuse(w, r, ep, ref)
		return
	}
	hb := new(Heartbeat)
	d := json.NewDecoder(bytes.NewReader(decoded))
	if err := d.Decode(hb); err != nil || d.More() {
		h.refuse(w, r, ep, refused(http.StatusBadRequest, codeInvalidDataFormat, "malformed_body",
			"the heartbeat is not one JSON object with string fields Computer, OSType, Version, ... (%v)", err))
		return
	}
	if hb.Computer == "" {
		h.refuse(w, r, ep, refused(http.StatusBadRequest, codeInvalidDataFormat, "malformed_body",
			"the heartbeat has no Computer; send the agent's computer name"))
		return
	}
	truncated := 0
	for _, p := range [...]*string{&hb.Computer, &hb.ComputerIP, &hb.Category, &hb.OSType, &hb.OSName,
		&hb.OSMajorVersion, &hb.OSMinorVersion, &hb.Version, &hb.SourceComputerID, &hb.LastError} {
		if len(*p) > MaxHeartbeatValueBytes {
			*p = truncateUTF8(*p, MaxHeartbeatValueBytes)
			truncated++
		}
	}
	// A SharedKey signature covers only the body's length: a copy of it
	// could store a captured heartbeat again, or another body of that
	// length, for 15 minutes. Each signature is taken once (an agent signs
	// every heartbeat anew); WsecKey requests carry a nonce the Verifier
	// takes once already.
	var replayKey string
	if !auth.BodySigned(r) {
		replayKey = signatureReplayKey(req.workspace, r)
		if ref := h.claimReplay(replayKey, r); ref != nil {
			if ref.status == http.StatusOK {
				h.countReplayed(ctx, ep, ref)
				server.WriteJSON(w, http.StatusOK, map[string]int{"stored": 0})
				return
			}
			h.refuse(w, r, ep, ref)
			return
		}
	}
	hb.TimeGenerated = h.now().UTC()
	if s := r.Header.Get(HeaderSender); protocol.ValidSender(s) {
		hb.Sender = s
	}
	if err := h.timeAppend(ep, func() error { return h.app.AppendHeartbeat(ctx, req.workspace, hb) }); err != nil {
		h.replays.Forget(replayKey)
		h.fail(w, r, ep, req.workspace, err)
		return
	}
	h.replays.Settle(replayKey)
	h.m.countOK(ep, len(req.body), len(decoded), truncated)
	server.LogAttrs(ctx, slog.String("endpoint", ep), slog.String("outcome", outcomeOK), slog.String("computer", hb.Computer))
	server.WriteJSON(w, http.StatusOK, map[string]int{"stored": 1})
}

// signatureReplayKey identifies a SharedKey request by its signature,
// which covers its date, length, content type and resource.
func signatureReplayKey(workspace string, r *http.Request) string {
	return workspace + "\x00" + r.Header.Get(auth.HeaderAuthorization)
}

// requireJSON accepts application/json with any parameters.
func requireJSON(ct string) *refusal {
	if ct == "" {
		return refused(http.StatusBadRequest, codeMissingContentType, "missing_content_type",
			"Content-Type is missing; send application/json")
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return refused(http.StatusBadRequest, codeUnsupportedContentType, "unsupported_content_type",
			"Content-Type %q is not supported; send application/json", clip(ct))
	}
	return nil
}
