// Package ship delivers spooled events to workspaces: batching,
// compression, body-signing (WsecKey), retries, dead letters, and multi-homing
// (one agent, several workspaces).
//
// Why it is built this way: the agent must lose nothing and send nothing
// twice across restarts, kill -9, power loss and outages of any length.
// Every hop acknowledges, and a cursor moves only after the next hop did:
//
//	source --Offer--> spool (one per destination) --batch--> workspace
//	   ^                  |  ack: spool cursor moves           |
//	   +-- bookmark <-- Durable() <----------- 2xx ------------+
//
// Promises:
//   - A batch is a run of spool records [first, last]. Its range is stored
//     with the spool cursor (spool.Queue.AckState) before the first attempt,
//     so after a crash exactly the same records go out again with the same
//     X-Wsec-Seq (the spool sequence number of the first record), and the
//     workspace, which stores a batch once per (X-Wsec-Sender, X-Wsec-Seq),
//     drops the copy. Sequence numbers are never reused (spool promise),
//     including after the spool is deleted and created again.
//   - Up to Options.MaxInFlight batches are sent at once (one in flight
//     left a local workspace idle between batches), and the workspace may
//     answer them in any order. The cursor moves only over a contiguous
//     prefix of acknowledged batches: the stored state lists every batch in
//     flight, so a crash with a later batch acknowledged and an earlier one
//     not resends both, and the workspace drops the one it holds.
//   - The spool cursor moves only after a 2xx, or after a rejected batch
//     (a 4xx that resending cannot fix) is durably parked in the dead-letter
//     directory. Everything else — network errors, timeouts, 5xx, 408, 429,
//     and 401/403/404, which are configuration problems an operator fixes
//     while the spool holds the events — is retried for ever with capped,
//     full-jitter exponential backoff (Retry-After honoured). A 413 splits
//     the batch. When the dead-letter directory is full, the destination
//     stalls rather than drop.
//   - The request body is the framed events exactly as spooled (no
//     re-encoding), compressed with zstd (default), s2 or gzip, and signed
//     per attempt with a fresh x-ms-date and nonce (internal/auth.SignContent).
//     A workspace that refuses s2 (400/415, older than s2) gets the same
//     batch again with zstd, and zstd from then on: the encoding is the
//     attempt's, never part of the batch's identity.
//   - Fanout spools each event once per destination whose filter wants it.
//     Each spool record carries the event's source position (channel,
//     record ID); Durable() is, per channel, the position every destination
//     has acknowledged or filtered out — the only position the source's
//     bookmark may move to. Records offered again (after a restart, or a
//     rewind) are skipped by destinations that already hold them.
//   - A destination that is down does not hold the others back: its spool
//     fills to MaxBytes, then it is detached (it takes nothing; its position
//     stays behind) while the others go on; once it has drained, Offer
//     returns ErrRewind and the caller re-reads the source from Durable().
//     The event log must still hold those events: size it for the longest
//     outage to ride out.
//
// What the caller must do: open one spool per destination and pass it to
// New; run Fanout.Run; feed Fanout.Offer from one goroutine with record IDs
// increasing per channel (a source that sees a channel's numbering restart,
// e.g. after the log was cleared, must present it as a new channel name);
// on ErrRewind re-read from Durable(); call Offer with no items when idle;
// save Durable() to the bookmark store now and then (positions never go
// back). Stop with the context, then Fanout.Close, then close the spools.
//
// Wire format, spool record envelope and shipper state: FORMAT.md.
// Limits and their reasons: limits.go.
package ship
