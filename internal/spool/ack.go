package spool

import (
	"fmt"
	"os"
)

// Ack durably moves the acknowledged cursor to seq: records <= seq will not
// be read again, and segments holding only such records are deleted. The
// consumer state stored by AckState is kept. Acknowledging the current
// cursor again is allowed and changes nothing but the file; moving it back,
// or past the newest readable record, is an error.
func (q *Queue) Ack(seq uint64) error {
	q.ackMu.Lock()
	defer q.ackMu.Unlock()
	q.mu.Lock()
	state := q.state
	q.mu.Unlock()
	return q.ackLocked(seq, state)
}

// AckState is Ack that also replaces the consumer state stored with the
// cursor, in the same atomic write: after a crash, State returns the state
// of the last AckState that returned. The spool does not interpret state; a
// shipper keeps there what it needs to resume exactly where it was (such
// as the range of the batch in flight). len(state) <= MaxStateBytes.
func (q *Queue) AckState(seq uint64, state []byte) error {
	if len(state) > MaxStateBytes {
		return fmt.Errorf("ack %d in spool %s: state of %d bytes exceeds %d", seq, q.dir, len(state), MaxStateBytes)
	}
	q.ackMu.Lock()
	defer q.ackMu.Unlock()
	return q.ackLocked(seq, append([]byte(nil), state...))
}

func (q *Queue) ackLocked(seq uint64, state []byte) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	acked, last := q.acked, q.lastSyncedLocked()
	q.mu.Unlock()
	if seq < acked {
		return fmt.Errorf("ack %d in spool %s: behind the acknowledged cursor %d", seq, q.dir, acked)
	}
	if seq > last {
		return fmt.Errorf("ack %d in spool %s: past the newest durable record %d", seq, q.dir, last)
	}
	if err := writeCursor(q.dir, cursor{acked: seq, state: state}, q.opts); err != nil {
		return fmt.Errorf("ack %d in spool %s: %w", seq, q.dir, err)
	}
	q.readMu.Lock()
	q.mu.Lock()
	n := q.countLocked(acked, seq)
	q.acked, q.state = seq, state
	q.mu.Unlock()
	q.updateAckedOff()
	q.readMu.Unlock()
	q.m.acked.Add(float64(n))
	q.dropAcked(false)
	q.updateGauges()
	return nil
}

// countLocked counts the records with lo < seq <= hi. mu is held.
func (q *Queue) countLocked(lo, hi uint64) uint64 {
	var n uint64
	for _, s := range q.segs {
		a, b := max(lo+1, s.first), min(hi+1, s.end())
		if b > a {
			n += b - a
		}
	}
	return n
}

// updateAckedOff finds the offset of record acked+1, for the depth gauge.
// readMu is held.
func (q *Queue) updateAckedOff() {
	q.mu.Lock()
	target := q.acked + 1
	var v *segView
	for _, s := range q.segs {
		if s.first <= target && target < s.first+s.syncedCount {
			v = &segView{s.first, s.syncedCount, s.syncedSize, s.index}
			break
		}
	}
	q.mu.Unlock()
	off := int64(0)
	if v != nil {
		var err error
		if off, err = q.locate(*v, target); err != nil {
			q.log.Warn("locate acknowledged cursor for the depth gauge", "err", err)
			off = 0
		}
	}
	q.mu.Lock()
	q.ackedOff = off
	q.mu.Unlock()
}

// dropAcked deletes the segments whose records are all acknowledged; the
// newest only when withNewest (the caller holds appendMu and closed q.w).
// Read handles are closed first, as Windows requires.
func (q *Queue) dropAcked(withNewest bool) {
	q.readMu.Lock()
	defer q.readMu.Unlock()
	q.mu.Lock()
	var drop []*segment
	keep := q.segs[:0]
	for i, s := range q.segs {
		newest := i == len(q.segs)-1
		if s.end() <= q.acked+1 && (!newest || withNewest) {
			drop = append(drop, s)
			q.diskBytes -= s.size
			continue
		}
		keep = append(keep, s)
	}
	for i := len(keep); i < len(q.segs); i++ {
		q.segs[i] = nil
	}
	q.segs = keep
	q.mu.Unlock()
	for _, s := range drop {
		q.closeReader(s.first)
		if q.hint.segFirst == s.first {
			q.hint = readHint{}
		}
		// A segment left behind (the removal failed, or we crash here) is
		// deleted by the next Open: the cursor already covers it.
		if err := os.Remove(segmentPath(q.dir, s.first)); err != nil {
			q.log.Warn("delete acknowledged segment", "segment", segmentName(s.first), "err", err)
		}
	}
}

// State returns the consumer state stored by the last AckState (a copy).
func (q *Queue) State() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]byte(nil), q.state...)
}

// Acked returns the acknowledged cursor: records <= Acked() are done.
func (q *Queue) Acked() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.acked
}

// Stats is a snapshot of a queue's size and position.
type Stats struct {
	Acked        uint64 // acknowledged cursor
	LastSeq      uint64 // newest appended record (== Acked when none is pending)
	DepthRecords uint64 // appended, not acknowledged
	DepthBytes   int64  // their size on disk, headers included
	DiskBytes    int64  // size of the segment files
	MaxBytes     int64
	Segments     int
}

// Stats returns the queue's current numbers.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.statsLocked()
}

func (q *Queue) statsLocked() Stats {
	st := Stats{Acked: q.acked, LastSeq: max(q.next-1, q.acked), DiskBytes: q.diskBytes,
		MaxBytes: q.opts.MaxBytes, Segments: len(q.segs)}
	for _, s := range q.segs {
		switch {
		case s.end() <= q.acked+1:
		case s.first > q.acked:
			st.DepthRecords += s.count
			st.DepthBytes += s.size - segmentHeaderSize
		default:
			st.DepthRecords += s.end() - (q.acked + 1)
			if q.ackedOff > 0 {
				st.DepthBytes += s.size - q.ackedOff
			} else {
				st.DepthBytes += s.size - segmentHeaderSize
			}
		}
	}
	return st
}

func (q *Queue) updateGauges() {
	q.mu.Lock()
	st := q.statsLocked()
	q.mu.Unlock()
	q.m.depthRecords.Set(float64(st.DepthRecords))
	q.m.depthBytes.Set(float64(st.DepthBytes))
	q.m.diskBytes.Set(float64(st.DiskBytes))
}
