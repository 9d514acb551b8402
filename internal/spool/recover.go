package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// listDir returns the first sequence numbers of dir's segments, in order,
// and removes stale temp files.
func listDir(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list spool dir %s: %w", dir, err)
	}
	var firsts []uint64
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		if strings.HasSuffix(name, tmpSuffix) {
			// A cursor write that did not reach its rename; the old cursor
			// file is intact.
			_ = os.Remove(filepath.Join(dir, name))
			continue
		}
		if first, ok := parseSegmentName(name); ok {
			firsts = append(firsts, first)
		}
	}
	if len(firsts) > MaxSegments {
		return nil, &CorruptionError{Dir: dir, File: ".", Offset: -1,
			Err: fmt.Errorf("%d segment files, more than the %d a spool can have", len(firsts), MaxSegments)}
	}
	slices.Sort(firsts)
	return firsts, nil
}

// recover loads the cursor and the segments (Open's job; FORMAT.md
// "Recovery").
func (q *Queue) recover() error {
	firsts, err := listDir(q.dir)
	if err != nil {
		return err
	}
	cur, err := readCursor(q.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if len(firsts) > 0 {
			return &CorruptionError{Dir: q.dir, File: cursorFileName, Offset: -1,
				Err: fmt.Errorf("cursor file missing while %d segment files exist", len(firsts))}
		}
		cur = cursor{acked: q.opts.initialSeq() - 1}
		if err := writeCursor(q.dir, cur, q.opts); err != nil {
			return fmt.Errorf("create spool %s: %w", q.dir, err)
		}
	case err != nil:
		return err
	}
	q.acked, q.state = cur.acked, cur.state

	for i, first := range firsts {
		name := segmentName(first)
		path := filepath.Join(q.dir, name)
		seg, serr, err := scanSegment(path, first)
		if err != nil {
			return fmt.Errorf("recover spool %s: segment %s: %w", q.dir, name, err)
		}
		newest := i == len(firsts)-1
		if serr != nil {
			if !newest || (serr.off == 0 && !errors.Is(serr.err, errTorn) && fileSize(path) > segmentHeaderSize) {
				// Older segments were fsynced before the next one was
				// created, so they cannot be torn; nor can a header that was
				// fsynced before any record was written.
				return &CorruptionError{Dir: q.dir, File: name, Offset: serr.off, Seq: serr.seq, Err: serr.err}
			}
			if err := q.truncateTail(path, seg, serr); err != nil {
				return err
			}
			if seg.size == 0 {
				continue // the segment was never more than a torn header: gone
			}
		}
		if n := len(q.segs); n > 0 {
			prev := q.segs[n-1]
			if first < prev.end() {
				return &CorruptionError{Dir: q.dir, File: name, Offset: -1,
					Err: fmt.Errorf("segment starts at record %d, inside %s which ends at %d", first, segmentName(prev.first), prev.end()-1)}
			}
			if first > prev.end() {
				q.log.Warn("records missing between segments (lost to an earlier repair)",
					"segment", name, "first_missing", prev.end(), "missing", first-prev.end())
			}
		}
		seg.syncedCount, seg.syncedSize = seg.count, seg.size
		q.segs = append(q.segs, seg)
		q.diskBytes += seg.size
	}

	q.next = q.acked + 1
	if n := len(q.segs); n > 0 {
		q.next = max(q.next, q.segs[n-1].end())
		if q.segs[0].first > q.acked+1 {
			q.log.Warn("records missing after the acknowledged cursor (lost to an earlier repair)",
				"acked", q.acked, "first_present", q.segs[0].first)
		}
	}
	q.dropAcked(false)
	if n := len(q.segs); n > 0 && q.segs[n-1].end() == q.next {
		s := q.segs[n-1]
		f, err := os.OpenFile(segmentPath(q.dir, s.first), os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("open segment %s for appending: %w", segmentName(s.first), err)
		}
		q.w = f
	}
	q.readMu.Lock()
	q.updateAckedOff()
	q.readMu.Unlock()
	return nil
}

// truncateTail cuts the newest segment back to its valid prefix (a torn
// tail) and fsyncs it; a segment without a valid header is removed.
func (q *Queue) truncateTail(path string, seg *segment, serr *scanError) error {
	name := filepath.Base(path)
	size := fileSize(path)
	if seg.size < segmentHeaderSize {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove torn segment %s: %w", name, err)
		}
		if err := syncDir(q.dir, q.opts); err != nil {
			return err
		}
		q.log.Warn("removed a segment whose header was torn", "segment", name, "bytes", size)
		q.m.truncatedBytes.Add(float64(size))
		seg.size = 0
		return nil
	}
	if err := truncateFile(path, seg.size, q.opts); err != nil {
		return err
	}
	q.log.Warn("truncated torn tail of the newest segment",
		"segment", name, "offset", seg.size, "bytes", size-seg.size, "first_lost_seq", serr.seq, "err", serr.err)
	q.m.truncatedBytes.Add(float64(size - seg.size))
	return nil
}

func truncateFile(path string, size int64, o Options) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s to truncate: %w", filepath.Base(path), err)
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return fmt.Errorf("truncate %s to %d bytes: %w", filepath.Base(path), size, err)
	}
	if err := fsyncFile(f, o); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
