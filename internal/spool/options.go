package spool

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/diskspace"
)

// Options configures a Queue. The zero value is valid and means the
// defaults; each field says what zero means.
type Options struct {
	// MaxBytes bounds the sum of the segment files' sizes. 0 means
	// DefaultMaxBytes. Append returns ErrFull rather than exceed it.
	MaxBytes int64

	// MinFreeBytes is the free space, on the filesystem holding the spool,
	// that Append leaves: records that would eat into it are refused with
	// ErrDiskFull. 0 means DefaultMinFreeBytes; < 0 means no reserve.
	MinFreeBytes int64

	// FreeSpace measures the free space MinFreeBytes is checked against.
	// nil means diskspace.Free (the operating system's count).
	FreeSpace diskspace.Func

	// SegmentBytes is the size at which Append starts a new segment. 0 means
	// DefaultSegmentBytes; it is lowered to MaxBytes/4 and raised to
	// MinSegmentBytes when needed. A single record larger than it gets a
	// segment of its own.
	SegmentBytes int64

	// SyncInterval chooses the fsync policy.
	//
	// 0 (the default): every Append fsyncs before it returns, so an
	// appended record survives power loss once Append returns. Cost: one
	// fsync per Append call (0.3 ms on an SSD, 5-20 ms on a busy spinning
	// disk), so callers should append in batches.
	//
	// > 0 (group commit): Append returns once the records are written to
	// the operating system, which survives a crash of the process (kill -9)
	// but not of the machine; a background fsync runs at most every
	// SyncInterval. Read returns only records that have been fsynced, so a
	// record is never shipped and acknowledged before it is durable, and the
	// source's bookmark (which moves only after acknowledgement) still
	// covers anything a power loss takes: the source re-reads it. The price
	// is up to SyncInterval of extra latency and, after a power loss,
	// re-reading up to SyncInterval of input, which the source must still
	// hold.
	SyncInterval time.Duration

	// InitialSeq is the sequence number of the first record of a queue that
	// does not exist yet (an existing queue continues its own numbering).
	// 0 means the current time in Unix microseconds, so that a spool deleted
	// and created again never reuses a sequence number a receiver may have
	// seen (receivers drop a batch whose (sender, sequence) they already
	// hold); it stays below 2^53, exact in JSON.
	InitialSeq uint64

	// Logger receives recovery and repair reports. nil means no logging.
	Logger *slog.Logger

	// Registerer receives the queue's metrics (wsec_spool_*). nil means no
	// metrics. Wrap it with prometheus.WrapRegistererWith to tell queues
	// apart.
	Registerer prometheus.Registerer

	// Now is the clock used for the default InitialSeq. nil means time.Now.
	Now func() time.Time

	// skipFsync turns every fsync into a no-op. Only the fuzz target sets
	// it, to test recovery logic at thousands of runs per second.
	skipFsync bool
}

// DefaultOptions returns the defaults spelled out.
func DefaultOptions() Options {
	return Options{
		MaxBytes:     DefaultMaxBytes,
		MinFreeBytes: DefaultMinFreeBytes,
		SegmentBytes: DefaultSegmentBytes,
		SyncInterval: DefaultSyncInterval,
	}
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MinFreeBytes == 0 {
		o.MinFreeBytes = DefaultMinFreeBytes
	}
	if o.FreeSpace == nil {
		o.FreeSpace = diskspace.Free
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.SegmentBytes > o.MaxBytes/4 {
		o.SegmentBytes = o.MaxBytes / 4
	}
	if o.SegmentBytes < MinSegmentBytes {
		o.SegmentBytes = MinSegmentBytes
	}
	if o.SyncInterval < 0 {
		o.SyncInterval = 0
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// initialSeq is the first sequence number of a new queue: InitialSeq, or
// the clock in microseconds.
func (o Options) initialSeq() uint64 {
	if o.InitialSeq != 0 {
		return o.InitialSeq
	}
	return max(uint64(o.Now().UnixMicro()), 1)
}
