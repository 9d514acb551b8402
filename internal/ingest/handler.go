package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/protocol"
	"wsec/internal/server"
	"wsec/internal/store"
)

// Verifier authenticates a SharedKey-signed request; *auth.Verifier is
// one. A refusal should be an *auth.Error (its Reason becomes the metric
// label).
type Verifier = server.Verifier

// BatchVerifier is a Verifier that also knows the relay rule for events
// batches (auth.Verifier.VerifyBatch: an older date and a repeated nonce
// are accepted, since a replayed batch stores nothing). When the Verifier
// is one, the events endpoint uses it, so batches held and forwarded by a
// relay gateway are taken; otherwise every request gets Verify.
type BatchVerifier interface {
	VerifyBatch(r *http.Request, contentLength int64, resource string) (workspace string, err error)
}

// Options configure a Handler.
type Options struct {
	Appender Appender // required
	Verifier Verifier // required
	// Limits; zero fields take DefaultLimits.
	Limits Limits
	// Registerer receives the metrics (once: a second Handler on the same
	// Registerer is an error). nil: not registered.
	Registerer prometheus.Registerer
	// Now is the clock for receive times and replay windows. nil: time.Now.
	Now func() time.Time
	// RequireSignedBody refuses SharedKey-signed requests on the native
	// endpoints (events, heartbeat): only WsecKey, whose signature covers
	// the body, batch identity and a nonce, is accepted there. Set it once
	// every agent is recent enough to sign that way. false: both accepted,
	// SharedKey counted in wsec_ingest_legacy_signatures_total. The Data
	// Collector endpoint always takes SharedKey (Azure's scheme).
	RequireSignedBody bool
}

// Handler serves the ingestion endpoints. It is safe for concurrent use.
type Handler struct {
	app               Appender
	verify            Verifier
	limits            Limits
	m                 *metrics
	now               func() time.Time
	slots             *server.Slots // decode and append
	inflating         *server.Slots // decompression, one per CPU
	zstd              *zstd.Decoder // one-pass decoding, one block decoder per inflating slot
	replays           *auth.ReplayCache
	requireSignedBody bool
}

// New returns a Handler. Register its routes on a mux (server.New does).
func New(opts Options) (*Handler, error) {
	if opts.Appender == nil || opts.Verifier == nil {
		return nil, errors.New("new ingest handler: Appender and Verifier are required")
	}
	lim := opts.Limits.withDefaults()
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("new ingest handler: %w", err)
	}
	inflaters := runtime.GOMAXPROCS(0)
	zd, err := newZstdDecodeAll(inflaters, lim.MaxDecodedBytes)
	if err != nil {
		return nil, fmt.Errorf("new ingest handler: %w", err)
	}
	return &Handler{
		app: opts.Appender, verify: opts.Verifier, limits: lim, m: m, now: now,
		slots:     server.NewSlots(lim.MaxInFlight, lim.BusyWait, m.inFlight),
		inflating: server.NewSlots(inflaters, lim.BusyWait, nil), zstd: zd,
		replays: auth.NewReplayCache(lim.MaxReplayKeys), requireSignedBody: opts.RequireSignedBody,
	}, nil
}

// Route patterns (paths from package protocol).
const (
	PatternEvents        = "POST " + protocol.PathEvents
	PatternHeartbeat     = "POST " + protocol.PathHeartbeat
	PatternDataCollector = "POST " + protocol.PathDataCollector
)

// Register adds the ingestion routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc(PatternEvents, h.serveEvents)
	mux.HandleFunc(PatternHeartbeat, h.serveHeartbeat)
	mux.HandleFunc(PatternDataCollector, h.serveDataCollector)
}

// refuse answers a refusal and counts it.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, endpoint string, ref *refusal) {
	h.m.requests.WithLabelValues(endpoint, outcomeRefused).Inc()
	h.m.refused.WithLabelValues(endpoint, ref.reason).Inc()
	server.LogAttrs(r.Context(), slog.String("endpoint", endpoint), slog.String("outcome", outcomeRefused),
		slog.String("reason", ref.reason), slog.String("err", ref.msg))
	if ref.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(max(ref.retryAfter, 1)))
	}
	if ref.bodyUnread {
		server.SkipBody(w)
	}
	server.WriteError(w, ref.status, ref.code, ref.msg)
}

// fail answers a failed append. Data the store can never take as sent (a
// name it refuses, a table at its column limit) is the client's to change:
// 400 with the store's reason. Anything else is the server's: nothing was
// acknowledged, the client retries.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, endpoint, workspace string, err error) {
	if errors.Is(err, store.ErrInvalidName) || errors.Is(err, store.ErrTableFull) {
		h.refuse(w, r, endpoint, refused(http.StatusBadRequest, codeInvalidDataFormat, "unstorable",
			"the data can never be stored as sent (%v); change it, do not retry it", err))
		return
	}
	if errors.Is(err, store.ErrLowDiskSpace) {
		server.LogAttrs(r.Context(), slog.String("workspace", workspace), slog.String("cause", err.Error()))
		ref := refused(http.StatusServiceUnavailable, codeServiceUnavailable, "low_disk_space",
			"the data was not stored: the workspace server's disk is nearly full, so ingestion is paused until space is freed; keep the data and retry later")
		ref.retryAfter = lowDiskRetryAfter
		h.refuse(w, r, endpoint, ref)
		return
	}
	h.m.requests.WithLabelValues(endpoint, outcomeFailed).Inc()
	server.LogAttrs(r.Context(), slog.String("endpoint", endpoint), slog.String("outcome", outcomeFailed),
		slog.String("workspace", workspace), slog.String("err", err.Error()))
	if r.Context().Err() != nil {
		return // the client is gone; nobody reads the answer
	}
	w.Header().Set("Retry-After", "5")
	server.WriteError(w, http.StatusServiceUnavailable, codeServiceUnavailable,
		"the data was not stored (the store failed); retry the same request later")
}

