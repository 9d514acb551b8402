// Package evtx reads Windows XML Event Log (.evtx) files into event.Event
// values, in pure Go.
//
// Why our own reader: the agent and the CLI need events as event.Event with
// values rendered exactly as Windows renders them (detection content
// compares strings such as "0x3e7", "%%1833" or "S-1-5-18"), fast enough to
// replay large logs, and robust on the damaged files that forensics and
// VSS copies produce. The Go parsers available (Velocidex/evtx,
// 0xrawsec/golang-evtx) build generic maps, do not render values the way
// Windows does, and are several times slower; libevtx needs cgo. This
// package maps the binary XML tokens directly onto event.Event (no XML text
// is built and parsed again), caches each chunk's templates once, and
// decodes chunks in parallel.
//
// Format: a 4 KiB file header, then 64 KiB chunks. Each chunk is
// self-contained (its names and templates are referenced by chunk-relative
// offsets), so chunks are decoded independently and in parallel; results
// are delivered in file order. See FORMAT.md for the layout as read here.
//
// Promises:
//   - Streaming, bounded memory: a File reads one chunk at a time per
//     worker through io.ReaderAt; at most a few decoded chunks per worker
//     wait to be delivered. File size does not matter.
//   - Order: Events and Process deliver chunks in file position order and
//     records in chunk order. For a circular log this is not chronological;
//     sort by EventRecordID when that matters.
//   - Nothing panics on bad input, and every allocation driven by a value
//     read from the file is bounded (limits.go).
//   - Damage is stepped around and reported, never fatal: a file header
//     with a bad checksum, a chunk with a bad checksum (every record that
//     still decodes is delivered, counted as Recovered), a chunk with a bad
//     signature or zero-filled (skipped), a record that does not decode
//     (skipped) or whose trailer is torn (delivered, flagged). Each becomes
//     a Problem saying where (chunk, file offset, record id) and why. Only
//     I/O errors and a missing file signature are returned as errors.
//   - Values are rendered as Windows renders them: integers in decimal,
//     HexInt32/64 and size_t as "0x" + lowercase hex without padding, GUIDs
//     as "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", SIDs as "S-1-5-18",
//     binary as uppercase hex, booleans as "true"/"false", FILETIME as
//     2006-01-02T15:04:05.1234567Z and SYSTEMTIME with milliseconds, ANSI
//     strings as code page 1252. An array value repeats its element once per
//     item (MS-EVEN6 3.1.4.7.5), so in EventData each item is its own Data
//     field with the same name; an element holding a NULL optional
//     substitution is dropped (3.1.4.7.2).
//   - UserData is flattened into fields: the wrapper element's name and
//     xmlns go to UserDataName/UserDataNS; each child becomes a field named
//     by its path below the wrapper ("Params/Param"), and attributes become
//     "path/@name" fields.
//   - Events handed out stay valid (the caller may keep them); their string
//     values do not alias the file buffers. One string allocation holds all
//     payload values of an event; names, SIDs and GUIDs are shared.
//   - Record counts follow what Windows' own readers deliver: a chunk is
//     read up to its free space offset and up to the first record whose
//     framing is broken. Options.Recover looks past such a record for the
//     next one of the same chunk (cross-checked with libevtx's recovery).
//
// Speed: template definitions are parsed once and then shared across
// chunks by template GUID (only between chunks whose checksums verify; see
// template in template.go for why that is safe), records only decode their
// substitution values, and values are rendered straight into one buffer
// per event. Decoding runs at several hundred MB/s per core; callers should
// do their per-event work inside Process' work function so it runs on the
// workers too.
package evtx
