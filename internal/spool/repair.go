package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// RepairReport says what Repair gave up to make a spool openable.
type RepairReport struct {
	// CursorRebuilt: the cursor file was missing or damaged and was written
	// again with the cursor just before the oldest record on disk, so those
	// records are read (and sent) again: receivers drop what they already
	// hold by sequence number. The consumer state is lost.
	CursorRebuilt bool
	// LostRecords counts records known to be lost: from damage in a
	// segment up to the next segment, and overlapping segments removed.
	// What a torn newest segment lost is not known (its writer had not
	// returned) and is not counted.
	LostRecords uint64
	// TruncatedBytes is how much segment data was cut off or removed.
	TruncatedBytes int64
	// Segments lists the files changed, for the log.
	Segments []string
}

// Repair makes the spool in dir openable after Open returned a
// *CorruptionError. It keeps every record that still checks out:
//
//   - a segment with a bad record is cut just before it; the records after
//     it in that segment are lost, later segments are kept (sequence
//     numbers then skip the lost ones);
//   - a segment with a damaged header keeps the records that still verify
//     against the sequence number in its file name, and gets a new header;
//   - a segment overlapping the one before it is removed;
//   - a missing or damaged cursor file is rebuilt (see RepairReport).
//
// Repair takes the directory lock, so it fails with ErrLocked while the
// spool is open. It logs what it did to opts.Logger.
func Repair(dir string, opts Options) (RepairReport, error) {
	opts = opts.withDefaults()
	log := opts.Logger.With("spool", dir)
	var rep RepairReport
	unlock, err := lockDir(filepath.Join(dir, lockFileName))
	if err != nil {
		return rep, fmt.Errorf("repair spool %s: %w", dir, err)
	}
	defer func() { _ = unlock() }()
	firsts, err := listDir(dir)
	if err != nil {
		var ce *CorruptionError
		if !errors.As(err, &ce) {
			return rep, err
		}
		return rep, fmt.Errorf("repair spool %s: %w (move the directory aside and start an empty spool)", dir, err)
	}

	var prevEnd uint64
	var kept []uint64
	for i, first := range firsts {
		name := segmentName(first)
		path := filepath.Join(dir, name)
		if len(kept) > 0 && first < prevEnd {
			seg, _, err := scanSegmentFrom(path, first, true)
			if err != nil {
				return rep, fmt.Errorf("repair spool %s: segment %s: %w", dir, name, err)
			}
			if err := removeSegment(dir, name, opts); err != nil {
				return rep, err
			}
			rep.LostRecords += seg.count
			rep.TruncatedBytes += fileSize(path)
			rep.Segments = append(rep.Segments, name)
			log.Warn("repair: removed a segment overlapping the previous one", "segment", name, "records", seg.count)
			continue
		}
		seg, serr, err := scanSegment(path, first)
		if err != nil {
			return rep, fmt.Errorf("repair spool %s: segment %s: %w", dir, name, err)
		}
		if serr == nil {
			kept, prevEnd = append(kept, first), seg.end()
			continue
		}
		size := fileSize(path)
		headerBad := seg.size < segmentHeaderSize
		if headerBad {
			if seg, serr, err = scanSegmentFrom(path, first, true); err != nil {
				return rep, fmt.Errorf("repair spool %s: segment %s: %w", dir, name, err)
			}
		}
		if seg.count == 0 && headerBad {
			if err := removeSegment(dir, name, opts); err != nil {
				return rep, err
			}
		} else {
			if err := truncateFile(path, seg.size, opts); err != nil {
				return rep, fmt.Errorf("repair spool %s: %w", dir, err)
			}
			if headerBad {
				if err := rewriteHeader(path, first, opts); err != nil {
					return rep, fmt.Errorf("repair spool %s: %w", dir, err)
				}
			}
			kept, prevEnd = append(kept, first), seg.end()
		}
		lost := uint64(0)
		if i+1 < len(firsts) && firsts[i+1] > seg.end() {
			lost = firsts[i+1] - seg.end()
		}
		rep.LostRecords += lost
		rep.TruncatedBytes += size - max(seg.size, 0)
		rep.Segments = append(rep.Segments, name)
		cause := "none"
		if serr != nil {
			cause = serr.err.Error()
		}
		log.Warn("repair: cut a damaged segment", "segment", name, "kept_records", seg.count,
			"lost_records", lost, "bytes", size-seg.size, "header_rewritten", headerBad, "err", cause)
	}

	_, err = readCursor(dir)
	var ce *CorruptionError
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) || errors.As(err, &ce):
		var acked uint64
		if len(kept) > 0 {
			acked = kept[0] - 1
		} else {
			acked = opts.initialSeq() - 1
		}
		if err := writeCursor(dir, cursor{acked: acked}, opts); err != nil {
			return rep, fmt.Errorf("repair spool %s: rebuild cursor: %w", dir, err)
		}
		rep.CursorRebuilt = true
		log.Warn("repair: rebuilt the cursor file; records on disk will be sent again", "acked", acked)
	default:
		return rep, fmt.Errorf("repair spool %s: %w", dir, err)
	}
	return rep, nil
}

func removeSegment(dir, name string, o Options) error {
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("remove segment %s: %w", name, err)
	}
	return syncDir(dir, o)
}

func rewriteHeader(path string, first uint64, o Options) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	if _, err := f.WriteAt(appendSegmentHeader(nil, first), 0); err != nil {
		_ = f.Close()
		return fmt.Errorf("rewrite header of %s: %w", filepath.Base(path), err)
	}
	if err := fsyncFile(f, o); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}
