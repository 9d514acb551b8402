package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/protocol"
	"wsec/internal/server"
	"wsec/internal/ship"
	"wsec/internal/spool"
)

// Upstream is a workspace the relay forwards to.
type Upstream struct {
	// Workspace is the workspace GUID; agents address it in their paths.
	Workspace string
	// URL is the workspace server's base URL ("https://wsec.example:8443"),
	// serving at the root path: the agents' signatures cover the path.
	URL string
}

// RelayOptions configure a Relay. Zero values mean the documented default.
type RelayOptions struct {
	// Dir holds one spool (and dead-letter directory) per workspace.
	// Required.
	Dir string
	// Upstreams are the workspaces relayed, at least one.
	Upstreams []Upstream
	// MaxSpoolBytes bounds each workspace's spool; 0: DefaultMaxSpoolBytes.
	MaxSpoolBytes int64
	// InFlight is how many batches each workspace's forwarder sends at
	// once; 0: DefaultInFlight.
	InFlight int
	// CAFile is a PEM file of the CAs trusted for the workspaces' TLS
	// certificates; "": the system roots.
	CAFile string
	// RetryBase, RetryMax, RequestTimeout; 0: the defaults in limits.go.
	RetryBase, RetryMax, RequestTimeout time.Duration
	// MaxDeadLetterBytes bounds each workspace's dead-letter directory;
	// 0: DefaultMaxDeadLetterBytes.
	MaxDeadLetterBytes int64
	// Logger receives warnings and errors; nil: none.
	Logger *slog.Logger
	// Registerer receives the wsec_gateway_* and wsec_spool_* metrics;
	// nil: none.
	Registerer prometheus.Registerer
	// Transport replaces the HTTP transport to the workspaces (tests).
	Transport http.RoundTripper
	// Now is the clock for status and Retry-After; nil: time.Now.
	Now func() time.Time
}

// Relay is the store-and-forward gateway (doc.go). Register its routes on
// a server, run it with Run, Close it after Run returned.
type Relay struct {
	o     RelayOptions
	log   *slog.Logger
	m     *metrics
	fw    map[string]*forwarder // by workspace ID
	order []*forwarder
	pass  *httputil.ReverseProxy
}

// NewRelay opens every workspace's spool.
func NewRelay(o RelayOptions) (_ *Relay, err error) {
	if o.Dir == "" {
		return nil, errors.New("relay: a data directory is required")
	}
	if len(o.Upstreams) == 0 {
		return nil, errors.New("relay: no upstream workspace; give at least one workspace-id=URL")
	}
	if o.MaxSpoolBytes <= 0 {
		o.MaxSpoolBytes = DefaultMaxSpoolBytes
	}
	if o.InFlight <= 0 {
		o.InFlight = DefaultInFlight
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	o.RetryMax = max(o.RetryMax, o.RetryBase)
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.MaxDeadLetterBytes <= 0 {
		o.MaxDeadLetterBytes = DefaultMaxDeadLetterBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Transport == nil {
		if o.Transport, err = newTransport(o.CAFile); err != nil {
			return nil, err
		}
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	r := &Relay{o: o, log: o.Logger, m: m, fw: map[string]*forwarder{}}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	for _, u := range o.Upstreams {
		id, ok := auth.CanonicalID(u.Workspace)
		if !ok {
			return nil, fmt.Errorf("relay: workspace %q is not a GUID", u.Workspace)
		}
		if r.fw[id] != nil {
			return nil, fmt.Errorf("relay: workspace %s is given twice", id)
		}
		base, err := url.Parse(u.URL)
		if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
			return nil, fmt.Errorf("relay: workspace %s: URL %q is not http(s)://host[:port]", id, u.URL)
		}
		if p := strings.TrimRight(base.Path, "/"); p != "" {
			return nil, fmt.Errorf("relay: workspace %s: URL %q has a path; agents sign the path they send to, so the workspace must serve at the root", id, u.URL)
		}
		base.Path, base.RawQuery, base.Fragment = "", "", ""
		f, err := openForwarder(r, id, base)
		if err != nil {
			return nil, err
		}
		r.fw[id] = f
		r.order = append(r.order, f)
	}
	r.pass = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			f := r.fw[canonical(pr.In.PathValue("id"))]
			pr.SetURL(f.base)
			pr.Out.URL.Path, pr.Out.URL.RawPath = pr.In.URL.Path, pr.In.URL.RawPath
			pr.SetXForwarded()
		},
		Transport: o.Transport,
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			server.LogAttrs(req.Context(), slog.String("err", err.Error()))
			server.WriteError(w, http.StatusBadGateway, "BadGateway",
				fmt.Sprintf("the gateway could not reach the workspace: %v; retry later", err))
		},
	}
	return r, nil
}

