package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Routes is what an endpoint package (ingest, api) hands the server.
type Routes interface {
	// Register adds the package's handlers to mux, with method and path
	// patterns ("POST /api/logs").
	Register(mux *http.ServeMux)
}

const (
	patternHealth   = "GET /healthz"
	patternMetrics  = "GET /metrics"
	patternFallback = "/" // everything no route matched: 404 JSON
)

// Options configure a Server. Zero values mean the documented default.
type Options struct {
	// Addr is host:port to listen on. "": DefaultAddr (loopback).
	Addr string
	// CertFile and KeyFile enable TLS (1.2 or later) when both are set.
	CertFile, KeyFile string
	// Logger gets one line per request. nil: no logging.
	Logger *slog.Logger
	// Registerer receives the server's own metrics (once per Registerer).
	// nil: not registered.
	Registerer prometheus.Registerer
	// Gatherer is served on GET /metrics. nil: no /metrics endpoint.
	Gatherer prometheus.Gatherer
	// Health is called by GET /healthz; an error answers 503. nil: always 200.
	Health func(ctx context.Context) error
	// Timeouts; 0: the Default* constant.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout, ShutdownTimeout time.Duration
	// MaxHeaderBytes; 0: DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// Now is the clock for durations and the log rate limit. nil: time.Now.
	Now func() time.Time
	// Connect serves CONNECT requests (a forward proxy, whose target is
	// the request's host, not a path), logged like any request; nil: they
	// get the 404 of an unknown endpoint.
	Connect http.Handler
	// Wrap, when set, puts a handler between the request log and the
	// routes (the access gate: authentication and roles). It gets the mux
	// so it can find a request's route before serving it. nil: none.
	Wrap func(mux *http.ServeMux) http.Handler
}

// Server is wsec's HTTP server.
type Server struct {
	opts    Options
	log     *slog.Logger
	handler http.Handler
	srv     *http.Server
	ln      net.Listener
}

// New assembles the server: routes from each Routes, /healthz, /metrics,
// request logging.
func New(opts Options, routes ...Routes) (*Server, error) {
	if (opts.CertFile == "") != (opts.KeyFile == "") {
		return nil, errors.New("configure TLS: give both a certificate and a key file, or neither")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	setDefault(&opts.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&opts.ReadTimeout, DefaultReadTimeout)
	setDefault(&opts.WriteTimeout, DefaultWriteTimeout)
	setDefault(&opts.IdleTimeout, DefaultIdleTimeout)
	setDefault(&opts.ShutdownTimeout, DefaultShutdownTimeout)
	if opts.MaxHeaderBytes == 0 {
		opts.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	mux := http.NewServeMux()
	for _, r := range routes {
		r.Register(mux)
	}
	mux.HandleFunc(patternHealth, func(w http.ResponseWriter, r *http.Request) {
		if opts.Health != nil {
			if err := opts.Health(r.Context()); err != nil {
				WriteError(w, http.StatusServiceUnavailable, "ServiceUnavailable", err.Error())
				return
			}
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	if opts.Gatherer != nil {
		mux.Handle(patternMetrics, promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc(patternFallback, func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, "NotFound",
			fmt.Sprintf("no endpoint %s %s; see the API reference", r.Method, r.URL.Path))
	})

	rl, err := newRequestLog(log, opts.Registerer, opts.Now)
	if err != nil {
		return nil, err
	}
	var guarded http.Handler = mux
	if opts.Wrap != nil {
		guarded = opts.Wrap(mux)
	}
	routed := guarded
	if opts.Connect != nil {
		routed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodConnect {
				opts.Connect.ServeHTTP(w, r)
				return
			}
			guarded.ServeHTTP(w, r)
		})
	}
	handler := rl.wrap(routed)
	s := &Server{opts: opts, log: log, handler: handler}
	s.srv = &http.Server{
		Addr:              opts.Addr,
		Handler:           handler,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return s, nil
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// Handler is the complete handler (routes, logging, metrics), for tests
// with httptest or for mounting elsewhere.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen binds the address and returns it (useful with port 0).
func (s *Server) Listen() (net.Addr, error) {
	if s.ln != nil {
		return s.ln.Addr(), nil
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", s.opts.Addr, err)
	}
	s.ln = ln
	return ln.Addr(), nil
}

// Serve serves until ctx ends, then shuts down gracefully: it stops
// accepting, waits up to ShutdownTimeout for in-flight requests, and
// returns. It calls Listen if it was not called.
func (s *Server) Serve(ctx context.Context) error {
	if _, err := s.Listen(); err != nil {
		return err
	}
	tlsOn := s.opts.CertFile != ""
	s.log.Info("server listening", "addr", s.ln.Addr().String(), "tls", tlsOn)
	errc := make(chan error, 1)
	go func() {
		var err error
		if tlsOn {
			err = s.srv.ServeTLS(s.ln, s.opts.CertFile, s.opts.KeyFile)
		} else {
			err = s.srv.Serve(s.ln)
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", s.ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	<-errc // Serve returned ErrServerClosed
	if err != nil {
		_ = s.srv.Close()
		return fmt.Errorf("shut down server on %s: %w", s.ln.Addr(), err)
	}
	s.log.Info("server stopped", "addr", s.ln.Addr().String())
	return nil
}
