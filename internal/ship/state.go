package ship

import (
	"encoding/binary"
	"errors"
	"fmt"

	"wsec/internal/bookmark"
)

// state is what a Shipper stores with the spool's acknowledged cursor
// (spool.Queue.AckState), in one atomic write (FORMAT.md, "Shipper state"):
// the batches in flight, so that after a crash exactly the same records
// are sent again under the same sequence numbers, and the durable position
// per source channel, so that records re-read from the source are not
// spooled twice.
type state struct {
	inflight  []span // oldest first, not overlapping
	positions []bookmark.Position
}

// span is the range [first, last] of spool sequence numbers of one batch.
type span struct{ first, last uint64 }

const (
	stateVersion1 = 1 // one batch in flight (agents before pipelining)
	stateVersion  = 2
)

func (s state) marshal() []byte {
	b := []byte{stateVersion}
	b = binary.AppendUvarint(b, uint64(len(s.inflight)))
	for _, sp := range s.inflight {
		b = binary.AppendUvarint(b, sp.first)
		b = binary.AppendUvarint(b, sp.last)
	}
	b = binary.AppendUvarint(b, uint64(len(s.positions)))
	for _, p := range s.positions {
		b = binary.AppendUvarint(b, uint64(len(p.Channel)))
		b = append(b, p.Channel...)
		b = binary.AppendUvarint(b, p.RecordID)
	}
	return b
}

var errBadState = errors.New("malformed shipper state")

func unmarshalState(b []byte) (state, error) {
	var s state
	if len(b) == 0 {
		return s, nil // a new spool
	}
	version := b[0]
	if version != stateVersion && version != stateVersion1 {
		return s, fmt.Errorf("%w: version %d", errBadState, b[0])
	}
	b = b[1:]
	next := func() (uint64, bool) {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	if version == stateVersion1 {
		first, ok1 := next()
		last, ok2 := next()
		if !ok1 || !ok2 || first > last {
			return state{}, fmt.Errorf("%w: header", errBadState)
		}
		if last > 0 {
			s.inflight = []span{{first, last}}
		}
	} else {
		n, ok := next()
		if !ok || n > MaxInFlight {
			return state{}, fmt.Errorf("%w: batches in flight", errBadState)
		}
		var prev uint64
		for i := uint64(0); i < n; i++ {
			first, ok1 := next()
			last, ok2 := next()
			if !ok1 || !ok2 || first == 0 || first > last || first <= prev {
				return state{}, fmt.Errorf("%w: batch %d in flight", errBadState, i)
			}
			s.inflight = append(s.inflight, span{first, last})
			prev = last
		}
	}
	n, ok := next()
	if !ok || n > MaxChannels {
		return state{}, fmt.Errorf("%w: channel count", errBadState)
	}
	for i := uint64(0); i < n; i++ {
		l, ok := next()
		if !ok || l > MaxChannelBytes || l > uint64(len(b)) {
			return state{}, fmt.Errorf("%w: channel %d", errBadState, i)
		}
		ch := string(b[:l])
		b = b[l:]
		id, ok := next()
		if !ok {
			return state{}, fmt.Errorf("%w: channel %d position", errBadState, i)
		}
		s.positions = append(s.positions, bookmark.Position{Channel: ch, RecordID: id})
	}
	if len(b) != 0 {
		return state{}, fmt.Errorf("%w: %d trailing bytes", errBadState, len(b))
	}
	return s, nil
}
