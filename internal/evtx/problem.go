package evtx

import (
	"errors"
	"fmt"
)

// ErrNotEVTX is returned by Open and NewReader when the file does not start
// with the EVTX file signature.
var ErrNotEVTX = errors.New("not an EVTX file (bad file signature)")

// ProblemKind says what was wrong and what the reader did about it.
type ProblemKind uint8

const (
	// ProblemFileHeader: the file header failed its checksum or has odd
	// values; chunks are read regardless, found by position.
	ProblemFileHeader ProblemKind = iota + 1
	// ProblemChunkSkipped: a chunk was not read at all (bad signature,
	// zero-filled inside the header's chunk count, unreadable header).
	ProblemChunkSkipped
	// ProblemChunkChecksum: a chunk failed a CRC32 check (header or records);
	// every record that still parsed cleanly was delivered, counted as
	// Recovered in Stats.
	ProblemChunkChecksum
	// ProblemRecordSkipped: one record could not be decoded and was not
	// delivered; the rest of its chunk was still read where possible.
	ProblemRecordSkipped
	// ProblemRecordTruncated: a record was delivered with part of its
	// payload dropped (a limit was hit).
	ProblemRecordTruncated
	// ProblemRecordSuspect: a record was delivered although its framing is
	// damaged (its trailing size copy does not match, typical of a record
	// torn by a crash); its payload decoded cleanly but may be incomplete.
	ProblemRecordSuspect
)

func (k ProblemKind) String() string {
	switch k {
	case ProblemFileHeader:
		return "file header"
	case ProblemChunkSkipped:
		return "chunk skipped"
	case ProblemChunkChecksum:
		return "chunk checksum"
	case ProblemRecordSkipped:
		return "record skipped"
	case ProblemRecordTruncated:
		return "record truncated"
	case ProblemRecordSuspect:
		return "record suspect"
	}
	return fmt.Sprintf("problem(%d)", uint8(k))
}

// Problem is something wrong in the file that the reader stepped around.
// Problems never stop reading; they say what was skipped or doubted where.
type Problem struct {
	Kind ProblemKind
	// Chunk is the chunk index (0-based, by position in the file), -1 for
	// the file header.
	Chunk int
	// Offset is the file offset of the damaged structure (file header,
	// chunk or record).
	Offset int64
	// RecordID is the record's id from its header, 0 when not known.
	RecordID uint64
	// Err says what was wrong.
	Err error
}

func (p Problem) String() string {
	where := "file header"
	if p.Chunk >= 0 {
		where = fmt.Sprintf("chunk %d", p.Chunk)
	}
	if p.RecordID != 0 {
		return fmt.Sprintf("%s: %s record %d at offset 0x%x: %v", p.Kind, where, p.RecordID, p.Offset, p.Err)
	}
	return fmt.Sprintf("%s: %s at offset 0x%x: %v", p.Kind, where, p.Offset, p.Err)
}

// Error makes a Problem usable as an error.
func (p Problem) Error() string { return p.String() }

// Unwrap returns the underlying cause.
func (p Problem) Unwrap() error { return p.Err }

// Stats counts what a read did. Records + Skipped is every record header
// found; Recovered is the part of Records that came from chunks failing a
// checksum.
type Stats struct {
	Chunks        int   // chunk positions examined
	EmptyChunks   int   // zero-filled chunks past the header's chunk count (normal preallocation, not a problem)
	BadChunks     int   // chunks skipped whole (bad signature, zero-filled in use, unreadable header)
	SuspectChunks int   // chunks read although a checksum failed
	Records       int   // events delivered
	Recovered     int   // events delivered from suspect chunks
	Skipped       int   // records found but not decodable
	Truncated     int   // events delivered with part of the payload dropped
	Suspect       int   // events delivered although their record framing is damaged
	Bytes         int64 // file bytes examined (header plus chunks)
}

func (s *Stats) add(o Stats) {
	s.Chunks += o.Chunks
	s.EmptyChunks += o.EmptyChunks
	s.BadChunks += o.BadChunks
	s.SuspectChunks += o.SuspectChunks
	s.Records += o.Records
	s.Recovered += o.Recovered
	s.Skipped += o.Skipped
	s.Truncated += o.Truncated
	s.Suspect += o.Suspect
	s.Bytes += o.Bytes
}

// formatError is a decoding failure at a chunk-relative offset.
type formatError struct {
	off int
	msg string
}

func (e *formatError) Error() string { return fmt.Sprintf("%s at chunk offset 0x%x", e.msg, e.off) }

func errAt(off int, format string, args ...any) error {
	if len(args) == 0 {
		return &formatError{off: off, msg: format}
	}
	return &formatError{off: off, msg: fmt.Sprintf(format, args...)}
}
