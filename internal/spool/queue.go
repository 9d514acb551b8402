package spool

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Queue is a durable FIFO of records in a directory of segment files.
//
// One writer appends (Append), one consumer reads from the acknowledged
// cursor onwards (Read, ReadFrom, ReadWait) and acknowledges what the next
// hop confirmed (Ack, AckState). Reading does not move the cursor; only an
// acknowledgement does, and it is durable when Ack returns. All methods are
// safe for concurrent use; lock order is ackMu, appendMu, readMu, mu.
type Queue struct {
	dir    string
	opts   Options
	log    *slog.Logger
	m      *metrics
	unlock func() error

	ackMu sync.Mutex // serialises cursor writes

	appendMu sync.Mutex // serialises writes, rolls and fsyncs of the newest segment
	w        *os.File   // newest segment open for writing, or nil: the next Append creates one
	buf      []byte     // encoding buffer
	failed   error      // a write or fsync failed; the file's tail is unknown until Open scans it again

	readMu  sync.Mutex // guards readers and hint; held while reading files
	readers map[uint64]*os.File
	hint    readHint

	mu        sync.Mutex
	closed    bool
	segs      []*segment // ordered by first sequence number
	next      uint64     // sequence number the next appended record gets
	acked     uint64     // records <= acked are acknowledged
	ackedOff  int64      // offset of record acked+1 in the segment holding it, if any
	state     []byte
	diskBytes int64
	notify    chan struct{} // closed (and replaced) when records become readable, and on Close

	stop chan struct{}
	wg   sync.WaitGroup
}

// readHint remembers where the last read stopped, so sequential reading
// never searches.
type readHint struct {
	segFirst uint64
	seq      uint64
	off      int64
}

// Open opens the spool in dir, creating it if needed, and recovers it: a
// torn tail of the newest segment (an Append that had not returned when the
// machine stopped) is truncated and logged; any other damage makes Open
// return a *CorruptionError, which Repair fixes. The directory is locked
// until Close; a second Open of it fails with ErrLocked.
func Open(dir string, opts Options) (*Queue, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool dir %s: %w", dir, err)
	}
	unlock, err := lockDir(filepath.Join(dir, lockFileName))
	if err != nil {
		return nil, fmt.Errorf("open spool %s: %w", dir, err)
	}
	q := &Queue{
		dir:     dir,
		opts:    opts,
		log:     opts.Logger.With("spool", dir),
		m:       newMetrics(),
		unlock:  unlock,
		readers: map[uint64]*os.File{},
		notify:  make(chan struct{}),
		stop:    make(chan struct{}),
	}
	if err := q.recover(); err != nil {
		q.closeFiles()
		_ = unlock()
		return nil, err
	}
	if err := q.m.register(opts.Registerer); err != nil {
		q.closeFiles()
		_ = unlock()
		return nil, fmt.Errorf("open spool %s: register metrics: %w", dir, err)
	}
	q.updateGauges()
	if opts.SyncInterval > 0 {
		q.wg.Add(1)
		go q.syncLoop()
	}
	return q, nil
}

// Dir returns the spool's directory.
func (q *Queue) Dir() string { return q.dir }

