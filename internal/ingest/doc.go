// Package ingest is the workspace's HTTP front door for data: the native
// endpoint the wsec agent ships batches to, the Log Analytics HTTP Data
// Collector API (so Fluent Bit's azure output, Logstash and NXLog send
// unmodified), and agent heartbeats.
//
// Endpoints (all SharedKey-signed, see package auth):
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
// zstd or gzip).
//
// Promises:
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
//     MaxDecodedBytes (a zip bomb is refused, not inflated); at most
//     MaxInFlight requests decode at once.
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
