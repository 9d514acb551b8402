// Package server runs wsec's HTTP endpoints: one http.Server with every
// timeout set, TLS when a certificate is given, loopback by default, a
// structured log line and Prometheus counters per request, /healthz and
// /metrics, and graceful shutdown when the context ends. It also holds the
// conventions every endpoint shares: the JSON error body
// {"error":{"code","message"}} and LogAttrs, through which a handler adds
// its own fields (workspace, events, refusal reason) to the one log line of
// its request.
//
// Why a package of its own: ingest and api both need the error body and the
// request log, and the server must not know either of them; they hand it
// their routes through the Routes interface.
//
// Promises:
//   - Listen binds before Serve starts, so a caller knows the address (port
//     0 in tests) and that connections will be accepted.
//   - Serve returns after ctx ends and every in-flight request finished or
//     ShutdownTimeout passed; a handler that returned 200 has returned.
//   - One log line per request, never per event. 4xx lines are rate-limited
//     (a client hammering with a wrong key cannot flood the log); dropped
//     lines are counted in wsec_http_log_lines_suppressed_total.
package server
