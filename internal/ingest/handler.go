package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/protocol"
	"wsec/internal/server"
)

// Verifier authenticates a SharedKey-signed request; *auth.Verifier is
// one. A refusal should be an *auth.Error (its Reason becomes the metric
// label).
type Verifier = server.Verifier

// Options configure a Handler.
type Options struct {
	Appender Appender // required
	Verifier Verifier // required
	// Limits; zero fields take DefaultLimits.
	Limits Limits
	// Registerer receives the metrics (once: a second Handler on the same
	// Registerer is an error). nil: not registered.
	Registerer prometheus.Registerer
	// Now is the clock for receive times. nil: time.Now.
	Now func() time.Time
}

// Handler serves the ingestion endpoints. It is safe for concurrent use.
type Handler struct {
	app    Appender
	verify Verifier
	limits Limits
	m      *metrics
	now    func() time.Time
	zstd   *zstd.Decoder
	slots  *server.Slots
}

// New returns a Handler. Register its routes on a mux (server.New does).
func New(opts Options) (*Handler, error) {
	if opts.Appender == nil || opts.Verifier == nil {
		return nil, errors.New("new ingest handler: Appender and Verifier are required")
	}
	lim := opts.Limits.withDefaults()
	zd, err := newZstdDecoder(lim.MaxDecodedBytes)
	if err != nil {
		return nil, fmt.Errorf("new ingest handler: zstd decoder: %w", err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("new ingest handler: %w", err)
	}
	return &Handler{
		app: opts.Appender, verify: opts.Verifier, limits: lim, m: m,
		now: now, zstd: zd, slots: server.NewSlots(lim.MaxInFlight, lim.BusyWait, m.inFlight),
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
		w.Header().Set("Retry-After", "1")
	}
	server.WriteError(w, ref.status, ref.code, ref.msg)
}

// fail answers a store failure: nothing was acknowledged, the client
// retries.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, endpoint, workspace string, err error) {
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
// When Content-Length is known everything but the body is checked before
// the body is read, so an unsigned or malformed request costs no upload;
// otherwise the body is read first, since the signature covers its length.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request, resource string, check func(signer string) (string, *refusal)) (*admitted, *refusal) {
	if r.ContentLength > h.limits.MaxBodyBytes {
		return nil, tooLarge(r.ContentLength, h.limits.MaxBodyBytes)
	}
	var req admitted
	n := r.ContentLength
	if n < 0 {
		if ref := h.acquireAndRead(w, r, &req); ref != nil {
			return nil, ref
		}
		n = int64(len(req.body))
	}
	ws, ref := h.authorize(r, n, resource, check)
	if ref != nil {
		if req.release != nil {
			req.release()
		}
		return nil, ref
	}
	req.workspace = ws
	if req.release == nil {
		if ref := h.acquireAndRead(w, r, &req); ref != nil {
			return nil, ref
		}
	}
	return &req, nil
}

// authorize verifies the signature over a body of n bytes and runs check.
func (h *Handler) authorize(r *http.Request, n int64, resource string, check func(signer string) (string, *refusal)) (string, *refusal) {
	signer, err := h.verify.Verify(r, n, resource)
	if err != nil {
		return "", fromAuth(err)
	}
	return check(signer)
}

// acquireAndRead takes a slot and reads the body into req; on a refusal
// no slot is held.
func (h *Handler) acquireAndRead(w http.ResponseWriter, r *http.Request, req *admitted) *refusal {
	release, ref := h.acquire(r.Context())
	if ref != nil {
		return ref
	}
	body, ref := h.readBody(w, r)
	if ref != nil {
		release()
		return ref
	}
	req.body, req.release = body, release
	return nil
}

// pathWorkspace checks the {id} of the path against the signing workspace.
func pathWorkspace(r *http.Request, signer string) (string, *refusal) {
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

// acquire takes a decode/append slot, waiting up to BusyWait.
func (h *Handler) acquire(ctx context.Context) (func(), *refusal) {
	release, err := h.slots.Acquire(ctx)
	switch {
	case err == nil:
		return release, nil
	case errors.Is(err, server.ErrBusy):
		return nil, refused(http.StatusServiceUnavailable, codeServiceUnavailable, "busy",
			"the server is busy with %d ingestion requests; retry in a second", h.slots.Cap())
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
