// Package ingest is the workspace's HTTP front door for data: the native
// endpoint the wsec agent ships batches to, the Log Analytics HTTP Data
// Collector API (so Fluent Bit's azure output, Logstash and NXLog send
// unmodified), and agent heartbeats.
//
// Endpoints (signed with a workspace key, see package auth):
//
//	POST /v1/workspaces/{id}/events     batches of parsed events
//	POST /api/logs?api-version=2016-04-01  Data Collector API → <Log-Type>_CL
//	POST /v1/workspaces/{id}/heartbeat  one agent heartbeat
//
// A native batch carries X-Wsec-Sender (the agent's identity) and
// X-Wsec-Seq (the batch's sequence number for that sender), so the store
// can keep a retried or duplicated batch once; the body is the event
// package's batch framing (application/x-wsec-batch) or one event JSON per
// line (application/x-ndjson), optionally compressed (Content-Encoding
// zstd, s2 or gzip).
//
// Promises:
//   - No body is read before the request is authenticated: the signature,
//     the workspace it addresses and the endpoint's headers are checked
//     first. So a client without the key cannot upload, hold a slot or
//     make the server decode anything. A SharedKey request must carry
//     Content-Length (411 otherwise: its signature covers the length);
//     a WsecKey request may be chunked. A body must arrive within
//     BodyTimeout (408 otherwise), which bounds what even a key holder can
//     keep busy.
//   - An unauthenticated caller gets the same answer for an unknown
//     workspace as for a wrong key.
//   - Replays: a WsecKey request (the agent's, the CLI's) is accepted once
//     (nonce) and only with the body it was signed with; an events batch
//     alone may come again, and up to auth.MaxBatchAge late (a relay
//     gateway forwards it unchanged, after an outage and perhaps twice),
//     and stores nothing the second time: the store keeps it once per
//     (sender, seq) and each event once per identity. A byte-identical
//     copy of a Data Collector request (same signature, Log-Type,
//     time-generated-field, encoding and body) is stored once: a copy of
//     one stored is answered 200 without storing, a copy of one being
//     stored 503. A SharedKey Data Collector request with another body of
//     the same length cannot be told from the original (see package auth):
//     run the server with TLS. A SharedKey heartbeat (older agents) is
//     taken once per signature: a copy, even with another body of the
//     same length, is answered 200 {"stored":0} and stores nothing.
//     Events need no such rule: a copy of a batch is deduplicated. RequireSignedBody refuses SharedKey on the
//     native endpoints once every agent signs with WsecKey.
//   - A request that can never succeed gets a 4xx saying why, never a 5xx a
//     client would retry forever: the limits here agree with the store's
//     (a Log-Type of 100 characters, 500 properties of 500-byte names fit a
//     new custom table), and what the store refuses for good (a name, a
//     table at its column limit: store.ErrInvalidName, store.ErrTableFull)
//     is answered 400.
//   - A 200 is written only after the Appender returned without error, and
//     an Appender returns only once the data is durable. So an acknowledged
//     batch survives kill -9 of the server right after the 200, and an
//     agent that got no 200 retries the same (sender, seq) safely.
//   - A refused request stores nothing: every check (signature, workspace,
//     headers, size, decompression, decoding, limits) runs before the
//     Appender is called. The answer is a JSON {"error":{"code","message"}}
//     with Azure's code where Azure has one; the refusal is counted in
//     wsec_ingest_refused_total{endpoint,reason}.
//   - Memory per request is bounded by Limits: the wire body by
//     MaxBodyBytes (http.MaxBytesReader) and the decompressed body by
//     MaxDecodedBytes. Decompression streams: a zip bomb is counted, not
//     kept, and refused once it passes the bound, so it costs a decoder's
//     buffers, not what it inflates to; nothing is kept after a request.
//     At most MaxInFlight requests decode at once, one decompression per
//     CPU.
//   - A field value longer than the limit is truncated (at a UTF-8
//     boundary) and counted, not refused: refusing would make an agent
//     retry the same batch forever. Azure truncates Data Collector values
//     at 32 KB the same way.
//
// Deviations from Azure, on purpose: the time-generated-field is honoured
// however old the time is (a local store has no reason to rewrite history
// to the receive time); property names are sanitised to letters, digits
// and underscore with leading underscores removed (so a client cannot write
// system columns such as _ResourceId), and names equal but for case get
// "_2", "_3" (Logstash's "@version" beside Windows' "Version" becomes
// "version_2") rather than refusing the record; the type suffixes Azure
// appends to custom columns (_s, _d, _b, _t, _g) are the store's business.
//
// Handlers log nothing themselves: they add fields (workspace, events,
// reason) to the single request log line of package server.
package ingest