func newTransport(caFile string) (*http.Transport, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := ship.RootCAs(caFile)
		if err != nil {
			return nil, err
		}
		tlsConf.RootCAs = pool
	}
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: DialTimeout,
		IdleConnTimeout:     90 * time.Second,
		MaxIdleConnsPerHost: 2 * DefaultInFlight,
		ForceAttemptHTTP2:   true,
		DisableCompression:  true, // bodies go through as signed
	}, nil
}

func canonical(id string) string {
	c, _ := auth.CanonicalID(id)
	return c
}

// Routes (paths from package protocol): batches are stored and forwarded;
// heartbeats and agents' rule polls pass through to the workspace live.
const (
	PatternEvents    = "POST " + protocol.PathEvents
	PatternHeartbeat = "POST " + protocol.PathHeartbeat
	PatternRules     = "GET " + protocol.PathRules
	PatternStatus    = "GET /status"
	// PatternDataCollector is refused: see serveDataCollector.
	PatternDataCollector = "POST " + protocol.PathDataCollector
)

// Register adds the relay's routes to mux.
func (r *Relay) Register(mux *http.ServeMux) {
	mux.HandleFunc(PatternEvents, r.serveEvents)
	mux.HandleFunc(PatternHeartbeat, r.passThrough)
	mux.HandleFunc(PatternRules, r.passThrough)
	mux.HandleFunc(PatternStatus, func(w http.ResponseWriter, _ *http.Request) { server.WriteJSON(w, http.StatusOK, r.Status()) })
	mux.HandleFunc(PatternDataCollector, r.serveDataCollector)
}

// serveDataCollector refuses a Data Collector API post (403, without
// reading it) with the reason and the ways that work: its SharedKey
// signature covers only the body's length and expires after 15 minutes,
// so a relay holding it could neither prove it unaltered nor deliver it
// after an outage.
func (r *Relay) serveDataCollector(w http.ResponseWriter, req *http.Request) {
	ws := "" // a label only for a workspace relayed: the header is a stranger's
	if id, _, ok := strings.Cut(strings.TrimPrefix(req.Header.Get("Authorization"), "SharedKey "), ":"); ok && r.fw[canonical(id)] != nil {
		ws = r.fw[canonical(id)].ws
	}
	r.m.received.WithLabelValues(ws, "data_collector_not_relayed").Inc()
	server.LogAttrs(req.Context(), slog.String("reason", "data_collector_not_relayed"))
	server.SkipBody(w)
	server.WriteError(w, http.StatusForbidden, "DataCollectorNotRelayed",
		"a relay gateway does not take Data Collector API posts: their SharedKey signature covers only the body's length and expires after 15 minutes, "+
			"so a stored post could be altered unnoticed or refused when forwarded after an outage; "+
			"post to the workspace directly, or through a gateway in proxy mode (HTTP CONNECT, end-to-end TLS)")
}

// forwarderFor returns the forwarder of the workspace in req's path, or
// answers 404.
func (r *Relay) forwarderFor(w http.ResponseWriter, req *http.Request) *forwarder {
	id := canonical(req.PathValue("id"))
	if f := r.fw[id]; f != nil {
		return f
	}
	server.LogAttrs(req.Context(), slog.String("reason", "unknown_workspace"))
	server.WriteError(w, http.StatusNotFound, "WorkspaceNotRelayed",
		fmt.Sprintf("this gateway relays workspaces %s, not %q; point the agent at the workspace's own gateway or add it with --upstream",
			strings.Join(r.workspaces(), ", "), clip(req.PathValue("id"))))
	return nil
}

func (r *Relay) workspaces() []string {
	out := make([]string, len(r.order))
	for i, f := range r.order {
		out[i] = f.ws
	}
	return out
}

func (r *Relay) passThrough(w http.ResponseWriter, req *http.Request) {
	f := r.forwarderFor(w, req)
	if f == nil {
		return
	}
	kind := "heartbeat"
	if req.Method == http.MethodGet {
		kind = "rules"
	}
	r.m.passed.WithLabelValues(f.ws, kind).Inc()
	r.pass.ServeHTTP(w, req)
}

