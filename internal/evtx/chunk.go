package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"

	"wsec/internal/event"
)

var (
	chunkSignature  = []byte("ElfChnk\x00")
	recordSignature = []byte("**\x00\x00")
)

// chunkHeader is the fixed part of a chunk header.
type chunkHeader struct {
	firstNumber, lastNumber uint64
	firstID, lastID         uint64
	headerSize              uint32
	lastRecordOffset        uint32
	freeSpaceOffset         uint32
	recordsCRC              uint32
	flags                   uint32
	headerCRC               uint32
}

func parseChunkHeader(b []byte) chunkHeader {
	le := binary.LittleEndian
	return chunkHeader{
		firstNumber:      le.Uint64(b[8:]),
		lastNumber:       le.Uint64(b[16:]),
		firstID:          le.Uint64(b[24:]),
		lastID:           le.Uint64(b[32:]),
		headerSize:       le.Uint32(b[40:]),
		lastRecordOffset: le.Uint32(b[44:]),
		freeSpaceOffset:  le.Uint32(b[48:]),
		recordsCRC:       le.Uint32(b[52:]),
		flags:            le.Uint32(b[120:]),
		headerCRC:        le.Uint32(b[124:]),
	}
}

// headerCRC is the CRC32 Windows stores for a chunk header: bytes 0–119 and
// 128–511 (the offset tables), skipping the flags and the CRC itself.
func chunkHeaderCRC(b []byte) uint32 {
	c := crc32.Update(0, crc32.IEEETable, b[:120])
	return crc32.Update(c, crc32.IEEETable, b[128:chunkHeaderSize])
}

// chunkResult is what decoding one chunk produced.
type chunkResult struct {
	events   []*event.Event
	ids      []uint64 // ids[i] is events[i]'s record identifier from its record header
	problems []Problem
	stats    Stats
}

// decodeChunk decodes one chunk. data must be ChunkSize bytes; avail says
// how many of them came from the file (a short last chunk is zero padded).
// inUse is whether the file header counts this chunk as written.
func (d *decoder) decodeChunk(index int, fileOff int64, data []byte, avail int, inUse bool) chunkResult {
	d.resetChunk(index, fileOff, data)
	res := chunkResult{stats: Stats{Chunks: 1, Bytes: int64(avail)}}
	problem := func(kind ProblemKind, off int, id uint64, err error) {
		res.problems = append(res.problems, Problem{Kind: kind, Chunk: index, Offset: fileOff + int64(off), RecordID: id, Err: err})
	}
	if !bytes.Equal(data[:8], chunkSignature) {
		switch {
		case allZero(data[:avail]) && !inUse:
			res.stats.EmptyChunks++
		case allZero(data[:avail]):
			res.stats.BadChunks++
			problem(ProblemChunkSkipped, 0, 0, fmt.Errorf("zero-filled chunk inside the header's chunk count"))
		default:
			res.stats.BadChunks++
			problem(ProblemChunkSkipped, 0, 0, fmt.Errorf("bad chunk signature %q", data[:8]))
		}
		return res
	}
	h := parseChunkHeader(data)
	end := int(h.freeSpaceOffset)
	var suspect []string
	if avail < ChunkSize {
		suspect = append(suspect, fmt.Sprintf("chunk truncated to %d bytes", avail))
	}
	if end < chunkHeaderSize || end > ChunkSize {
		suspect = append(suspect, fmt.Sprintf("free space offset 0x%x out of range", h.freeSpaceOffset))
		end = ChunkSize
	}
	if avail < end {
		end = avail
	}
	if h.flags&FlagNoCRC32 == 0 {
		if got := chunkHeaderCRC(data); got != h.headerCRC {
			suspect = append(suspect, fmt.Sprintf("header CRC32 0x%08x, stored 0x%08x", got, h.headerCRC))
		}
		if int(h.freeSpaceOffset) >= chunkHeaderSize && int(h.freeSpaceOffset) <= ChunkSize {
			if got := crc32.ChecksumIEEE(data[chunkHeaderSize:h.freeSpaceOffset]); got != h.recordsCRC {
				suspect = append(suspect, fmt.Sprintf("records CRC32 0x%08x, stored 0x%08x", got, h.recordsCRC))
			}
		}
	}
	if len(suspect) > 0 {
		res.stats.SuspectChunks++
		problem(ProblemChunkChecksum, 0, 0, errors.New(strings.Join(suspect, "; ")))
	}
	d.suspect = len(suspect) > 0 || h.flags&FlagNoCRC32 != 0

	alloc := newEventSlab(h)
	le := binary.LittleEndian
	var lastID uint64
	deliver := func(off, size int, id uint64, framing error) {
		ev := alloc.next()
		truncated, err := d.decodeRecord(off, size, ev)
		if err != nil {
			alloc.unget()
			if framing != nil {
				err = fmt.Errorf("%w (and %v)", framing, err)
			}
			problem(ProblemRecordSkipped, off, id, err)
			res.stats.Skipped++
			return
		}
		if ev.System.EventRecordID == 0 {
			ev.System.EventRecordID = id
		}
		if ev.System.TimeCreated.IsZero() {
			ev.System.TimeCreated = filetimeToTime(le.Uint64(data[off+16:]))
		}
		switch {
		case framing != nil:
			problem(ProblemRecordSuspect, off, id, framing)
			res.stats.Suspect++
		case truncated != nil:
			problem(ProblemRecordTruncated, off, id, truncated)
			res.stats.Truncated++
		}
		res.events = append(res.events, ev)
		res.ids = append(res.ids, id)
		lastID = id
	}
	off := chunkHeaderSize
	for off+recordHeaderSize <= end {
		size, id, err := checkRecord(data, off, end)
		switch {
		case err == nil || errors.Is(err, errSizeCopy):
			// With errSizeCopy the trailing size copy is not written yet (a
			// record torn by a crash) or damaged: the record itself may
			// still be whole, delivered as suspect.
			deliver(off, size, id, err)
			off += size
			continue
		case allZero(data[off:end]):
			// unused space after the last record
		default:
			problem(ProblemRecordSkipped, off, id, err)
			res.stats.Skipped++
			if d.recover {
				if next := resync(data, off+1, end, lastID, h); next > 0 {
					off = next
					continue
				}
			}
		}
		break
	}
	res.stats.Records = len(res.events)
	if len(suspect) > 0 {
		res.stats.Recovered = len(res.events)
	}
	return res
}

