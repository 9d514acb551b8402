package wevtapi

import (
	"errors"
	"time"

	"wsec/internal/bookmark"
)

// ErrUnsupported is returned by Subscribe on operating systems without the
// Windows Event Log.
var ErrUnsupported = errors.New("live event log channels can only be read on Windows; use an EVTX, XML or synthetic source here")

// Options configures a subscription.
type Options struct {
	Channel string // e.g. "Security"; required
	// Query is a structured XPath query evaluated by Windows; "" means "*".
	Query string
	// After is the position to resume after; nil starts at the oldest record.
	After *bookmark.Position
	// BatchSize is how many events one EvtNext call returns at most; 0 means 256.
	BatchSize int
	// Wait is how long Next blocks for new events when none are pending;
	// 0 means 500 ms.
	Wait time.Duration
}

func (o Options) withDefaults() Options {
	if o.Query == "" {
		o.Query = "*"
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.Wait <= 0 {
		o.Wait = 500 * time.Millisecond
	}
	return o
}
