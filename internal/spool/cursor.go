package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// Cursor file (FORMAT.md): magic, version, 3 reserved bytes, acknowledged
// sequence number, state length, state, CRC-32C of everything before it.
const (
	cursorMagic      = "WSPC"
	cursorVersion    = 1
	cursorFixedSize  = 4 + 4 + 8 + 4 + 4
	maxCursorFileLen = cursorFixedSize + MaxStateBytes
)

type cursor struct {
	acked uint64 // every record with a sequence number <= acked is acknowledged
	state []byte // the consumer's, opaque
}

func (c cursor) marshal() []byte {
	b := make([]byte, 0, cursorFixedSize+len(c.state))
	b = append(b, cursorMagic...)
	b = append(b, cursorVersion, 0, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, c.acked)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.state)))
	b = append(b, c.state...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func unmarshalCursor(b []byte) (cursor, error) {
	if len(b) < cursorFixedSize {
		return cursor{}, fmt.Errorf("cursor file is %d bytes, shorter than the %d of an empty one", len(b), cursorFixedSize)
	}
	if string(b[:4]) != cursorMagic {
		return cursor{}, fmt.Errorf("cursor file magic %q", b[:4])
	}
	n := binary.LittleEndian.Uint32(b[16:])
	if n > MaxStateBytes || int(n) != len(b)-cursorFixedSize {
		return cursor{}, fmt.Errorf("cursor file declares %d state bytes but is %d bytes long", n, len(b))
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return cursor{}, errors.New("cursor file checksum mismatch")
	}
	if b[4] != cursorVersion {
		return cursor{}, fmt.Errorf("cursor file version %d is not supported (want %d)", b[4], cursorVersion)
	}
	c := cursor{acked: binary.LittleEndian.Uint64(b[8:])}
	if n > 0 {
		c.state = append([]byte(nil), b[20:20+n]...)
	}
	return c, nil
}

// readCursor reads dir's cursor file. A missing file is reported as
// os.ErrNotExist; a damaged one as a *CorruptionError.
func readCursor(dir string) (cursor, error) {
	f, err := os.Open(filepath.Join(dir, cursorFileName))
	if err != nil {
		return cursor{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCursorFileLen+1))
	if err != nil {
		return cursor{}, fmt.Errorf("read cursor file: %w", err)
	}
	c, err := unmarshalCursor(b)
	if err != nil {
		return cursor{}, &CorruptionError{Dir: dir, File: cursorFileName, Offset: -1, Err: err}
	}
	return c, nil
}

// writeCursor replaces dir's cursor file so that a crash at any point leaves
// the old one or the new one: temp file, fsync, rename, fsync the directory.
func writeCursor(dir string, c cursor, o Options) error {
	tmp := filepath.Join(dir, cursorTmpName)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.Write(c.marshal()); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := fsyncFile(f, o); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	final := filepath.Join(dir, cursorFileName)
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, final, err)
	}
	return syncDir(dir, o)
}
