package spool

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// On-disk names inside a spool directory (FORMAT.md).
const (
	cursorFileName = "cursor" // acknowledged cursor and consumer state
	lockFileName   = "LOCK"   // held while a Queue is open
	segmentSuffix  = ".seg"   // segments: <first seq, 20 digits>.seg
	tmpSuffix      = ".tmp"   // a temp file being written; stale ones are removed at Open
	segmentDigits  = 20       // enough for any uint64, so names sort as numbers
	cursorTmpName  = cursorFileName + tmpSuffix
)

func segmentName(first uint64) string {
	return fmt.Sprintf("%0*d%s", segmentDigits, first, segmentSuffix)
}

func segmentPath(dir string, first uint64) string {
	return filepath.Join(dir, segmentName(first))
}

// parseSegmentName returns the first sequence number a segment's name
// declares, or ok=false when name is not a segment's.
func parseSegmentName(name string) (first uint64, ok bool) {
	base, found := strings.CutSuffix(name, segmentSuffix)
	if !found || len(base) != segmentDigits {
		return 0, false
	}
	n, err := strconv.ParseUint(base, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
