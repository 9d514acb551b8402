// Package file reads Windows event logs from files as source.Streams: EVTX
// files (read once, or followed while they grow), event XML files, and
// event XML on standard input. Folders are expanded to the *.evtx and *.xml
// files in them; each file is its own stream with its own position.
//
// Why per-file streams and these positions: the agent stores a position
// per stream and restarts right after it. A position is where the reader
// is in the file, never an event's own EventRecordID. In an EVTX file it is
// the record number of the file's record header: the log's own sequence,
// which increases along the log and survives the file being copied,
// growing or wrapping. In a log written by the machine itself it equals
// the EventRecordID; in ForwardedEvents, a collector's log or a file
// merged from several computers the EventRecordIDs are the source hosts'
// and go up and down, and every one of those events is still delivered.
// Event XML has no record numbers, so there the position is the event's
// ordinal in the file, which is stable as long as the file is only
// appended to.
//
// Promises, beyond source.Stream's:
//   - EVTX: events come in increasing record number order even from a
//     circular log that has wrapped (the chunks after the wrap point are
//     read first). A record whose number is not above the last one
//     delivered (a stale duplicate in a damaged or dirty file) is skipped
//     and counted, never delivered twice. Damaged records and chunks are
//     stepped over as package evtx does, and counted.
//   - Follow: a followed EVTX file is polled (size and modification time)
//     and read again from the last position when it changed; a file that
//     disappears is waited for. Read returns only when ctx is done.
//   - XML: the ordinal counts every top-level element the reader returned,
//     events and recoverable errors alike, so it is the same on every read
//     of the same bytes. A fatal reader error (a DTD, an I/O error) ends
//     Read with that error.
//   - Standard input ("-") is read once (source.Once). Its positions start
//     above both the position given to Read and the wall clock in
//     nanoseconds, so a later run's events never collide with positions
//     an earlier run stored (that would need more than one event per
//     nanosecond).
//
// Not supported: following an XML file (a half-written event cannot be
// told from a broken one), and files appearing in a folder after the
// streams were opened (restart the agent, or name the files).
package file