// Append writes recs as consecutive records and returns the sequence number
// of the last one. With the default SyncInterval (0) the records are on
// stable storage when Append returns; see Options.SyncInterval for group
// commit. Either all records are appended or none: ErrFull when they would
// take the spool past MaxBytes, ErrDiskFull when they would take the
// filesystem's free space under MinFreeBytes, ErrRecordTooLarge for a
// record longer than MaxRecordBytes. recs are copied; the caller may reuse
// them.
//
// After an I/O error (a full disk, a permission error) the next Append
// first brings the newest segment back to the records the spool accounts
// for (see heal) and goes on once that works: the spool recovers by
// itself when the cause is gone, without being reopened.
func (q *Queue) Append(recs ...[]byte) (last uint64, err error) {
	for i, r := range recs {
		if len(r) > MaxRecordBytes {
			return 0, fmt.Errorf("append record %d of %d bytes (max %d): %w", i, len(r), MaxRecordBytes, ErrRecordTooLarge)
		}
	}
	q.appendMu.Lock()
	defer q.appendMu.Unlock()
	q.mu.Lock()
	closed, next := q.closed, q.next
	q.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	if err := q.heal(); err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return next - 1, nil
	}
	need := q.need(recs)
	if q.diskUsed()+need > q.opts.MaxBytes {
		// A fully acknowledged newest segment can be given back at once.
		if !q.dropAckedNewest() || q.diskUsed()+q.need(recs) > q.opts.MaxBytes {
			q.m.full.Inc()
			return 0, fmt.Errorf("append %d records to spool %s (%d of %d bytes used): %w",
				len(recs), q.dir, q.diskUsed(), q.opts.MaxBytes, ErrFull)
		}
		need = q.need(recs)
	}
	if err := q.checkReserve(need); err != nil {
		q.m.full.Inc()
		return 0, fmt.Errorf("append %d records to spool %s: %w", len(recs), q.dir, err)
	}
	last, err = q.write(recs)
	if err != nil {
		q.failed = err
		q.log.Error("spool write failed; appends are refused until it works again", "err", err)
		return 0, err
	}
	return last, nil
}

// Writable reports whether Append can be expected to succeed for a small
// record: nil, or the error it would return (an earlier write failure that
// still cannot be healed, ErrDiskFull, ErrClosed). ErrFull is not checked:
// that one only an acknowledgement cures.
func (q *Queue) Writable() error {
	q.appendMu.Lock()
	defer q.appendMu.Unlock()
	q.mu.Lock()
	closed := q.closed
	q.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if err := q.heal(); err != nil {
		return err
	}
	return q.checkReserve(segmentHeaderSize + recordHeaderSize)
}

// checkReserve returns ErrDiskFull when need more bytes would leave less
// than MinFreeBytes free. A free-space probe that fails does not stop
// appends: the write itself then tells. appendMu is held.
func (q *Queue) checkReserve(need int64) error {
	if q.opts.MinFreeBytes < 0 {
		return nil
	}
	free, err := q.opts.FreeSpace(q.dir)
	if err != nil {
		q.log.Warn("measure free disk space", "err", err)
		return nil
	}
	if free-need < q.opts.MinFreeBytes {
		return fmt.Errorf("%d bytes free on the disk, %d needed, %d kept in reserve: %w",
			free, need, q.opts.MinFreeBytes, ErrDiskFull)
	}
	return nil
}

// heal undoes what a failed write or fsync may have left, so that appends
// can go on: the newest segment is cut back to the records the spool
// accounts for (a failed write may have left part of a record after them)
// and fsynced, and a segment file whose creation failed half way is
// removed. Until that works, it returns the failure (and the original
// cause). appendMu is held.
//
// With group commit, records written before a failed fsync are kept if
// the new fsync succeeds. (An operating system that dropped dirty pages
// at the failed fsync may still lose them; the source's bookmark, which
// moves only after acknowledgement, still covers them.)
func (q *Queue) heal() error {
	if q.failed == nil {
		return nil
	}
	cause := q.failed
	fail := func(err error) error {
		return fmt.Errorf("append to spool %s: an earlier write failed (%w) and the spool cannot recover yet: %w", q.dir, cause, err)
	}
	q.mu.Lock()
	next := q.next
	var newest *segment
	if n := len(q.segs); n > 0 {
		newest = q.segs[n-1]
	}
	size := int64(0)
	count := uint64(0)
	if newest != nil {
		size, count = newest.size, newest.count
	}
	q.mu.Unlock()
	if q.w != nil {
		if err := q.w.Truncate(size); err != nil {
			return fail(fmt.Errorf("truncate segment %s to %d bytes: %w", segmentName(newest.first), size, err))
		}
		if err := q.fsync(q.w, newest.first); err != nil {
			return fail(err)
		}
	}
	if newest == nil || newest.first != next {
		if err := os.Remove(segmentPath(q.dir, next)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fail(fmt.Errorf("remove half-created segment %s: %w", segmentName(next), err))
		}
	}
	if err := syncDir(q.dir, q.opts); err != nil {
		return fail(err)
	}
	if q.w != nil {
		q.mu.Lock()
		if count > newest.syncedCount {
			newest.syncedCount, newest.syncedSize = count, size
			q.wakeLocked()
		}
		q.mu.Unlock()
	}
	q.failed = nil
	q.log.Info("spool writable again after a write failure", "cause", cause)
	return nil
}

