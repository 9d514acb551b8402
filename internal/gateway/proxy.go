package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
	"wsec/internal/server"
)

// ProxyOptions configure a Proxy.
type ProxyOptions struct {
	// Allow lists the workspace hosts agents may reach: "host" (any port)
	// or "host:port"; names compare case-insensitively. Required.
	Allow []string
	// MaxTunnels bounds open tunnels; 0: DefaultMaxTunnels.
	MaxTunnels int
	// Dial connects to an allowed host; nil: a net.Dialer with DialTimeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger gets one line per tunnel; nil: none.
	Logger *slog.Logger
	// Registerer receives wsec_gateway_tunnels_*; nil: none.
	Registerer prometheus.Registerer
}

// Proxy is the HTTP CONNECT gateway (doc.go, "Proxy mode"). It is an
// http.Handler: CONNECT to an allowed host is tunnelled, anything else
// refused.
type Proxy struct {
	o     ProxyOptions
	allow map[string]bool // "host" or "host:port", lower case
	slots chan struct{}
	log   *slog.Logger

	tunnels    *prometheus.CounterVec
	open       prometheus.Gauge
	bytes      *prometheus.CounterVec
	collectors []prometheus.Collector
}

// NewProxy checks the allow-list.
func NewProxy(o ProxyOptions) (*Proxy, error) {
	if len(o.Allow) == 0 {
		return nil, errors.New("proxy: the allow-list is empty; give the workspace hosts agents may reach (--allow host[:port])")
	}
	p := &Proxy{o: o, allow: map[string]bool{}, log: o.Logger}
	for _, a := range o.Allow {
		a = strings.ToLower(strings.TrimSpace(a))
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			host, port = strings.Trim(a, "[]"), ""
		}
		if host == "" || strings.ContainsAny(host, "/ ") {
			return nil, fmt.Errorf("proxy: allow-list entry %q is not host or host:port", a)
		}
		if port != "" {
			p.allow[net.JoinHostPort(host, port)] = true
		} else {
			p.allow[host] = true
		}
	}
	if o.MaxTunnels <= 0 {
		o.MaxTunnels = DefaultMaxTunnels
	}
	p.slots = make(chan struct{}, o.MaxTunnels)
	if p.o.Dial == nil {
		p.o.Dial = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.tunnels = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wsec_gateway_tunnels_total", Help: "CONNECT requests by outcome: opened, not_allowed, dial_failed, busy, not_connect."}, []string{"outcome"})
	p.open = prometheus.NewGauge(prometheus.GaugeOpts{Name: "wsec_gateway_tunnels_open", Help: "Tunnels open now."})
	p.bytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wsec_gateway_tunnel_bytes_total", Help: "Bytes carried by tunnels, by direction (up: agent to workspace)."}, []string{"direction"})
	p.collectors = []prometheus.Collector{p.tunnels, p.open, p.bytes}
	if err := metricset.Register(o.Registerer, p.collectors); err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	return p, nil
}

// Allowed reports whether hostport ("host:port") is on the allow-list.
func (p *Proxy) Allowed(hostport string) bool {
	host, port, err := net.SplitHostPort(strings.ToLower(hostport))
	if err != nil || host == "" || port == "" {
		return false
	}
	return p.allow[host] || p.allow[net.JoinHostPort(host, port)]
}

// ServeHTTP tunnels a CONNECT to an allowed host.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		p.tunnels.WithLabelValues("not_connect").Inc()
		server.WriteError(w, http.StatusMethodNotAllowed, "MethodNotAllowed",
			"this gateway only tunnels CONNECT to workspace hosts (end-to-end TLS); use an https workspace URL")
		return
	}
	target := r.Host
	if !p.Allowed(target) {
		p.tunnels.WithLabelValues("not_allowed").Inc()
		p.log.Warn("tunnel refused: host not on the allow-list", "target", clip(target), "client", r.RemoteAddr)
		server.WriteError(w, http.StatusForbidden, "HostNotAllowed",
			fmt.Sprintf("%q is not on this gateway's allow-list; add the workspace host with --allow", clip(target)))
		return
	}
	select {
	case p.slots <- struct{}{}:
	default:
		p.tunnels.WithLabelValues("busy").Inc()
		w.Header().Set("Retry-After", "5")
		server.WriteError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the gateway has its maximum of tunnels open; retry later")
		return
	}
	defer func() { <-p.slots }()
	up, err := p.o.Dial(r.Context(), "tcp", target)
	if err != nil {
		p.tunnels.WithLabelValues("dial_failed").Inc()
		server.WriteError(w, http.StatusBadGateway, "BadGateway", fmt.Sprintf("connect to %s: %v", target, err))
		return
	}
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		up.Close()
		return
	}
	conn, buf, err := rc.Hijack()
	if err != nil {
		up.Close()
		return
	}
	_ = conn.SetDeadline(time.Time{}) // the server's request timeouts do not apply to a tunnel
	p.tunnels.WithLabelValues("opened").Inc()
	p.open.Inc()
	defer p.open.Dec()
	start := time.Now()
	var upBytes, downBytes int64
	done := make(chan struct{})
	go func() {
		var n int64
		if buffered := buf.Reader.Buffered(); buffered > 0 {
			b, _ := buf.Reader.Peek(buffered)
			m, _ := up.Write(b)
			n += int64(m)
		}
		m, _ := io.Copy(up, conn)
		upBytes = n + m
		closeWrite(up)
		close(done)
	}()
	downBytes, _ = io.Copy(conn, up)
	closeWrite(conn)
	<-done
	conn.Close()
	up.Close()
	p.bytes.WithLabelValues("up").Add(float64(upBytes))
	p.bytes.WithLabelValues("down").Add(float64(downBytes))
	p.log.Info("tunnel closed", "target", target, "client", r.RemoteAddr, "bytes_up", upBytes, "bytes_down", downBytes,
		"seconds", time.Since(start).Seconds())
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

// Close unregisters the metrics.
func (p *Proxy) Close() { metricset.Unregister(p.o.Registerer, p.collectors) }