// checkRecord validates the record framing at off: signature, a size that
// fits before end, and the trailing size copy.
func checkRecord(data []byte, off, end int) (size int, id uint64, err error) {
	le := binary.LittleEndian
	if !bytes.Equal(data[off:off+4], recordSignature) {
		return 0, 0, errAt(off, "bad record signature %x", data[off:off+4])
	}
	if off+recordHeaderSize > end {
		return 0, 0, errAt(off, "record header past the end of the records area")
	}
	size = int(le.Uint32(data[off+4:]))
	id = le.Uint64(data[off+8:])
	if off+recordMinSize > end {
		return 0, id, errAt(off, "record %d header at the end of the records area", id)
	}
	if size < recordMinSize || size > end-off {
		return 0, id, errAt(off, "record %d size %d out of range (%d bytes left)", id, size, end-off)
	}
	if copySize := int(le.Uint32(data[off+size-4:])); copySize != size {
		return size, id, fmt.Errorf("%w: record %d size %d, trailing copy %d", errSizeCopy, id, size, copySize)
	}
	return size, id, nil
}

var errSizeCopy = errors.New("record trailer does not repeat its size")

// resync finds the next offset in [from, end) where a well-framed record
// starts whose id continues the chunk (after lastID, within the header's
// range), or -1. Requiring the id keeps stale records of an older use of
// the chunk, whose templates may be overwritten, out.
func resync(data []byte, from, end int, lastID uint64, h chunkHeader) int {
	for from+recordMinSize <= end {
		i := bytes.Index(data[from:end], recordSignature)
		if i < 0 {
			return -1
		}
		off := from + i
		if _, id, err := checkRecord(data, off, end); err == nil && id > lastID && id >= h.firstID && id <= h.lastID {
			return off
		}
		from = off + 1
	}
	return -1
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// eventSlab hands out the events of one chunk from a few large
// allocations. Events stay valid after the chunk is done (callers may keep
// them); they only share backing arrays with their chunk neighbours.
type eventSlab struct {
	evs []event.Event
	n   int
}

func newEventSlab(h chunkHeader) *eventSlab {
	n := 64
	if h.lastNumber >= h.firstNumber && h.lastNumber-h.firstNumber < ChunkSize/recordMinSize {
		n = int(h.lastNumber-h.firstNumber) + 1
	}
	return &eventSlab{evs: make([]event.Event, n)}
}

func (s *eventSlab) next() *event.Event {
	if s.n == len(s.evs) {
		s.evs = make([]event.Event, 64)
		s.n = 0
	}
	ev := &s.evs[s.n]
	s.n++
	return ev
}

// unget returns the last event handed out (its decode failed).
func (s *eventSlab) unget() {
	s.n--
	s.evs[s.n] = event.Event{}
}

func (r *chunkResult) chunk(index int) Chunk {
	return Chunk{Index: index, Events: r.events, RecordIDs: r.ids, Problems: r.problems}
}
