package file

import "time"

const (
	// DefaultPoll is how often a followed file is checked for growth: a
	// stat call a second is free, and events are at most a second late.
	DefaultPoll = time.Second

	// DefaultBatchSize bounds the events of one XML batch (EVTX batches are
	// one chunk, at most a few hundred events).
	DefaultBatchSize = 512

	// maxNameBytes bounds a stream name: positions are stored per name by
	// the shipper (ship.MaxChannelBytes is 256). Longer paths keep their
	// tail and a hash of the whole.
	maxNameBytes = 200

	// maxChunkScan bounds the chunk headers read to find a circular log's
	// wrap point: 4 GiB of 64 KiB chunks, the largest log Windows allows.
	maxChunkScan = 1 << 16
)
