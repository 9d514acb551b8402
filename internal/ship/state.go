package ship

import (
	"encoding/binary"
	"errors"
	"fmt"

	"wsec/internal/bookmark"
)

// state is what a Shipper stores with the spool's acknowledged cursor
// (spool.Queue.AckState), in one atomic write (FORMAT.md, "Shipper state"):
// the batch in flight, so that after a crash exactly the same records are
// sent again under the same sequence number, and the durable position per
// source channel, so that records re-read from the source are not spooled
// twice.
type state struct {
	inflightFirst, inflightLast uint64 // 0, 0: no batch in flight
	positions                   []bookmark.Position
}

const stateVersion = 1

func (s state) marshal() []byte {
	b := []byte{stateVersion}
	b = binary.AppendUvarint(b, s.inflightFirst)
	b = binary.AppendUvarint(b, s.inflightLast)
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
	if b[0] != stateVersion {
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
	var ok1, ok2, ok3 bool
	s.inflightFirst, ok1 = next()
	s.inflightLast, ok2 = next()
	n, ok3 := next()
	if !ok1 || !ok2 || !ok3 || n > MaxChannels || s.inflightFirst > s.inflightLast {
		return state{}, fmt.Errorf("%w: header", errBadState)
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
