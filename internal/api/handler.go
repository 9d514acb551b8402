package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/protocol"
	"wsec/internal/server"
)

// Verifier authenticates a SharedKey-signed request; *auth.Verifier is
// one. A refusal should be an *auth.Error.
type Verifier = server.Verifier

// Options configure a Handler.
type Options struct {
	Querier  Querier  // required
	Verifier Verifier // required
	// Limits; zero fields take DefaultLimits.
	Limits Limits
	// Registerer receives the metrics (once: a second Handler on the same
	// Registerer is an error). nil: not registered.
	Registerer prometheus.Registerer
	// Now is the clock for relative timespans. nil: time.Now.
	Now func() time.Time
}

// Handler serves the query API. It is safe for concurrent use.
type Handler struct {
	q      Querier
	verify Verifier
	limits Limits
	m      *metrics
	now    func() time.Time
	slots  *server.Slots
}

// New returns a Handler; register its routes on a mux (server.New does).
func New(opts Options) (*Handler, error) {
	if opts.Querier == nil || opts.Verifier == nil {
		return nil, errors.New("new api handler: Querier and Verifier are required")
	}
	lim := opts.Limits.withDefaults()
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("new api handler: %w", err)
	}
	return &Handler{q: opts.Querier, verify: opts.Verifier, limits: lim, m: m,
		now: now, slots: server.NewSlots(lim.MaxInFlight, lim.BusyWait, m.inFlight)}, nil
}

// Route patterns (paths from package protocol).
const (
	PatternQuery  = "POST " + protocol.PathQuery
	PatternTables = "GET " + protocol.PathTables
)

const (
	endpointQuery  = "query"
	endpointTables = "tables"
)

// Register adds the API routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc(PatternQuery, h.serveQuery)
	mux.HandleFunc(PatternTables, h.serveTables)
}

// apiError is an answer other than 200.
type apiError struct {
	status  int
	code    string // Log Analytics style code, sent to the client
	reason  string // metric label
	msg     string
	inner   any
	failure bool // the server's fault (outcome failed), not the client's
	// logCause is detail for the log only (internal errors are not
	// described to clients).
	logCause string
}

func newErr(status int, code, reason, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, reason: reason, msg: fmt.Sprintf(format, args...)}
}

func (h *Handler) answerError(w http.ResponseWriter, r *http.Request, endpoint string, e *apiError) {
	outcome := outcomeRefused
	if e.failure {
		outcome = outcomeFailed
	} else {
		h.m.refused.WithLabelValues(endpoint, e.reason).Inc()
	}
	h.m.requests.WithLabelValues(endpoint, outcome).Inc()
	errText := e.msg
	if e.logCause != "" {
		errText = e.logCause
	}
	server.LogAttrs(r.Context(), slog.String("endpoint", endpoint), slog.String("outcome", outcome),
		slog.String("reason", e.reason), slog.String("err", errText))
	if r.Context().Err() != nil {
		return // nobody reads the answer
	}
	if e.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	server.WriteJSON(w, e.status, server.ErrorBody{Error: server.ErrorDetail{Code: e.code, Message: e.msg, InnerError: e.inner}})
}

// authenticate checks the signature and that the signing workspace is the
// one in the path before it reads the body (server.VerifyBeforeBody), then
// checks the body against its signed digest; it returns the workspace and
// the body. A refusal before the body is answered without reading it.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (string, []byte, *apiError) {
	id, e := h.authenticateHeaders(r)
	if e != nil {
		server.SkipBody(w)
		return "", nil, e
	}
	var body []byte
	if r.ContentLength != 0 {
		if body, e = h.readBody(w, r); e != nil {
			return "", nil, e
		}
	}
	if err := auth.CheckBody(r, body); err != nil {
		return "", nil, newErr(http.StatusForbidden, "InvalidAuthorization", string(auth.ReasonBodyMismatch), "%v", err)
	}
	return id, body, nil
}

func (h *Handler) authenticateHeaders(r *http.Request) (string, *apiError) {
	if r.ContentLength > h.limits.MaxBodyBytes {
		return "", tooLarge(h.limits.MaxBodyBytes)
	}
	signer, err := server.VerifyBeforeBody(h.verify, r, r.URL.Path)
	if err != nil {
		var ae *auth.Error
		switch {
		case errors.Is(err, server.ErrLengthRequired):
			return "", newErr(http.StatusLengthRequired, "InvalidHeader", "length_required", "%v", err)
		case errors.As(err, &ae):
			return "", newErr(http.StatusForbidden, "InvalidAuthorization", string(ae.Reason), "%s", ae.Message)
		}
		return "", newErr(http.StatusForbidden, "InvalidAuthorization", "auth_error", "the request could not be authorised: %v", err)
	}
	raw := r.PathValue("id")
	id, ok := auth.CanonicalID(raw)
	if !ok {
		return "", newErr(http.StatusNotFound, "PathNotFoundError", "invalid_workspace_id",
			"the workspace ID %q in the path is not a GUID", clip(raw))
	}
	if id != signer {
		return "", newErr(http.StatusForbidden, "InvalidAuthorization", string(auth.ReasonWrongWorkspace),
			"the request is signed for workspace %s but addresses workspace %s; a workspace's key only gives access to that workspace", signer, id)
	}
	return id, nil
}

func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	body, err := server.ReadBody(w, r, h.limits.MaxBodyBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(h.limits.MaxBodyBytes)
		}
		return nil, newErr(http.StatusBadRequest, "BadArgumentError", "read_error", "the request body could not be read: %v", err)
	}
	return body, nil
}

func tooLarge(max int64) *apiError {
	return newErr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "body_too_large",
		"the request body is larger than the %d bytes allowed", max)
}

// acquire takes a query slot, waiting up to BusyWait.
func (h *Handler) acquire(ctx context.Context) (func(), *apiError) {
	release, err := h.slots.Acquire(ctx)
	switch {
	case err == nil:
		return release, nil
	case errors.Is(err, server.ErrBusy):
		return nil, newErr(http.StatusServiceUnavailable, "ServiceUnavailable", "busy",
			"%d queries are running, the most allowed at once; retry shortly", h.slots.Cap())
	default:
		return nil, newErr(http.StatusServiceUnavailable, "ServiceUnavailable", "canceled", "the request was cancelled while waiting")
	}
}

// newQueryID names a query in logs and in messages about server failures.
func newQueryID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// clip shortens client-sent text quoted in messages.
func clip(s string) string { return truncate(s, 64) }
