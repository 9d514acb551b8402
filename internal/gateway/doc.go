// Package gateway is `wsec gateway`: the way machines without access to the
// workspace send their events through another machine. Two modes.
//
// # Proxy mode
//
// An HTTP CONNECT proxy with an allow-list of workspace hosts, like the Log
// Analytics gateway: the agent (its destination's "proxy" setting) opens a
// tunnel to an allowed host:port and speaks TLS to the workspace through
// it, so the gateway sees neither events nor keys and cannot alter them.
// Promises: a CONNECT to a host not on the list is refused (403) before
// any connection is made; any other method is refused (405: plain HTTP
// would let the gateway read and change the traffic); at most MaxTunnels
// tunnels are open (503 beyond).
//
// # Relay mode
//
// Store-and-forward for sites whose link to the workspace is intermittent.
// Agents point a destination's "gateway" setting at it and send exactly
// what they would send the workspace: signed batches (POST .../events),
// heartbeats, rule polls (GET .../rules).
//
// Promises:
//   - A batch is answered 202 only once it is durable in the gateway's
//     spool for its workspace (fsynced; package spool), so an agent's
//     cursor moves only past batches that survive kill -9 or power loss
//     of the gateway. A spool that is full answers 503 with Retry-After:
//     the agent keeps its events (its own spool, then its event log).
//   - The gateway holds no workspace key and forwards each batch
//     unmodified: the path, the body as sent (still compressed) and every
//     header the agent's WsecKey signature covers. It cannot forge or
//     alter a batch; it can only withhold, delay or repeat one. It takes
//     only WsecKey batches (a SharedKey signature covers neither the body
//     nor a nonce, and dies after 15 minutes) and checks that the body
//     matches the digest the signature covers before taking it. So it
//     refuses, with 403 and the reason, an events batch signed with
//     SharedKey (InvalidAuthorization) and every Data Collector API post
//     (POST /api/logs, DataCollectorNotRelayed): those go to the workspace
//     directly or through a gateway in proxy mode.
//   - Each workspace has its own spool and forwarder, so one workspace
//     being down does not hold back another. A forwarder sends up to
//     InFlight batches at once and retries each for ever (backoff,
//     Retry-After honoured) until the workspace answers 2xx, or a 4xx that
//     resending cannot fix (not 401, 403, 404, 408, 429), when the batch is
//     parked in the dead-letter directory. The cursor moves past the
//     longest run of finished batches, so after a crash only unfinished
//     ones go again, and the workspace keeps those it stored once.
//   - Heartbeats and rule polls pass through live (a reverse proxy to the
//     workspace): they are not stored, so a heartbeat says the host is up
//     now, and an agent behind the gateway gets its data collection rules.
//   - Status (GET /status), metrics (wsec_gateway_*, wsec_spool_* per
//     workspace) and one log line per request, as the agent and server.
//
// # Late and repeated batches: what the workspace accepts, and why
//
// A relayed batch reaches the workspace after an outage, possibly long
// after the agent signed it, and possibly twice (the gateway crashed after
// forwarding and before moving its cursor; two gateways behind a load
// balancer each got a copy from an agent's retry). The agent's WsecKey
// signature alone would refuse both: its x-ms-date must be within 15
// minutes and its nonce is accepted once.
//
// Decision: the workspace's events endpoint verifies batches with
// auth.Verifier.VerifyBatch. A WsecKey batch is accepted with an x-ms-date
// up to auth.MaxBatchAge (7 days) in the past, and its nonce is not
// checked. This is safe for event batches, and only for them, because a
// replay can store nothing: the signature still covers the body's digest,
// X-Wsec-Sender, X-Wsec-Seq, the encoding and the path, so a copy is the
// same batch; the store keeps a batch once per (sender, seq) and each event
// once per identity (Computer, Channel, EventRecordID, TimeCreated), by any
// sender, however old. A copy is answered 200 with duplicateBatch and
// stores nothing. Heartbeats, rules, queries and every management request
// keep the 15-minute window and the one-time nonce (a replayed heartbeat
// would add a row, a replayed rule change would undo a later one).
//
// What is promised, precisely: an events batch signed by an agent is
// stored once if it reaches the workspace within auth.MaxBatchAge of its
// signing, however many copies arrive, through however many gateways or
// directly. What a captured batch gives an eavesdropper is the ability to
// send it again within 7 days, which stores nothing. What is not
// promised: a batch held by a gateway for longer than MaxBatchAge is
// refused (403 stale_date) and stays in the gateway's spool, retried, its
// error in the status, until an operator acts; size the gateway's spool
// and watch its status so an outage does not last that long.
//
// Behind a load balancer: several gateways (or several workspace ingest
// nodes over one store) may each get any batch, and a retry may land on
// another one. Nothing is lost, because each acknowledges only what is
// durable; nothing is doubled, because the workspace deduplicates by
// (sender, seq) and event identity wherever a copy came from. What a
// gateway acknowledged and had not forwarded when it died stays in its
// spool until it (or another relay on its data directory) starts again:
// a balancer keeps agents shipping, it does not move a dead gateway's
// spool.
package gateway
