// Package spool is the agent's durable on-disk queue: one per destination
// workspace, between reading events and shipping them.
//
// Why a spool of our own: the agent must lose nothing and send nothing
// twice across kill -9, power loss and workspace outages, on a Windows
// endpoint with a small disk and no database. The design follows the
// Prometheus TSDB write-ahead log: append-only segment files, a CRC per
// record, records that never span segments (so a torn write can only
// damage the newest one), and a typed corruption error with a Repair path.
// Unlike a WAL, a spool is consumed: an acknowledged cursor, persisted
// atomically, says which records the next hop confirmed, and segments whose
// records are all acknowledged are deleted.
//
// Promises:
//   - An appended record survives power loss once Append returns (with the
//     default SyncInterval 0; see Options.SyncInterval for group commit,
//     where Append survives a process crash and Read hands out only records
//     that are fsynced).
//   - Records are read in order, each with a sequence number that is never
//     reused: numbering continues across restarts, even when every segment
//     was deleted, and a new spool starts from the clock (Options.InitialSeq).
//   - Reading does not move anything; only Ack does, and after Ack returns
//     a crash does not bring acknowledged records back. AckState stores the
//     consumer's own small state in the same atomic write.
//   - The spool never grows past Options.MaxBytes: Append returns ErrFull
//     and writes nothing; the caller stops reading its source (whose
//     bookmark stays behind) instead of dropping.
//   - The spool never takes the disk's last Options.MinFreeBytes: Append
//     returns ErrDiskFull and writes nothing, so acknowledging (which
//     rewrites the cursor and frees delivered segments) keeps working on a
//     full disk.
//   - A failed write or fsync (disk full, permission error) refuses
//     appends only while it lasts: the next Append (or Writable) cuts the
//     newest segment back to the records accounted for and goes on once
//     that works; the spool need not be reopened.
//   - Recovery at Open drops at most the torn tail of the newest segment —
//     records whose Append had not returned — and logs it. Any other damage
//     (an older segment, a bad header, a missing or damaged cursor file) is
//     a *CorruptionError; Repair keeps every record that still verifies and
//     reports what was lost. Nothing is dropped silently.
//
// What the caller must do: append from one goroutine at a time or accept
// that concurrent Appends are serialised; read and acknowledge from one
// consumer; acknowledge in order; Close before exit (a crash without Close
// is safe, Close just fsyncs). One process at a time may open a directory
// (ErrLocked otherwise).
//
// Windows: segment files are closed before they are deleted; directory
// fsync is a no-op there (NTFS journals renames); the directory lock is
// LockFileEx, released by the OS if the process dies.
//
// The file layout is in FORMAT.md; limits and their reasons in limits.go.
package spool
