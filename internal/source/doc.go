// Package source defines what the agent reads events from: a Stream is an
// ordered run of events, each with a position, that can be read again from
// any position. The implementations live in the subpackages: wevtapi (live
// Windows event log channels), file (EVTX files and folders, event XML
// files and stdin) and synthetic (a generated Security event mix at a set
// rate).
//
// Why positions: the agent's promise — no event lost, none sent twice,
// across restarts, crashes and outages — rests on being able to say "every
// event of this stream up to position p is done" and to start reading again
// right after p. A position is a uint64 that increases strictly along a
// stream: the local log's own record number for EVTX files (and, with a
// generation in the high bits, for event log channels), the event's
// 1-based ordinal for event XML and synthetic streams. 0 means "before
// the first event". A position is never an event's EventRecordID as such:
// in forwarded logs and files merged from several computers those belong
// to the source hosts and go up and down.
//
// What a Stream promises (and what the tests of every implementation check):
//   - Read(ctx, after, emit) hands emit the events with positions greater
//     than after, in strictly increasing position order, in batches.
//   - Reading again from the same position yields the same events (for
//     replayable streams; see Once).
//   - Batch.Through covers positions that held no event the stream could
//     decode (a damaged record, a malformed XML element): they are passed,
//     not retried for ever, and counted by the stream.
//   - Read returns nil when a finite stream is exhausted, ctx.Err() when
//     ctx is done, or the error emit returned, unchanged, so a caller can
//     stop a read early (for example to rewind) with an error of its own.
package source
