// Package auth owns workspaces and their keys, and the SharedKey request
// signature every wsec endpoint requires.
//
// Why SharedKey: it is the scheme of the Log Analytics HTTP Data Collector
// API, so Fluent Bit's azure output, Logstash and NXLog sign requests we can
// verify without any change on their side; using the same scheme for the
// native ingestion and the query API leaves one thing to get right. The key
// itself never travels: a request carries
//
//	Authorization: SharedKey <workspace-id>:<base64 HMAC-SHA256>
//	x-ms-date: <RFC 1123 date, GMT>
//
// over the string
//
//	METHOD "\n" content-length "\n" content-type "\n" "x-ms-date:" date "\n" path
//
// keyed with the base64-decoded workspace key. For the Data Collector API the
// path is "/api/logs", exactly as Azure documents it.
//
// Promises:
//   - Verify accepts a request only if its signature matches the primary or
//     the secondary key of the workspace it names (compared in constant time),
//     and its x-ms-date is within MaxClockSkew (15 minutes) of the server
//     clock. Every refusal is an *Error whose Reason says which check failed.
//   - Both keys are valid at every moment, so a client can move from one key
//     to the other while the other is rotated: no downtime.
//   - The Registry's file is replaced atomically (temp file, fsync, rename,
//     fsync of the directory): after a crash it holds either the old or the
//     new set of workspaces, never a torn one. A change returns only after
//     it is durable.
//   - A Registry notices changes another process (the wsec CLI) made to the
//     file within ReloadInterval, so keys created or rotated by the CLI work
//     on a running server without a restart.
//
// What the scheme does not promise: the body is not signed, only its length
// (that is Azure's design). Integrity of the body and secrecy of the data
// come from TLS; a request captured in clear could be replayed within the
// skew window. The native endpoint's per-sender batch sequence makes such a
// replay a stored-once duplicate.
package auth
