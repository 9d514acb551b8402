// Package storeopen opens the store backend a --store flag names, so the
// commands that run a workspace server know the spelling of a store and
// nothing of the engines behind it.
//
//	duckdb                   the embedded DuckDB store under the data directory (default)
//	clickhouse://HOST:PORT/DB?shards=...  a ClickHouse cluster (clickhouse.ParseURL)
package storeopen

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/diskspace"
	kqlsql "wsec/internal/kql/sql"
	"wsec/internal/store"
	"wsec/internal/store/clickhouse"
	"wsec/internal/store/duckdb"
)

// Options are what any backend may need from the server.
type Options struct {
	// DataDir is the server's data directory; the embedded store lives in
	// its "store" subdirectory.
	DataDir    string
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// GeoInfo answers geo_info_from_ip_address() in a workspace
	// (geoip.Settings.GeoInfoJSON).
	GeoInfo func(ws, ip string) (string, bool)
	// WorkspaceRetention gives a workspace's own retention per table in
	// days (package settings); nil: the backend's defaults only.
	WorkspaceRetention func(workspace string) map[string]int
	// MinFreeDiskBytes pauses ingestion into the embedded store while its
	// disk has less free space (duckdb.Options.MinFreeDiskBytes); FreeSpace
	// measures it (nil: diskspace.Free).
	MinFreeDiskBytes int64
	FreeSpace        diskspace.Func
	// MemoryLimitBytes is DuckDB's memory_limit per workspace database
	// (duckdb.Options.MemoryLimitBytes; 0: DuckDB's default).
	MemoryLimitBytes int64
	// Threads is DuckDB's threads per workspace database
	// (duckdb.Options.Threads; 0: duckdb.DefaultThreads).
	Threads int
}

// openTimeout bounds connecting to a server store at startup.
const openTimeout = 30 * time.Second

// Default is the store used when none is named.
const Default = "duckdb"

// Open opens the backend spec names.
func Open(spec string, o Options) (store.Backend, error) {
	switch {
	case strings.HasPrefix(spec, "clickhouse://"):
		co, err := clickhouse.ParseURL(spec)
		if err != nil {
			return nil, err
		}
		co.Logger = o.Logger
		co.WorkspaceRetention = o.WorkspaceRetention
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		return clickhouse.Open(ctx, co)
	case spec == "" || spec == "duckdb":
		st, err := duckdb.Open(filepath.Join(o.DataDir, "store"), duckdb.Options{Logger: o.Logger, Registerer: o.Registerer, GeoInfo: o.GeoInfo,
			WorkspaceRetention: o.WorkspaceRetention, MinFreeDiskBytes: o.MinFreeDiskBytes, FreeSpace: o.FreeSpace, MemoryLimitBytes: o.MemoryLimitBytes, Threads: o.Threads})
		if err != nil {
			return nil, err
		}
		return DuckDB(st), nil
	}
	return nil, fmt.Errorf("store %q: want %q or clickhouse://HOST:PORT/DATABASE", spec, Default)
}

// DuckDB is the embedded store as a Backend.
func DuckDB(st *duckdb.Store) store.Backend { return duckBackend{st} }

type duckBackend struct{ *duckdb.Store }

func (b duckBackend) Workspace(id string) (store.Workspace, error) {
	w, err := b.Store.Workspace(id)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (duckBackend) Dialect() kqlsql.Dialect { return kqlsql.DuckDB{} }
