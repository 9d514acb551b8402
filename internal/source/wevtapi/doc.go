// Package wevtapi reads live Windows event log channels (Security,
// Microsoft-Windows-AppLocker/*, ForwardedEvents, ...) through the Windows
// Event Log API: EvtSubscribe in pull mode with a signal event, EvtNext in
// batches, EvtRender to event XML (parsed by package eventxml) and to
// bookmarks.
//
// Why pull mode and XML rendering: pull mode lets the agent stop reading when
// its spool is full (back-pressure; the bookmark stays behind) instead of
// buffering callbacks, and rendered XML is the one form whose parser we also
// run on Linux. Values-only rendering would be faster but gives no EventData
// names without a per-provider metadata lookup.
//
// Why the EventLog interface: everything that decides what is read, from
// where, and what a failure means lives in Stream, in plain Go; the
// Windows-only file is a thin layer of syscalls behind EventLog. Package
// evtsim simulates a Windows event log behind the same interface, so the
// stream, and the agent's spool and shipping behind it, are tested on every
// OS against clears, wraps, forwarded logs, large events and idle channels.
//
// Positions (what Stream promises):
//   - A position is the event's local record number — the RecordId of the
//     Windows bookmark of the event, never the EventRecordID inside it,
//     which in ForwardedEvents and collector logs is the source host's — in
//     the low 44 bits, and a generation above. Positions increase strictly.
//   - Resuming after a position subscribes strictly after a Windows bookmark
//     of it (EvtSubscribeStrict). When that record is gone (ERROR_NOT_FOUND,
//     ERROR_EVT_QUERY_RESULT_STALE, ..._INVALID_POSITION) the stream reads
//     from the oldest record: if the oldest record number is at or below the
//     old one (or the log is empty) the log was cleared, and the generation
//     goes up; if it is above, the records in between were overwritten (the
//     log wrapped): they are counted as lost (wsec_agent_eventlog_lost_
//     records_total) and logged. Record numbers going down within one
//     subscription also mean a clear. Events written after the last one read
//     and before a clear are gone from Windows: no reader can have them.
//   - The agent resumes at the position every destination acknowledged,
//     which may lag; it also tells the stream (Held, source.Resumer) the
//     furthest position a destination holds. The stream checks that record
//     rather than the lagging one: if it is gone, the log was cleared or
//     wrapped as above; if the lagging position is in an older generation,
//     the current one is read from its oldest record. Destinations skip
//     what they hold.
//   - RPC_S_INVALID_BOUND (large events) halves the batch, down to one event,
//     and it grows back afterwards; ERROR_NO_MORE_ITEMS, ERROR_INVALID_
//     OPERATION and ERROR_TIMEOUT with no events mean "nothing to read": the
//     stream waits on the signal, without resubscribing or backing off.
//   - An event Windows cannot render is tried RenderAttempts times, then
//     skipped (counted, logged with its record number); the subscription
//     goes on. Other failures (a missing channel, the service restarting)
//     resubscribe after the last event read, with backoff (1 s to 5 min).
//   - A query Windows refuses (ERROR_EVT_INVALID_QUERY, 15001) ends Read
//     with an error wrapping source.ErrConfig: no retry can succeed, and
//     the agent stops so that the service manager records it.
//
// Limit: a log cleared while the agent is stopped and then refilled past
// the held record number before the agent starts again cannot be told
// from the old log (a Windows bookmark names only a record number): the
// records up to the old number are missed. Security record numbers are in
// the millions on a working server, so this needs millions of events while
// the agent is down.
//
// Cost: each event takes EvtUpdateBookmark and EvtRender of the bookmark
// besides the event's own EvtRender.
//
// Off Windows, System returns an EventLog that fails with ErrUnsupported.
package wevtapi
