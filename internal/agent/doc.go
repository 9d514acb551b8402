// Package agent is wsec-agent's orchestration: it reads sources (live
// event log channels, EVTX and XML files, standard input, a synthetic
// stream), hands every event to one spool per destination workspace
// through that destination's filter (its event set and data collection
// rules, pulled from the workspace and swapped without restart), lets one
// shipper per destination deliver its spool, keeps a bookmark per stream,
// sends heartbeats, and reports status and metrics. Run does all of it;
// cmd/wsec-agent only parses flags and wraps it as a Windows service.
//
// The pieces it wires: package source (positioned, re-readable streams),
// filter (event sets, XPath), spool (durable queue), ship (Fanout and
// Shipper: per-destination positions, batching, retries, detach and
// rewind), bookmark (saved positions), client (heartbeats and rules).
//
// # No event lost, none sent twice
//
// Notation: a stream s delivers events at strictly increasing positions p
// (a record number of the local log, or an ordinal; see package source).
// For a destination d, the shipper keeps per stream high_d(s) — every
// event of s at or below it was appended to d's spool or refused by d's
// filter — and durable_d(s) — every event at or below it was acknowledged
// by d's workspace or refused by the filter.
// Durable(s) is the minimum of durable_d(s) over the destinations that
// know s.
//
// Reading. At start, and after every rewind, each stream is read from
// start(s) = min(Durable(s), bookmark(s)), where bookmark(s) is the saved
// bookmark and only ever takes values Durable had (saveBookmarks). So
// start(s) <= durable_d(s) for every d: nothing some destination still
// needs lies before the read position. Every batch goes to the Fanout from
// one goroutine (reader.handle), in stream order.
//
// Spooling (ship.Fanout.Offer). For each destination and each event above
// high_d(s): refused by the filter, high_d(s) moves to p; otherwise the
// event is appended to d's spool — all events of one offer in one Append,
// durable (fsync) when it returns — and then high_d(s) moves to p. Events
// at or below high_d(s) are skipped: re-reading after a restart or rewind
// never spools an event twice. After a crash, high_d and durable_d are
// rebuilt from the spool itself: the positions stored atomically with the
// acknowledged cursor, and the positions carried by every unacknowledged
// record. A torn Append (one that had not returned) is dropped by the
// spool's recovery and its events are above the rebuilt high_d, so they
// are offered and appended again — once.
//
// Delivery (ship.Shipper). A batch is a run of spool records; its range is
// stored with the spool cursor before the first attempt, so after a crash
// the very same records go out under the same X-Wsec-Seq, and the
// workspace, which stores a batch once per (X-Wsec-Sender, X-Wsec-Seq),
// drops the copy. The sender is the agent ID, created once and kept in the
// data directory; spool sequence numbers are never reused, even when a
// spool is deleted and created again. The cursor — and with it durable_d —
// moves only after the workspace answered 2xx.
//
// A full spool. A destination whose spool is full takes nothing (it is
// detached) and its positions stay where they were, while the others go on:
// a workspace that is down does not hold back the others. When every
// destination is detached, Offer waits, so the agent stops reading and the
// bookmark stays behind: nothing is dropped. Once a detached spool has
// drained, Offer refuses the next batch with ship.ErrRewind and the reader
// starts every stream again from start(s) <= durable_d(s): the destination
// that missed events gets them, the others skip what they hold. The reader
// also offers nothing every DetachedPoll while a destination is detached,
// so a catch-up does not wait for new input. An offer is cut to an eighth
// of the smallest spool, so a drained spool always has room for one.
// The disk is a limit too: the spools leave Config.SpoolMinFreeBytes free
// (acknowledging, bookmarks and the status file always have room), and a
// destination whose spool reached it, or whose spool write failed (disk
// full, permission error), is detached the same way and re-attached by
// itself, without a restart, once its spool can write again.
//
// Power loss. By default the spools fsync appended events together every
// DefaultSpoolSyncInterval (group commit) rather than at every append.
// Append then survives kill -9 (the data is in the operating system) but
// a power loss may take the last unsynced appends. The shipper reads only
// synced records, so nothing was sent or acknowledged from that tail, and
// high_d is rebuilt from the spool as it is on disk, so the lost events are
// above it and are read from the source and appended again — once.
// Config.SpoolSyncEachAppend fsyncs every append instead.
//
// Crash points, checked by TestKill9 (SIGKILL at random points, three
// times, then a run to the end: each workspace holds exactly its events):
// between read and offer (nothing spooled; read again from start(s));
// inside Append (torn tail dropped; appended again); between Append and
// send (the records wait in the spool); between the workspace's answer and
// the cursor write (resent under the same sequence number, dropped by the
// workspace); between the cursor write and segment deletion (Open deletes
// them); during a bookmark save (atomic; the old bookmark is lower, which
// only costs re-reading).
//
// # What is not promised
//
//   - A source must still hold an event when it has to be read again:
//     Windows overwrites the oldest records of a full log, so size the
//     log for the longest outage the spool cannot ride out.
//   - Standard input cannot be read again: a destination detached while
//     it was read misses those events, and events read but not yet
//     spooled when the agent dies are gone.
//   - Filtering uses the rules in force when an event is offered; a rule
//     change does not revisit events already spooled or refused.
//   - A spool damaged on disk is repaired at start (spool.Repair): the
//     records it gives up are logged and counted, and not sent again,
//     because the positions say the destination held them.
//   - A batch the workspace rejects as malformed (a 4xx that resending
//     cannot fix) is parked in the destination's dead-letter directory
//     (package ship), not stored.
//
// # Data collection rules
//
// Each destination polls GET /v1/workspaces/{id}/rules?group=... every
// RulesInterval (30 s) with If-None-Match, so an unchanged answer is a
// 304. The rules assigned to any of the agent's groups replace the
// configured event set and queries (the union of their sets and queries:
// the DCR wins, as in Azure Monitor); no rule assigned means the
// configured policy. A new answer is compiled before it is used: an
// invalid rule keeps the previous rules and its error goes into the
// heartbeat's LastError and the status until the workspace fixes it. The
// last good answer is cached in the data directory, so a restart while the
// workspace is unreachable filters as the workspace last said.
//
// Data directory layout: filenames.go. Limits and defaults: limits.go.
package agent
