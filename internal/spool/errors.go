package spool

import (
	"errors"
	"fmt"
)

// ErrFull is returned by Append when the records would take the spool past
// Options.MaxBytes. Nothing was written. The caller must stop taking input
// (leave its source's bookmark where it is) and retry after the consumer
// acknowledged records; dropping is never the spool's choice.
var ErrFull = errors.New("spool full")

// ErrDiskFull is returned by Append when the records would leave less than
// Options.MinFreeBytes free on the spool's filesystem. Nothing was written.
// Like ErrFull, the caller stops taking input; unlike ErrFull, room may
// come back without an acknowledgement (other files shrink), so the caller
// retries later (Writable says when).
var ErrDiskFull = errors.New("disk space at the spool's reserve")

// ErrRecordTooLarge is returned by Append for a record longer than
// MaxRecordBytes. Nothing was written.
var ErrRecordTooLarge = errors.New("spool record too large")

// ErrClosed is returned by every method of a closed Queue.
var ErrClosed = errors.New("spool closed")

// ErrLocked is returned by Open when another Queue (in this or another
// process) has the directory open.
var ErrLocked = errors.New("spool directory in use")

// CorruptionError says that a file of the spool does not hold what the
// spool wrote: damage that is not a torn tail of the newest segment, or a
// missing or damaged cursor file. Open refuses the spool; Repair fixes it by
// giving up the damaged part, and says how many records that cost.
type CorruptionError struct {
	Dir    string
	File   string // base name of the damaged file
	Offset int64  // byte offset of the first bad byte; -1 when the whole file is bad
	Seq    uint64 // sequence number of the first record lost, when known (0 otherwise)
	Err    error
}

func (e *CorruptionError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("spool %s: corruption in %s: %v", e.Dir, e.File, e.Err)
	}
	return fmt.Sprintf("spool %s: corruption in %s at offset %d: %v", e.Dir, e.File, e.Offset, e.Err)
}

func (e *CorruptionError) Unwrap() error { return e.Err }

// Errors the recovery scan wraps in a CorruptionError.
var (
	errTorn      = errors.New("record ends past the end of the file")
	errBadCRC    = errors.New("record checksum mismatch")
	errBadLength = errors.New("record length exceeds the maximum")
	errBadHeader = errors.New("bad segment header")
)