// admitted is a request that passed authentication and the endpoint's
// header checks, with its body read and a slot held until release.
type admitted struct {
	body      []byte
	workspace string
	release   func()
}

// admit authenticates r, runs check (header and path checks; it returns
// the workspace the request addresses), takes a slot and reads the body.
// Everything but the body is checked before the body is read, so a
// client without the key is refused before it can hold a slot or upload
// a byte: a SharedKey request must say its Content-Length (its signature
// covers it; Azure requires it too), a WsecKey request may be chunked (its
// signature covers the body's digest, checked once read). Reading the
// body takes at most BodyTimeout.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request, resource string, check func(signer string) (string, *refusal)) (*admitted, *refusal) {
	req, ref := h.admitHeaders(r, resource, check)
	if ref != nil {
		ref.bodyUnread = true
		return nil, ref
	}
	body, ref := h.readBody(w, r)
	if ref == nil {
		if err := auth.CheckBody(r, body); err != nil {
			ref = fromAuth(err)
		}
	}
	if ref != nil {
		req.release()
		return nil, ref
	}
	req.body = body
	return req, nil
}

// admitHeaders is admit up to taking the slot, before the body.
func (h *Handler) admitHeaders(r *http.Request, resource string, check func(signer string) (string, *refusal)) (*admitted, *refusal) {
	if r.ContentLength > h.limits.MaxBodyBytes {
		return nil, tooLarge(r.ContentLength, h.limits.MaxBodyBytes)
	}
	bodySigned := auth.BodySigned(r)
	if r.ContentLength < 0 && !bodySigned {
		return nil, refused(http.StatusLengthRequired, codeInvalidHeader, "length_required",
			"the request has no Content-Length; a SharedKey signature covers the body's length, so send the body with a Content-Length (not chunked)")
	}
	verify := h.verify.Verify
	if bv, ok := h.verify.(BatchVerifier); ok && r.Pattern == PatternEvents {
		verify = bv.VerifyBatch
	}
	signer, err := verify(r, r.ContentLength, resource)
	if err != nil {
		return nil, fromAuth(err)
	}
	ws, ref := check(signer)
	if ref != nil {
		return nil, ref
	}
	if !bodySigned {
		h.m.legacySignatures.Inc()
	}
	release, ref := h.acquireFrom(r.Context(), h.slots)
	if ref != nil {
		return nil, ref
	}
	return &admitted{workspace: ws, release: release}, nil
}

// pathWorkspace checks the {id} of the path against the signing workspace
// and, when RequireSignedBody is set, the scheme.
func (h *Handler) pathWorkspace(r *http.Request, signer string) (string, *refusal) {
	if h.requireSignedBody && !auth.BodySigned(r) {
		return "", refused(http.StatusForbidden, codeInvalidAuthorization, "body_not_signed",
			"this server takes only %s signatures on %s (they cover the body and a nonce); upgrade the agent",
			auth.SchemeContent, r.URL.Path)
	}
	raw := r.PathValue("id")
	id, ok := auth.CanonicalID(raw)
	if !ok {
		return "", refused(http.StatusBadRequest, codeInvalidCustomerID, "invalid_workspace_id",
			"the workspace ID %q in the path is not a GUID", clip(raw))
	}
	if id != signer {
		return "", wrongWorkspace(id, signer)
	}
	return id, nil
}

func wrongWorkspace(addressed, signer string) *refusal {
	return refused(http.StatusForbidden, codeInvalidAuthorization, string(auth.ReasonWrongWorkspace),
		"the request is signed for workspace %s but addresses workspace %s; a workspace's key only gives access to that workspace",
		signer, addressed)
}

// acquireFrom takes one of slots, waiting up to BusyWait.
func (h *Handler) acquireFrom(ctx context.Context, slots *server.Slots) (func(), *refusal) {
	release, err := slots.Acquire(ctx)
	switch {
	case err == nil:
		return release, nil
	case errors.Is(err, server.ErrBusy):
		return nil, refused(http.StatusServiceUnavailable, codeServiceUnavailable, "busy",
			"the server is busy with %d ingestion requests; retry in a second", slots.Cap())
	default:
		return nil, refused(http.StatusServiceUnavailable, codeServiceUnavailable, "canceled",
			"the request was cancelled while waiting")
	}
}

// hostWorkspace returns the GUID a Data Collector client put in front of
// the host name (<workspace>.ods.opinsights.azure.com style), or "".
func hostWorkspace(host string) string {
	label, _, ok := strings.Cut(host, ".")
	if !ok {
		return ""
	}
	id, ok := auth.CanonicalID(label)
	if !ok {
		return ""
	}
	return id
}
