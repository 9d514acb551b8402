package ingest

import (
	"time"

	"wsec/internal/protocol"
)

// lowDiskRetryAfter is the Retry-After, in seconds, of a request refused
// because the store paused ingestion for want of disk space: freeing space
// takes an operator, so senders need not knock every second.
const lowDiskRetryAfter = 30

// Limits bound what one request may cost. A zero field means the default
// from DefaultLimits.
type Limits struct {
	// MaxBodyBytes bounds the body as sent (compressed or not); larger
	// requests are refused with 413 before or while reading. Default 30
	// MiB, Azure's limit for one Data Collector post.
	MaxBodyBytes int64
	// MaxDecodedBytes bounds the body after decompression; a body that
	// inflates past it is refused with 413 (zip bomb). Default 128 MiB:
	// Security events compress about 10:1 with zstd, so a full wire body
	// still decodes.
	MaxDecodedBytes int64
	// MaxEventsPerBatch bounds the events of one native batch (413 beyond).
	// Default 100,000; the agent ships far smaller batches.
	MaxEventsPerBatch int
	// MaxFieldsPerEvent bounds the payload fields of one event (400
	// beyond). Default 4,096; Windows events carry tens.
	MaxFieldsPerEvent int
	// MaxFieldBytes: longer event field values (EventData values, the
	// rendered message) are truncated and counted. Default 256 KiB, above
	// the largest values Windows writes (PowerShell 4104 script blocks are
	// split at 32K UTF-16 characters, ~96 KiB of UTF-8).
	MaxFieldBytes int
	// MaxRecordsPerPost bounds the records of one Data Collector post (413
	// beyond). Default 100,000.
	MaxRecordsPerPost int
	// MaxPropertiesPerRecord bounds the properties of one Data Collector
	// record (400 beyond). Default 500 (Azure's per-table column limit);
	// the store's custom tables take 500 property columns besides their
	// own, so a record within it always fits a new table.
	MaxPropertiesPerRecord int
	// MaxPropertyBytes: longer Data Collector string values are truncated
	// and counted. Default 32 KiB, as Azure does.
	MaxPropertyBytes int
	// MaxInFlight bounds requests decoding and appending at once; others
	// wait up to BusyWait, then get 503 with Retry-After. Default 16.
	MaxInFlight int
	// BusyWait is how long a request waits for a slot. Default 10 s.
	BusyWait time.Duration
	// BodyTimeout bounds reading one body, from the end of the headers; a
	// slower body is refused with 408 and gives its slot back. Only
	// authenticated requests get to send a body, so this bounds what a
	// slow (or stolen-key) client can hold. Default 60 s: a 5 MiB batch at
	// 1 Mbit/s; the agent's batches are far smaller.
	BodyTimeout time.Duration
	// MaxReplayKeys bounds the Data Collector requests remembered to
	// recognise a replay (a few hundred bytes each), each for the
	// 15-minute signature window. Beyond it requests are refused with 503
	// until older ones expire. Default 1,048,576 (about 1,100 posts a
	// second).
	MaxReplayKeys int
}

// DefaultLimits returns the defaults described on Limits.
func DefaultLimits() Limits {
	return Limits{
		MaxBodyBytes:           30 << 20,
		MaxDecodedBytes:        128 << 20,
		MaxEventsPerBatch:      100_000,
		MaxFieldsPerEvent:      4_096,
		MaxFieldBytes:          256 << 10,
		MaxRecordsPerPost:      100_000,
		MaxPropertiesPerRecord: 500,
		MaxPropertyBytes:       32 << 10,
		MaxInFlight:            16,
		BusyWait:               10 * time.Second,
		BodyTimeout:            60 * time.Second,
		MaxReplayKeys:          1 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	setDef(&l.MaxBodyBytes, d.MaxBodyBytes)
	setDef(&l.MaxDecodedBytes, d.MaxDecodedBytes)
	setDef(&l.MaxEventsPerBatch, d.MaxEventsPerBatch)
	setDef(&l.MaxFieldsPerEvent, d.MaxFieldsPerEvent)
	setDef(&l.MaxFieldBytes, d.MaxFieldBytes)
	setDef(&l.MaxRecordsPerPost, d.MaxRecordsPerPost)
	setDef(&l.MaxPropertiesPerRecord, d.MaxPropertiesPerRecord)
	setDef(&l.MaxPropertyBytes, d.MaxPropertyBytes)
	setDef(&l.MaxInFlight, d.MaxInFlight)
	setDef(&l.BusyWait, d.BusyWait)
	setDef(&l.BodyTimeout, d.BodyTimeout)
	setDef(&l.MaxReplayKeys, d.MaxReplayKeys)
	return l
}

func setDef[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Fixed limits of the protocol itself.
const (
	// MaxSenderBytes bounds X-Wsec-Sender (protocol.ValidSender).
	MaxSenderBytes = protocol.MaxSenderBytes
	// MaxSourceSystemBytes bounds X-Wsec-Source-System.
	MaxSourceSystemBytes = 64
	// MaxLogTypeBytes bounds the Data Collector Log-Type header, as Azure
	// documents (letters, digits, underscore, at most 100 characters).
	MaxLogTypeBytes = 100
	// MaxPropertyNameBytes: longer Data Collector property names are
	// refused (a column name, not data).
	MaxPropertyNameBytes = 500
	// MaxHeartbeatValueBytes: longer heartbeat strings are truncated.
	MaxHeartbeatValueBytes = 4 << 10
)
