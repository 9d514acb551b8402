package source

import (
	"context"
	"errors"

	"wsec/internal/event"
)

// ErrConfig is wrapped by a Read error that reading again cannot cure:
// the source's configuration must change (e.g. a query the Windows event
// log refuses with ERROR_EVT_INVALID_QUERY). A caller stops with it rather
// than retrying, so that a service manager records the failure.
var ErrConfig = errors.New("configuration error")

// Batch is a run of consecutive events of one stream.
//
// The stream owns the events: they are valid only until emit returns, so a
// stream may reuse them for its next batch.
type Batch struct {
	// Events in increasing position order.
	Events []*event.Event
	// Pos[i] is the position of Events[i]; len(Pos) == len(Events).
	Pos []uint64
	// Through is the position the stream has read up to with this batch:
	// Through >= the last Pos, and every position <= Through that is not
	// in Pos held nothing the stream could deliver. A batch may carry no
	// events and only move Through.
	Through uint64
}

// Last returns the position of the batch's last event, or 0.
func (b *Batch) Last() uint64 {
	if len(b.Pos) == 0 {
		return 0
	}
	return b.Pos[len(b.Pos)-1]
}

// Stream is an ordered, re-readable source of events.
type Stream interface {
	// Name identifies the stream across restarts: positions are stored
	// under it. For live channels it is the channel name ("Security"), so
	// a stored position renders as a Windows bookmark.
	Name() string
	// Read emits the events with positions > after in increasing order,
	// until the stream ends (nil), ctx is done (ctx.Err()) or emit returns
	// an error (returned as is).
	Read(ctx context.Context, after uint64, emit func(Batch) error) error
}

// Once is implemented by streams that cannot be read twice (standard
// input): Read ignores after and starts wherever the input is. A caller
// must not rely on re-reading them; it feeds every reader from one pass.
type Once interface {
	Once()
}

// Resumer is implemented by streams whose positions alone do not say
// where to resume (a live event log numbers its records from 1 again after
// a clear). Before each Read the caller passes Held the highest position
// any of its destinations holds (spooled or delivered) for the stream, or
// 0.
type Resumer interface {
	Held(pos uint64)
}
