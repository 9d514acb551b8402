package spool

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// segView is a consistent copy of what a reader needs of a segment.
type segView struct {
	first       uint64
	syncedCount uint64
	syncedSize  int64
	index       []int64
}

// Read returns up to maxRecords records from the acknowledged cursor on, without
// moving it: the same call returns the same records until Ack. See ReadFrom.
func (q *Queue) Read(maxRecords, maxBytes int) ([]Record, error) {
	return q.ReadFrom(0, maxRecords, maxBytes)
}

// ReadFrom returns up to maxRecords records with sequence numbers >= from (from is
// raised to the first unacknowledged record), whose data totals at most
// maxBytes, except that one record is always returned when any is
// available, however large. Only durable records are returned (see
// Options.SyncInterval). Sequence numbers are increasing and, except after
// a Repair, consecutive. The records' data belong to the caller.
//
// A checksum mismatch found while reading (the disk changed under us) is a
// *CorruptionError.
func (q *Queue) ReadFrom(from uint64, maxRecords, maxBytes int) ([]Record, error) {
	if maxRecords < 1 {
		maxRecords = 1
	}
	q.readMu.Lock()
	defer q.readMu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil, ErrClosed
	}
	if from <= q.acked {
		from = q.acked + 1
	}
	var views []segView
	for _, s := range q.segs {
		if s.syncedCount > 0 && s.first+s.syncedCount > from {
			views = append(views, segView{s.first, s.syncedCount, s.syncedSize, s.index})
		}
	}
	q.mu.Unlock()

	var out []Record
	bytes := 0
	done := false
	full := func() bool { return done || len(out) >= maxRecords || (len(out) > 0 && bytes >= maxBytes) }
	for _, v := range views {
		if full() {
			break
		}
		seq := max(from, v.first)
		end := v.first + v.syncedCount
		off, err := q.locate(v, seq)
		if err != nil {
			return nil, err
		}
		f, err := q.reader(v.first)
		if err != nil {
			return nil, err
		}
		for seq < end && !full() {
			want := int64(maxBytes-bytes) + int64(recordHeaderSize*(maxRecords-len(out)))
			want = min(max(want, recordHeaderSize), v.syncedSize-off)
			win := make([]byte, want)
			if _, err := f.ReadAt(win, off); err != nil {
				return nil, fmt.Errorf("read segment %s at offset %d: %w", segmentName(v.first), off, err)
			}
			p := 0
			for seq < end && !full() {
				data, size, perr := parseRecord(win[p:], seq)
				if errors.Is(perr, errTorn) && off+int64(len(win)) < v.syncedSize {
					if p > 0 {
						break // the window ended inside this record; read on from it
					}
					// The first record is larger than the window: read it whole.
					if len(win) < recordHeaderSize {
						return nil, q.corrupt(v.first, off, seq, perr)
					}
					n := int64(binary.LittleEndian.Uint32(win))
					if n > MaxRecordBytes || off+recordHeaderSize+n > v.syncedSize {
						return nil, q.corrupt(v.first, off, seq, errBadLength)
					}
					win = make([]byte, recordHeaderSize+n)
					if _, err := f.ReadAt(win, off); err != nil {
						return nil, fmt.Errorf("read segment %s at offset %d: %w", segmentName(v.first), off, err)
					}
					continue
				}
				if perr != nil {
					return nil, q.corrupt(v.first, off+int64(p), seq, perr)
				}
				if len(out) > 0 && bytes+len(data) > maxBytes {
					done = true
					break
				}
				out = append(out, Record{Seq: seq, Data: data[:len(data):len(data)]})
				bytes += len(data)
				p += size
				seq++
			}
			off += int64(p)
		}
		q.hint = readHint{segFirst: v.first, seq: seq, off: off}
	}
	return out, nil
}

// ReadWait is ReadFrom that blocks until at least one record is available,
// ctx is done (ctx.Err()), or the queue is closed (ErrClosed).
func (q *Queue) ReadWait(ctx context.Context, from uint64, maxRecords, maxBytes int) ([]Record, error) {
	for {
		q.mu.Lock()
		ch := q.notify
		q.mu.Unlock()
		recs, err := q.ReadFrom(from, maxRecords, maxBytes)
		if err != nil || len(recs) > 0 {
			return recs, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ch:
		}
	}
}

// Wait blocks until a record after seq is readable, ctx is done or the
// queue is closed.
func (q *Queue) Wait(ctx context.Context, seq uint64) error {
	for {
		q.mu.Lock()
		ch, closed := q.notify, q.closed
		ok := q.lastSyncedLocked() > seq
		q.mu.Unlock()
		if closed {
			return ErrClosed
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// lastSyncedLocked is the sequence number of the newest readable record,
// or the acknowledged cursor when there is none. mu is held.
func (q *Queue) lastSyncedLocked() uint64 {
	for i := len(q.segs) - 1; i >= 0; i-- {
		if s := q.segs[i]; s.syncedCount > 0 {
			return max(s.first+s.syncedCount-1, q.acked)
		}
	}
	return q.acked
}

// locate returns the offset of record seq in the segment v. readMu is held.
func (q *Queue) locate(v segView, seq uint64) (int64, error) {
	if h := q.hint; h.segFirst == v.first && h.seq == seq {
		return h.off, nil
	}
	k := (seq - v.first) / indexEvery
	if k >= uint64(len(v.index)) {
		return 0, fmt.Errorf("BUG: spool %s: record %d has no index entry in segment %s", q.dir, seq, segmentName(v.first))
	}
	off := v.index[k]
	skip := (seq - v.first) % indexEvery
	if skip == 0 {
		return off, nil
	}
	f, err := q.reader(v.first)
	if err != nil {
		return 0, err
	}
	var h [recordHeaderSize]byte
	for i := uint64(0); i < skip; i++ {
		if _, err := f.ReadAt(h[:], off); err != nil {
			if errors.Is(err, io.EOF) {
				return 0, q.corrupt(v.first, off, seq, errTorn)
			}
			return 0, fmt.Errorf("read segment %s at offset %d: %w", segmentName(v.first), off, err)
		}
		n := binary.LittleEndian.Uint32(h[:])
		if n > MaxRecordBytes {
			return 0, q.corrupt(v.first, off, seq, errBadLength)
		}
		off += recordHeaderSize + int64(n)
	}
	return off, nil
}

// reader returns an open read handle for a segment. readMu is held.
func (q *Queue) reader(first uint64) (*os.File, error) {
	if f, ok := q.readers[first]; ok {
		return f, nil
	}
	f, err := os.Open(segmentPath(q.dir, first))
	if err != nil {
		return nil, fmt.Errorf("open segment %s for reading: %w", segmentName(first), err)
	}
	q.readers[first] = f
	return f, nil
}

// closeReader closes a segment's read handle, which Windows requires before
// the file can be deleted. readMu is held.
func (q *Queue) closeReader(first uint64) {
	if f, ok := q.readers[first]; ok {
		_ = f.Close()
		delete(q.readers, first)
	}
}

func (q *Queue) corrupt(first uint64, off int64, seq uint64, err error) error {
	return &CorruptionError{Dir: q.dir, File: segmentName(first), Offset: off, Seq: seq, Err: err}
}