// need is how many bytes recs add to the spool's files, counting the
// segment headers of the segments they would start. appendMu is held.
func (q *Queue) need(recs [][]byte) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	cur := int64(0) // size of the segment being filled; 0: a new one is needed
	if q.w != nil {
		cur = q.segs[len(q.segs)-1].size
	}
	need := int64(0)
	for _, r := range recs {
		rs := int64(recordHeaderSize + len(r))
		if cur == 0 || (cur+rs > q.opts.SegmentBytes && cur > segmentHeaderSize) {
			cur = segmentHeaderSize
			need += segmentHeaderSize
		}
		cur += rs
		need += rs
	}
	return need
}

func (q *Queue) diskUsed() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.diskBytes
}

// dropAckedNewest closes the newest segment if every record in it is
// acknowledged, and deletes it. appendMu is held.
func (q *Queue) dropAckedNewest() bool {
	q.mu.Lock()
	n := len(q.segs)
	ok := q.w != nil && n > 0 && q.segs[n-1].count > 0 && q.segs[n-1].end() <= q.acked+1
	q.mu.Unlock()
	if !ok {
		return false
	}
	if err := q.w.Close(); err != nil {
		q.log.Warn("close acknowledged segment", "err", err)
	}
	q.w = nil
	q.dropAcked(true)
	return true
}

// write appends recs, starting new segments as needed. appendMu is held.
func (q *Queue) write(recs [][]byte) (uint64, error) {
	q.mu.Lock()
	seq := q.next
	var seg *segment
	if q.w != nil {
		seg = q.segs[len(q.segs)-1]
	}
	q.mu.Unlock()
	type placed struct {
		off  int64
		size int
	}
	var chunk []placed
	buf := q.buf[:0]
	size := int64(0) // seg.size plus what buf holds
	if seg != nil {
		size = seg.size
	}
	flush := func(sync bool) error {
		if len(buf) > 0 {
			if _, err := q.w.WriteAt(buf, size-int64(len(buf))); err != nil {
				return fmt.Errorf("write segment %s: %w", segmentName(seg.first), err)
			}
		}
		if sync {
			if err := q.fsync(q.w, seg.first); err != nil {
				return err
			}
		}
		q.mu.Lock()
		for _, p := range chunk {
			seg.addRecord(p.off, p.size)
		}
		q.next += uint64(len(chunk))
		q.diskBytes += int64(len(buf))
		if sync {
			seg.syncedCount, seg.syncedSize = seg.count, seg.size
			q.wakeLocked()
		}
		q.mu.Unlock()
		buf, chunk = buf[:0], chunk[:0]
		return nil
	}
	var dataBytes int
	for _, r := range recs {
		rs := int64(recordHeaderSize + len(r))
		if q.w == nil || (size+rs > q.opts.SegmentBytes && size > segmentHeaderSize) {
			if q.w != nil {
				// Seal the full segment: it is fsynced before the next one
				// exists, so only the newest segment can ever be torn.
				if err := flush(true); err != nil {
					return 0, err
				}
				if err := q.w.Close(); err != nil {
					return 0, fmt.Errorf("close segment %s: %w", segmentName(seg.first), err)
				}
				q.w = nil
			}
			f, s, err := q.createSegment(seq)
			if err != nil {
				return 0, err
			}
			q.w, seg, size = f, s, s.size
		}
		chunk = append(chunk, placed{off: size, size: int(rs)})
		buf = appendRecord(buf, seq, r)
		size += rs
		seq++
		dataBytes += len(r)
	}
	if err := flush(q.opts.SyncInterval == 0); err != nil {
		return 0, err
	}
	if cap(buf) <= 4<<20 { // keep a reasonable buffer, drop a huge one
		q.buf = buf[:0]
	} else {
		q.buf = nil
	}
	q.m.appended.Add(float64(len(recs)))
	q.m.appendedBytes.Add(float64(dataBytes))
	q.updateGauges()
	return seq - 1, nil
}

