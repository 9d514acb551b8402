package ship

import (
	"time"

	"wsec/internal/protocol"
)

// Defaults and limits. Options can override each default; the Max* limits
// protect memory and the receiver and cannot be raised.
const (
	// DefaultFlushInterval is how long a batch waits for more records after
	// its first one: events reach the workspace within about a second
	// while a busy source still fills batches by size.
	DefaultFlushInterval = time.Second

	// DefaultMaxBatchBytes bounds a batch's uncompressed body (framed
	// events). 5 MB is about 4,000 Security events: compressed (~10x with
	// zstd) one request is a few hundred KB, quick to resend on a flaky
	// link, and well under the workspace's request limit.
	DefaultMaxBatchBytes = 5 << 20

	// DefaultMaxBatchRecords bounds the events in a batch, so a batch of
	// tiny events still leaves the agent promptly and the receiver's
	// per-request work stays bounded.
	DefaultMaxBatchRecords = 10_000

	// DefaultMaxInFlight is how many batches a destination has sent and
	// not yet had answered. One at a time left a local workspace idle
	// between batches (73k events/s; the request takes ~80 ms, cutting and
	// compressing the next ~15 ms); several keep its two writers busy.
	// MaxInFlight bounds the option (the state stored with every
	// acknowledgement lists the batches in flight).
	DefaultMaxInFlight = 4
	MaxInFlight        = 64

	// MaxRecordSlack: a batch body may exceed MaxBatchBytes by one record
	// (a record larger than the limit is sent alone); buffers up to twice
	// the limit plus this are kept for reuse.
	MaxRecordSlack = 1 << 20

	// MaxBatchBytes is the largest MaxBatchBytes accepted (the workspace
	// refuses larger request bodies).
	MaxBatchBytes = 64 << 20

	// DefaultRetryBase and DefaultRetryMax shape the retry backoff: the
	// n-th retry waits a uniformly random time in [0, min(Max, Base*2^n)]
	// ("full jitter"), so agents that lost the same workspace do not come
	// back in lockstep. 30 s caps how stale a recovered workspace stays.
	DefaultRetryBase = 500 * time.Millisecond
	DefaultRetryMax  = 30 * time.Second

	// MaxRetryAfter caps how long a Retry-After header from the workspace
	// (429, 503) may hold a destination back.
	MaxRetryAfter = 5 * time.Minute

	// DefaultRequestTimeout bounds one attempt, from dialling to reading the
	// response: a 5 MB batch compresses to ~0.5 MB, which takes ~4 s at
	// 1 Mbit/s, so a minute means the link or the workspace is stuck.
	DefaultRequestTimeout = time.Minute

	// Transport timeouts.
	DefaultDialTimeout         = 10 * time.Second
	DefaultTLSHandshakeTimeout = 10 * time.Second
	DefaultIdleConnTimeout     = 90 * time.Second

	// MaxResponseBytes is how much of a response body is read (for error
	// messages; the rest is drained up to MaxDrainBytes so the connection
	// can be reused, then dropped).
	MaxResponseBytes = 4 << 10
	MaxDrainBytes    = 1 << 20

	// DefaultMaxDeadLetterBytes bounds the dead-letter directory. When it is
	// full a rejected batch is not acknowledged: the destination stalls
	// (status and metrics say why) and its spool fills, rather than lose
	// events silently.
	DefaultMaxDeadLetterBytes = 256 << 20

	// MaxChannels bounds the source channels whose positions a destination
	// tracks (and stores with every acknowledgement). Windows has a few
	// hundred channels; an agent reads a few.
	MaxChannels = 512

	// MaxSenderBytes bounds SenderID, as the workspace does (X-Wsec-Sender).
	MaxSenderBytes = protocol.MaxSenderBytes

	// MaxChannelBytes bounds a channel name (Windows allows 255 characters).
	MaxChannelBytes = 256

	// DefaultResumeFraction: a destination whose spool was full takes
	// records again (after a rewind) once its spool is at most this full,
	// so it does not flap between full and not full on every batch.
	DefaultResumeFraction = 0.75

	// errorLogInterval rate-limits repeated warnings about the same failure.
	errorLogInterval = time.Minute
)
