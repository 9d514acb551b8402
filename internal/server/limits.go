package server

import "time"

// DefaultAddr is where the server listens unless told otherwise: loopback
// only, so a fresh install is not reachable from the network until the
// operator decides (and, ideally, configures TLS).
const DefaultAddr = "127.0.0.1:8800"

// Defaults for Options fields left zero. Each bounds what one slow or
// hostile client can hold.
const (
	// DefaultReadHeaderTimeout: a client must send its headers this fast
	// (slowloris).
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds reading a whole request: a 30 MB batch at
	// 1 Mbit/s takes about 4 minutes.
	DefaultReadTimeout = 5 * time.Minute
	// DefaultWriteTimeout bounds a request from the end of its headers to
	// the end of the response; it must exceed the query timeout plus the
	// time to stream a large result.
	DefaultWriteTimeout = 10 * time.Minute
	// DefaultIdleTimeout closes keep-alive connections left idle.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultShutdownTimeout is how long Serve waits for in-flight requests
	// after ctx ends before closing their connections.
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultMaxHeaderBytes bounds request headers; ours are small.
	DefaultMaxHeaderBytes = 64 << 10

	// WarnLinesPerSecond and WarnLinesBurst rate-limit the log lines of
	// refused (4xx) requests.
	WarnLinesPerSecond = 10
	WarnLinesBurst     = 50
)

// HealthMinFreeBytes: /healthz reports a data directory with less free
// space than this as unhealthy, before ingestion starts failing: a full
// batch (decompressed) plus the store's write-ahead log growth for it fits
// several times over.
const HealthMinFreeBytes = 256 << 20
