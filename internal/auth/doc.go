// Package auth owns workspaces and their keys, and the request signatures
// every wsec endpoint requires.
//
// Two schemes, one key. SharedKey is the scheme of the Log Analytics HTTP
// Data Collector API, so Fluent Bit's azure output, Logstash and NXLog sign
// requests we can verify without any change on their side:
//
//	Authorization: SharedKey <workspace-id>:<base64 HMAC-SHA256>
//	x-ms-date: <RFC 1123 date, GMT>
//
// over the string
//
//	METHOD "\n" content-length "\n" content-type "\n" "x-ms-date:" date "\n" path
//
// keyed with the base64-decoded workspace key ("/api/logs" for the Data
// Collector API, exactly as Azure documents it). WsecKey is what wsec's own
// clients (agent, CLI) sign with (SignContent): the same key and HMAC, over
// the body's SHA-256 (x-ms-content-sha256), a nonce new for every request
// (x-wsec-nonce) and every x-wsec-* header (StringToSignContent).
//
// Promises:
//   - Verify accepts a request only if its signature matches the primary or
//     the secondary key of the workspace it names (compared in constant time),
//     and its x-ms-date is within MaxClockSkew (15 minutes) of the server
//     clock. Every refusal is an *Error whose Reason says which check failed.
//   - A request naming a workspace that does not exist is refused with the
//     same message, after the same checks and work, as one signed with a
//     wrong key: an unauthenticated caller cannot enumerate workspace IDs.
//   - WsecKey: a nonce is accepted once while its date is in the window (the
//     Verifier remembers up to MaxNonces, refusing with
//     ReasonReplayCacheFull rather than forgetting one early), and CheckBody
//     refuses a body whose digest differs from the signed one. So a captured
//     WsecKey request can be neither replayed nor altered (body, batch
//     identity, encoding, path), and its signature can be checked before the
//     body is read, even when the body is chunked.
//   - Events batches are the one exception (VerifyBatch): a WsecKey batch
//     may be up to MaxBatchAge old and its nonce may repeat, because a
//     relay gateway forwards the agent's signed request unchanged, later
//     and possibly more than once. Replaying one is harmless: the
//     signature still covers the body, sender, sequence number and path,
//     and the store keeps a batch once per (sender, seq) and an event once
//     per identity. Every other request keeps the 15-minute window and the
//     nonce rule.
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
// What SharedKey does not promise (Azure's design, kept for compatibility):
// the body is not signed, only its length, and nothing makes a request
// unique but its date. Someone who sees a SharedKey request in clear can,
// within 15 minutes, send it again or send another body of the same length
// under its signature. Package ingest stores a byte-identical copy of a
// Data Collector request once; a different body of the same length cannot
// be told from the original. Integrity and secrecy of SharedKey traffic come
// from TLS only, which is why production servers must use TLS.
package auth
