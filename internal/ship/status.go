package ship

import "time"

// Status is a destination's state for the agent's status command and
// health checks.
type Status struct {
	Name      string
	Workspace string
	URL       string

	// Spool: records appended and not yet acknowledged by the workspace.
	QueuedRecords uint64
	QueuedBytes   int64
	SpoolBytes    int64 // disk used
	SpoolMaxBytes int64

	// Detached: the spool filled up; the destination takes no events until
	// it drains to ResumeFraction, then asks for a rewind (ErrRewind).
	Detached       bool
	DetachedReason string

	// Since the Shipper started.
	SentBatches     uint64 // acknowledged by the workspace
	SentRecords     uint64
	SentWireBytes   uint64 // compressed
	Retries         uint64 // failed attempts that will be retried
	Rejected        uint64 // batches parked in the dead-letter directory
	RejectedRecords uint64

	AckedSeq    uint64 // spool cursor
	InFlightSeq uint64 // X-Wsec-Seq of the batch being sent; 0 when idle

	LastError     string
	LastErrorTime time.Time
	LastSuccess   time.Time // last acknowledgement
}

// Healthy reports whether the destination is delivering: not detached, and
// no error more recent than the last success.
func (s Status) Healthy() bool {
	return !s.Detached && !s.LastErrorTime.After(s.LastSuccess)
}