// createSegment creates the segment whose first record is first: header
// written and fsynced, directory entry fsynced. appendMu is held.
func (q *Queue) createSegment(first uint64) (*os.File, *segment, error) {
	name := segmentName(first)
	path := filepath.Join(q.dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("create segment %s: %w", name, err)
	}
	if _, err := f.Write(appendSegmentHeader(nil, first)); err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("write segment %s header: %w", name, err)
	}
	if err := q.fsync(f, first); err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if err := syncDir(q.dir, q.opts); err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("create segment %s: %w", name, err)
	}
	s := &segment{first: first, size: segmentHeaderSize, syncedSize: segmentHeaderSize}
	q.mu.Lock()
	q.segs = append(q.segs, s)
	q.diskBytes += segmentHeaderSize
	q.mu.Unlock()
	return f, s, nil
}

func (q *Queue) fsync(f *os.File, first uint64) error {
	start := time.Now()
	err := fsyncFile(f, q.opts)
	q.m.fsyncSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		return fmt.Errorf("fsync segment %s: %w", segmentName(first), err)
	}
	return nil
}

// syncLoop is the group-commit fsync (Options.SyncInterval > 0).
func (q *Queue) syncLoop() {
	defer q.wg.Done()
	t := time.NewTicker(q.opts.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-q.stop:
			return
		case <-t.C:
			q.syncNewest()
		}
	}
}

// syncNewest fsyncs the newest segment if it holds unsynced records and
// makes them readable. It does not hold appendMu during the fsync, so
// Append goes on meanwhile; a roll closing the file under it has fsynced
// the segment itself (os.File keeps the descriptor alive until Sync
// returns).
func (q *Queue) syncNewest() {
	q.appendMu.Lock()
	if q.w == nil || q.failed != nil {
		q.appendMu.Unlock()
		return
	}
	f := q.w
	q.mu.Lock()
	seg := q.segs[len(q.segs)-1]
	count, size := seg.count, seg.size
	dirty := size > seg.syncedSize
	q.mu.Unlock()
	q.appendMu.Unlock()
	if !dirty {
		return
	}
	if err := q.fsync(f, seg.first); err != nil {
		if errors.Is(err, os.ErrClosed) {
			return // rolled: the roll fsynced it
		}
		q.appendMu.Lock()
		q.failed = err
		q.appendMu.Unlock()
		q.log.Error("group commit fsync", "segment", segmentName(seg.first), "err", err)
		return
	}
	q.mu.Lock()
	if count > seg.syncedCount {
		seg.syncedCount, seg.syncedSize = count, size
		q.wakeLocked()
	}
	q.mu.Unlock()
}

// wakeLocked wakes ReadWait callers. mu is held.
func (q *Queue) wakeLocked() {
	if q.closed {
		return // Close closed notify for good
	}
	close(q.notify)
	q.notify = make(chan struct{})
}

// Close fsyncs and closes the files and releases the directory. Further
// calls return nil; every other method returns ErrClosed.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	close(q.notify)
	q.mu.Unlock()
	close(q.stop)
	q.wg.Wait()

	var errs []error
	q.appendMu.Lock()
	if q.w != nil && q.failed == nil {
		if err := fsyncFile(q.w, q.opts); err != nil {
			errs = append(errs, fmt.Errorf("close spool %s: fsync: %w", q.dir, err))
		}
	}
	q.appendMu.Unlock()
	if err := q.closeFiles(); err != nil {
		errs = append(errs, err)
	}
	q.m.unregister(q.opts.Registerer)
	if err := q.unlock(); err != nil {
		errs = append(errs, fmt.Errorf("close spool %s: release lock: %w", q.dir, err))
	}
	return errors.Join(errs...)
}

func (q *Queue) closeFiles() error {
	var errs []error
	q.appendMu.Lock()
	if q.w != nil {
		if err := q.w.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close segment: %w", err))
		}
		q.w = nil
	}
	q.appendMu.Unlock()
	q.readMu.Lock()
	for k, f := range q.readers {
		_ = f.Close()
		delete(q.readers, k)
	}
	q.readMu.Unlock()
	return errors.Join(errs...)
}
