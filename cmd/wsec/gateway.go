package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"wsec/internal/cli"
	"wsec/internal/gateway"
	"wsec/internal/server"
)

func runGateway(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gateway", stderr)
	mode := fs.String("mode", "relay", "relay (store and forward agents' signed batches) or proxy (HTTP CONNECT to allowed workspace hosts)")
	listen := fs.String("listen", "127.0.0.1:8081", "host:port to listen on (agents on other machines need a non-loopback address)")
	certFile := fs.String("tls-cert", "", "TLS certificate file (PEM); with --tls-key agents reach the gateway over HTTPS")
	keyFile := fs.String("tls-key", "", "TLS private key file (PEM)")
	data := fs.String("data", envDefault("WSEC_GATEWAY_DATA", "wsec-gateway-data"), "relay: data directory (one spool per workspace)")
	var upstreams, allow stringsFlag
	fs.Var(&upstreams, "upstream", "relay: workspace-id=URL of a workspace to relay to (repeat for several)")
	fs.Var(&allow, "allow", "proxy: host or host:port agents may reach (repeat or comma-separate)")
	caFile := fs.String("ca-file", "", "relay: PEM file of the CAs trusted for the workspaces' certificates (default: system roots)")
	maxSpool := fs.Int64("max-spool-bytes", gateway.DefaultMaxSpoolBytes, "relay: bound of each workspace's spool; when full, agents are told to retry later and keep their events")
	inFlight := fs.Int("in-flight", gateway.DefaultInFlight, "relay: batches forwarded to a workspace at once")
	logFormat := fs.String("log-format", "json", "log format: json or text")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if (*certFile == "") != (*keyFile == "") {
		return cli.UsageError("give both --tls-cert and --tls-key, or neither")
	}
	if *logFormat != "json" && *logFormat != "text" {
		return cli.UsageError(fmt.Sprintf("--log-format %q: want json or text", *logFormat))
	}
	log := newLogger(stderr, *logFormat)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	so := server.Options{Addr: *listen, CertFile: *certFile, KeyFile: *keyFile, Logger: log, Registerer: reg, Gatherer: reg}

	switch *mode {
	case "proxy":
		p, err := gateway.NewProxy(gateway.ProxyOptions{Allow: splitList(strings.Join(allow, ",")), Logger: log, Registerer: reg})
		if err != nil {
			return cli.UsageError(err.Error())
		}
		defer p.Close()
		so.Connect = p
		// A tunnel lives as long as the agent's connection: no request timeouts.
		so.ReadTimeout, so.WriteTimeout = -1, -1
		srv, err := server.New(so)
		if err != nil {
			return err
		}
		return serveGateway(ctx, srv, func(addr net.Addr) {
			log.Info("wsec gateway (proxy) serving", "addr", addr.String(), "allow", strings.Join(allow, ","))
		}, nil)
	case "relay":
		var ups []gateway.Upstream
		for _, u := range upstreams {
			id, url, ok := strings.Cut(u, "=")
			if !ok {
				return cli.UsageError(fmt.Sprintf("--upstream %q: want workspace-id=URL", u))
			}
			ups = append(ups, gateway.Upstream{Workspace: id, URL: url})
		}
		r, err := gateway.NewRelay(gateway.RelayOptions{Dir: *data, Upstreams: ups, MaxSpoolBytes: *maxSpool, InFlight: *inFlight,
			CAFile: *caFile, Logger: log, Registerer: reg})
		if err != nil {
			return err
		}
		defer r.Close()
		so.Health = r.Health
		srv, err := server.New(so, r)
		if err != nil {
			return err
		}
		return serveGateway(ctx, srv, func(addr net.Addr) {
			log.Info("wsec gateway (relay) serving", "addr", addr.String(), "data", *data, "workspaces", len(ups))
		}, r.Run)
	default:
		return cli.UsageError(fmt.Sprintf("--mode %q: want relay or proxy", *mode))
	}
}

// serveGateway serves srv and runs work (if any) until ctx ends or either
// stops; then it stops the other and returns the first error.
func serveGateway(ctx context.Context, srv *server.Server, ready func(net.Addr), work func(context.Context) error) error {
	addr, err := srv.Listen()
	if err != nil {
		return err
	}
	ready(addr)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var workErr error
	if work != nil {
		wg.Go(func() {
			workErr = work(ctx)
			cancel()
		})
	}
	err = srv.Serve(ctx)
	cancel()
	wg.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return errors.Join(err, workErr)
}
