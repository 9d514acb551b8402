package ship

import (
	"errors"
	"fmt"
)

// ErrRejected says the workspace refused a batch for what it contains (a
// 4xx other than 401, 403, 404, 408 and 429): sending it again cannot
// succeed. The Shipper parks such a batch in the dead-letter directory,
// counts it and moves on; it never drops one silently.
var ErrRejected = errors.New("batch rejected by the workspace")

// RejectedError is the detail of an ErrRejected.
type RejectedError struct {
	Workspace string
	BatchSeq  uint64
	Status    int
	Body      string // start of the response body
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("workspace %s rejected batch %d: HTTP %d: %s", e.Workspace, e.BatchSeq, e.Status, e.Body)
}

func (e *RejectedError) Is(target error) bool { return target == ErrRejected }

// ErrRewind is returned by Fanout.Offer when a destination whose spool had
// filled up has room again. None of the items of that call was taken. The
// caller re-reads its source from Fanout.Durable() and offers again;
// destinations skip the records they already hold.
var ErrRewind = errors.New("destination resumed: re-read the source from Fanout.Durable()")

// retryable classifies a failed attempt that may succeed if repeated.
type retryableError struct {
	err        error
	retryAfter int64 // seconds from a Retry-After header, 0 if none
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// errTooLarge is a 413: the batch may be split.
var errTooLarge = errors.New("workspace refused the batch as too large (HTTP 413)")

// errDeadLetterFull: a rejected batch cannot be parked, so it is not
// acknowledged.
var errDeadLetterFull = errors.New("dead-letter directory full")