// serveEvents stores an agent's signed batch and acknowledges it once it
// is durable in the workspace's spool.
func (r *Relay) serveEvents(w http.ResponseWriter, req *http.Request) {
	f := r.forwarderFor(w, req)
	if f == nil {
		return
	}
	server.LogAttrs(req.Context(), slog.String("workspace", f.ws), slog.String("sender", req.Header.Get(protocol.HeaderSender)),
		slog.String("batch_seq", req.Header.Get(protocol.HeaderSeq)))
	refuse := func(status int, code, reason, format string, args ...any) {
		r.m.received.WithLabelValues(f.ws, reason).Inc()
		server.LogAttrs(req.Context(), slog.String("reason", reason))
		server.WriteError(w, status, code, fmt.Sprintf(format, args...))
	}
	if !auth.BodySigned(req) {
		refuse(http.StatusForbidden, "InvalidAuthorization", "body_not_signed",
			"a relay gateway forwards only %s-signed batches (their signature covers the body and outlives the 15-minute window of SharedKey); upgrade the agent",
			auth.SchemeContent)
		return
	}
	if !protocol.ValidSender(req.Header.Get(protocol.HeaderSender)) {
		refuse(http.StatusBadRequest, "InvalidHeader", "invalid_sender", "%s is missing or invalid", protocol.HeaderSender)
		return
	}
	if _, err := strconv.ParseUint(req.Header.Get(protocol.HeaderSeq), 10, 64); err != nil {
		refuse(http.StatusBadRequest, "InvalidHeader", "invalid_seq", "%s is missing or not an unsigned decimal integer", protocol.HeaderSeq)
		return
	}
	if req.ContentLength > MaxBodyBytes {
		refuse(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "too_large",
			"the batch is %d bytes, more than the %d the workspace takes; send smaller batches", req.ContentLength, MaxBodyBytes)
		return
	}
	body, err := server.ReadBody(w, req, MaxBodyBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			refuse(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "too_large",
				"the batch is more than the %d bytes the workspace takes; send smaller batches", MaxBodyBytes)
		} else {
			refuse(http.StatusBadRequest, "InvalidBody", "body_read", "reading the batch failed: %v", err)
		}
		return
	}
	// The gateway holds no key, but it can tell a body damaged on the way
	// from the one signed, and refuse it before taking responsibility.
	if err := auth.CheckBody(req, body); err != nil {
		refuse(http.StatusBadRequest, "InvalidBody", "body_mismatch", "%v", err)
		return
	}
	recs, err := encodeBatch(metaOf(req), body)
	if err != nil {
		refuse(http.StatusBadRequest, "InvalidHeader", "headers_too_large", "%v", err)
		return
	}
	if _, err := f.q.Append(recs...); err != nil {
		if errors.Is(err, spool.ErrFull) || errors.Is(err, spool.ErrDiskFull) {
			w.Header().Set("Retry-After", strconv.Itoa(int(FullRetryAfter/time.Second)))
			refuse(http.StatusServiceUnavailable, "ServiceUnavailable", "spool_full",
				"the gateway's spool for workspace %s is full (its link to the workspace is down or slow); keep the batch and retry later", f.ws)
			return
		}
		w.Header().Set("Retry-After", "5")
		r.log.Error("spool append failed", "workspace", f.ws, "err", err)
		refuse(http.StatusServiceUnavailable, "ServiceUnavailable", "spool_error",
			"the gateway could not store the batch (%v); retry later", err)
		return
	}
	r.m.received.WithLabelValues(f.ws, "queued").Inc()
	r.m.receivedBytes.WithLabelValues(f.ws).Add(float64(len(body)))
	server.WriteJSON(w, http.StatusAccepted, QueuedAnswer{Queued: true, Workspace: f.ws})
}

// QueuedAnswer is the relay's answer to a batch it stored: the batch is
// durable at the gateway, which forwards it to Workspace. Agents treat any
// 2xx as the acknowledgement.
type QueuedAnswer struct {
	Queued    bool   `json:"queued"`
	Workspace string `json:"workspace"`
}

// Run forwards every workspace's spool until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.order))
	for i, f := range r.order {
		wg.Go(func() { errs[i] = f.run(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close closes the spools (after Run returned).
func (r *Relay) Close() {
	for _, f := range r.order {
		f.close()
	}
	r.m.unregister(r.o.Registerer)
}

// Health reports an error when a workspace's spool cannot take batches.
func (r *Relay) Health(context.Context) error {
	var errs []error
	for _, f := range r.order {
		if err := f.q.Writable(); err != nil {
			errs = append(errs, fmt.Errorf("workspace %s: spool: %w", f.ws, err))
		}
	}
	return errors.Join(errs...)
}

// Status is every workspace's forwarding state, in the order configured.
func (r *Relay) Status() []Status {
	out := make([]Status, len(r.order))
	for i, f := range r.order {
		out[i] = f.status()
	}
	return out
}

func spoolDir(dir, ws string) string { return filepath.Join(dir, ws, "spool") }

// clip shortens client-controlled text quoted in messages.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:64] + "..."
}
