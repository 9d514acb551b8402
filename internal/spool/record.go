package spool

import (
	"encoding/binary"
	"hash/crc32"
)

// Record is one appended record and its sequence number.
type Record struct {
	Seq  uint64
	Data []byte
}

// recordHeaderSize: uint32 length, uint32 CRC-32C (FORMAT.md).
const recordHeaderSize = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordCRC covers the record's sequence number and length as well as its
// data, so a record read at the wrong place, or a zeroed region, never
// passes as valid.
func recordCRC(seq uint64, data []byte) uint32 {
	var pre [12]byte
	binary.LittleEndian.PutUint64(pre[0:], seq)
	binary.LittleEndian.PutUint32(pre[8:], uint32(len(data)))
	c := crc32.Update(0, castagnoli, pre[:])
	return crc32.Update(c, castagnoli, data)
}

// appendRecord appends the on-disk form of one record to dst.
func appendRecord(dst []byte, seq uint64, data []byte) []byte {
	var h [recordHeaderSize]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(len(data)))
	binary.LittleEndian.PutUint32(h[4:], recordCRC(seq, data))
	dst = append(dst, h[:]...)
	return append(dst, data...)
}

// parseRecord decodes the record that starts at b[0], whose sequence number
// is seq. It returns the data (aliasing b) and the record's total size, or
// errTorn when b ends first (b may simply be too short a window), or
// errBadLength / errBadCRC.
func parseRecord(b []byte, seq uint64) (data []byte, size int, err error) {
	if len(b) < recordHeaderSize {
		return nil, 0, errTorn
	}
	n := binary.LittleEndian.Uint32(b[0:])
	if n > MaxRecordBytes {
		return nil, 0, errBadLength
	}
	size = recordHeaderSize + int(n)
	if len(b) < size {
		return nil, 0, errTorn
	}
	data = b[recordHeaderSize:size]
	if binary.LittleEndian.Uint32(b[4:]) != recordCRC(seq, data) {
		return nil, 0, errBadCRC
	}
	return data, size, nil
}
