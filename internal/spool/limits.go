package spool

import "time"

// Defaults and hard limits. Each can be overridden through Options where it
// says so; the hard limits (Max*) protect the decoder from hostile or
// damaged files and cannot be raised.
const (
	// DefaultMaxBytes bounds the spool's disk footprint (the sum of its
	// segment files). 1 GiB holds about a million Security events, hours of
	// a busy domain controller's output: enough to ride out a workspace
	// outage, small enough for an endpoint's system disk. When it is hit,
	// Append returns ErrFull and nothing is written; the caller stops reading
	// its source, whose bookmark stays behind, so nothing is dropped.
	DefaultMaxBytes = 1 << 30

	// DefaultMinFreeBytes is the free space Append leaves on the spool's
	// filesystem (Options.MinFreeBytes). The spool must never take the
	// disk's last bytes: acknowledging rewrites the cursor file (up to
	// MaxStateBytes) and is what frees delivered segments, and the agent
	// also writes its bookmarks and status file and the machine needs room
	// of its own. When it is hit, Append returns ErrDiskFull and writes
	// nothing; 64 MiB is small against a system disk.
	DefaultMinFreeBytes = 64 << 20

	// DefaultSegmentBytes is the size at which a new segment file is started.
	// Acknowledged space is given back a whole segment at a time, so the
	// spool may hold up to one segment of acknowledged records; 16 MiB keeps
	// that waste small and the number of files (MaxBytes/SegmentBytes = 64)
	// low. Open lowers it to MaxBytes/4 when MaxBytes is small.
	DefaultSegmentBytes = 16 << 20

	// MinSegmentBytes is the smallest segment size Open accepts (smaller
	// values are raised to it): a segment must hold its header and a few
	// records.
	MinSegmentBytes = 4 << 10

	// MaxRecordBytes is the largest record Append accepts and the largest
	// length the recovery scan believes. A Windows event is at most 64 KiB
	// of payload; rendered messages and UserData add a few KiB. Larger
	// records are refused with ErrRecordTooLarge; a larger length in a file
	// is corruption.
	MaxRecordBytes = 1 << 20

	// MaxStateBytes bounds the consumer state stored with the acknowledged
	// cursor (AckState). It is rewritten on every acknowledgement; the
	// shipper keeps a batch range and one position per source channel there
	// (a few hundred bytes for a handful of channels, up to about 140 KiB at
	// ship.MaxChannels channels with maximal names).
	MaxStateBytes = 256 << 10

	// MaxSegments bounds how many segment files Open accepts. With the
	// default sizes a spool has at most 64; a directory holding more than
	// this is not one we wrote.
	MaxSegments = 1 << 16

	// DefaultSyncInterval is 0: every Append fsyncs before it returns.
	DefaultSyncInterval time.Duration = 0

	// indexEvery: the in-memory index keeps the file offset of every
	// indexEvery-th record of a segment, so finding a record costs at most
	// indexEvery-1 header reads while a 1 GiB spool of 1 KiB records costs
	// 64 KiB of memory.
	indexEvery = 64
)
