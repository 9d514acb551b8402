package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// Segment header (FORMAT.md): magic, version, 3 reserved bytes, first
// sequence number, CRC-32C of the preceding 16 bytes.
const (
	segmentMagic      = "WSPS"
	segmentVersion    = 1
	segmentHeaderSize = 20
)

func appendSegmentHeader(dst []byte, first uint64) []byte {
	start := len(dst)
	dst = append(dst, segmentMagic...)
	dst = append(dst, segmentVersion, 0, 0, 0)
	dst = binary.LittleEndian.AppendUint64(dst, first)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func checkSegmentHeader(h []byte, first uint64) error {
	if len(h) < segmentHeaderSize {
		return errTorn
	}
	if string(h[:4]) != segmentMagic {
		return fmt.Errorf("%w: magic %q", errBadHeader, h[:4])
	}
	if crc32.Checksum(h[:16], castagnoli) != binary.LittleEndian.Uint32(h[16:]) {
		return fmt.Errorf("%w: checksum mismatch", errBadHeader)
	}
	if h[4] != segmentVersion {
		return fmt.Errorf("%w: version %d is not supported (want %d)", errBadHeader, h[4], segmentVersion)
	}
	if got := binary.LittleEndian.Uint64(h[8:]); got != first {
		return fmt.Errorf("%w: header says first sequence %d, file name says %d", errBadHeader, got, first)
	}
	return nil
}

// segment is what the Queue knows about one segment file. Records
// first .. first+count-1 are in it, back to back after the header.
type segment struct {
	first uint64
	count uint64 // records in the file
	size  int64  // file size: header plus those records
	// syncedCount and syncedSize describe the fsynced prefix; they equal
	// count and size except for the newest segment in group-commit mode.
	syncedCount uint64
	syncedSize  int64
	// index[k] is the offset of record first+k*indexEvery.
	index []int64
}

func (s *segment) end() uint64 { return s.first + s.count }

func (s *segment) addRecord(off int64, size int) {
	if s.count%indexEvery == 0 {
		s.index = append(s.index, off)
	}
	s.count++
	s.size = off + int64(size)
}

// scanError is where and why a segment scan stopped early.
type scanError struct {
	off int64  // offset of the bad record (or 0 for a bad header)
	seq uint64 // its sequence number
	err error
}

// scanSegment reads a segment file and checks every record. It returns the
// valid prefix as a segment, and a *scanError if the file holds more than
// that prefix (I/O errors are returned as they are).
func scanSegment(path string, first uint64) (*segment, *scanError, error) {
	return scanSegmentFrom(path, first, false)
}

// scanSegmentFrom is scanSegment; with ignoreHeader a damaged header is
// skipped and the records after it are checked against the first sequence
// number from the file name (Repair's salvage).
func scanSegmentFrom(path string, first uint64, ignoreHeader bool) (*segment, *scanError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open segment: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("stat segment: %w", err)
	}
	fileSize := st.Size()
	seg := &segment{first: first}
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [segmentHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return seg, &scanError{seq: first, err: errTorn}, nil
		}
		return nil, nil, fmt.Errorf("read segment header: %w", err)
	}
	if err := checkSegmentHeader(hdr[:], first); err != nil && !ignoreHeader {
		return seg, &scanError{seq: first, err: err}, nil
	}
	seg.size = segmentHeaderSize
	var buf []byte
	off := int64(segmentHeaderSize)
	for off < fileSize {
		seq := seg.end()
		var rh [recordHeaderSize]byte
		if _, err := io.ReadFull(r, rh[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return seg, &scanError{off: off, seq: seq, err: errTorn}, nil
			}
			return nil, nil, fmt.Errorf("read record at offset %d: %w", off, err)
		}
		n := int64(binary.LittleEndian.Uint32(rh[:]))
		if n > MaxRecordBytes {
			return seg, &scanError{off: off, seq: seq, err: errBadLength}, nil
		}
		if off+recordHeaderSize+n > fileSize {
			return seg, &scanError{off: off, seq: seq, err: errTorn}, nil
		}
		if int64(cap(buf)) < recordHeaderSize+n {
			buf = make([]byte, recordHeaderSize+n)
		}
		b := buf[:recordHeaderSize+n]
		copy(b, rh[:])
		if _, err := io.ReadFull(r, b[recordHeaderSize:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return seg, &scanError{off: off, seq: seq, err: errTorn}, nil
			}
			return nil, nil, fmt.Errorf("read record at offset %d: %w", off, err)
		}
		if _, _, err := parseRecord(b, seq); err != nil {
			return seg, &scanError{off: off, seq: seq, err: err}, nil
		}
		seg.addRecord(off, len(b))
		off += int64(len(b))
	}
	seg.syncedCount, seg.syncedSize = seg.count, seg.size
	return seg, nil, nil
}
