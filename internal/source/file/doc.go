// Package file reads Windows event logs from files as source.Streams: EVTX
// files (read once, or followed while they grow), event XML files, and
// event XML on standard input. Folders are expanded to the *.evtx and *.xml
// files in them; each file is its own stream with its own position.
//
// Why per-file streams and these positions: the agent stores a position
// per stream and restarts right after it. In an EVTX file the
// EventRecordID is that position: it increases along the log, survives
// the file being copied or growing, and is what the workspace deduplicates
// on. Event XML has no such guarantee (an export can mix channels and
// computers), so there the position is the event's ordinal in the file,
// which is stable as long as the file is only appended to.
//
// Promises, beyond source.Stream's:
//   - EVTX: events come in increasing EventRecordID order even from a
//     circular log that has wrapped (the chunks after the wrap point are
//     read first). A record whose ID is not above the last one delivered
//     (a stale duplicate in a damaged or dirty file) is skipped and
//     counted, never delivered twice. Damaged records and chunks are
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
