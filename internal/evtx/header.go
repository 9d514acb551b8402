package evtx

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

var fileSignature = []byte("ElfFile\x00")

// File header flags.
const (
	FlagDirty   = 0x1 // the log was not closed cleanly; the last chunk may be half written
	FlagFull    = 0x2 // the log reached its maximum size
	FlagNoCRC32 = 0x4 // checksums were not computed (seen in some exported logs)
)

// Header is the EVTX file header. Its counts are advisory: dirty logs carry
// stale values, so chunks are found by position, not by ChunkCount.
type Header struct {
	FirstChunk   uint64
	LastChunk    uint64
	NextRecordID uint64
	HeaderSize   uint32
	MinorVersion uint16
	MajorVersion uint16
	BlockSize    uint16
	ChunkCount   uint16
	Flags        uint32
	Checksum     uint32
	// ChecksumOK is false when the stored CRC32 of the first 120 bytes does
	// not match (always reported, except with FlagNoCRC32).
	ChecksumOK bool
}

// parseHeader decodes the first 128 bytes of b. It fails only on a bad
// signature; odd values become problems.
func parseHeader(b []byte) (Header, []Problem, error) {
	if len(b) < 128 || string(b[:8]) != string(fileSignature) {
		return Header{}, nil, ErrNotEVTX
	}
	le := binary.LittleEndian
	h := Header{
		FirstChunk:   le.Uint64(b[8:]),
		LastChunk:    le.Uint64(b[16:]),
		NextRecordID: le.Uint64(b[24:]),
		HeaderSize:   le.Uint32(b[32:]),
		MinorVersion: le.Uint16(b[36:]),
		MajorVersion: le.Uint16(b[38:]),
		BlockSize:    le.Uint16(b[40:]),
		ChunkCount:   le.Uint16(b[42:]),
		Flags:        le.Uint32(b[120:]),
		Checksum:     le.Uint32(b[124:]),
	}
	h.ChecksumOK = crc32.ChecksumIEEE(b[:120]) == h.Checksum
	var probs []Problem
	bad := func(err error) {
		probs = append(probs, Problem{Kind: ProblemFileHeader, Chunk: -1, Err: err})
	}
	if !h.ChecksumOK && h.Flags&FlagNoCRC32 == 0 {
		bad(fmt.Errorf("header checksum 0x%08x does not match the stored 0x%08x", crc32.ChecksumIEEE(b[:120]), h.Checksum))
	}
	if h.MajorVersion != 3 {
		bad(fmt.Errorf("unexpected format version %d.%d (want 3.x)", h.MajorVersion, h.MinorVersion))
	}
	return h, probs, nil
}
