package ship

import (
	"encoding/binary"
	"errors"
	"fmt"

	"wsec/internal/bookmark"
)

// A spool record written by the Fanout (FORMAT.md, "Spool record"):
//
//	uvarint len(channel) | channel | uvarint record ID | framed event
//
// The framed event is uvarint(len) + binary event (internal/event
// FORMAT.md), sent to the workspace byte for byte as stored.

// appendRecord appends the spool record for one event to dst.
func appendRecord(dst []byte, pos bookmark.Position, framed []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(pos.Channel)))
	dst = append(dst, pos.Channel...)
	dst = binary.AppendUvarint(dst, pos.RecordID)
	return append(dst, framed...)
}

var errBadRecord = errors.New("malformed spool record")

// parseRecord splits a spool record into its source position and framed
// event, checking that the frame covers exactly the rest of the record.
func parseRecord(rec []byte) (channel []byte, recordID uint64, framed []byte, err error) {
	n, k := binary.Uvarint(rec)
	if k <= 0 || n > MaxChannelBytes || n > uint64(len(rec)-k) {
		return nil, 0, nil, fmt.Errorf("%w: channel length", errBadRecord)
	}
	channel, rec = rec[k:k+int(n)], rec[k+int(n):]
	recordID, k = binary.Uvarint(rec)
	if k <= 0 {
		return nil, 0, nil, fmt.Errorf("%w: record ID", errBadRecord)
	}
	framed = rec[k:]
	size, k := binary.Uvarint(framed)
	if k <= 0 || size != uint64(len(framed)-k) || size == 0 {
		return nil, 0, nil, fmt.Errorf("%w: event frame of %d bytes in %d", errBadRecord, size, len(framed))
	}
	return channel, recordID, framed, nil
}
