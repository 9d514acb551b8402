// Package evtxbuild assembles EVTX files from the chunks of other EVTX
// files. It exists to make realistic large inputs for benchmarks and
// stress tests (the corpus' biggest real logs are a few MB) without
// synthesising events: every chunk is copied byte for byte from a real
// log, and only the file header is written anew (chunk count, last chunk
// number, next record id, CRC32).
//
// Chunks are self-contained, so the result is a valid EVTX file that any
// reader accepts. Record ids repeat when chunks from different logs (or
// the same log several times) are combined; readers do not care.
package evtxbuild

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const (
	fileHeaderSize = 4096
	chunkSize      = 65536
	// maxChunks is the most chunks a file header can count (uint16).
	maxChunks = 0xffff
)

// Options say which chunks go into the output and how many.
type Options struct {
	// TargetBytes makes Build cycle through the sources until the output
	// holds at least this many bytes. 0 means each source once.
	TargetBytes int64
	// MaxChunks caps the chunks written. 0 means the format's limit, 65535
	// (4 GiB).
	MaxChunks int
	// IncludeDamaged copies chunks whose signature or CRC32 checks fail
	// too. By default only intact chunks are copied, so the output reads
	// without problems.
	IncludeDamaged bool
}

// Info describes what Build wrote.
type Info struct {
	Chunks  int   // chunks written
	Skipped int   // source chunks left out (damaged or unused)
	Bytes   int64 // output size
	Records int64 // records in the chunks written, from their headers
}

// Sources returns the .evtx files under root, sorted, for Build.
func Sources(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list evtx files under %s: %w", root, err)
	}
	sort.Strings(out)
	return out, nil
}

// BuildFile writes the assembled file to path (through a temporary file
// renamed into place, so a failed build leaves nothing behind).
func BuildFile(path string, sources []string, opts Options) (Info, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".evtxbuild-*")
	if err != nil {
		return Info{}, fmt.Errorf("create temp file for %s: %w", path, err)
	}
	info, err := Build(tmp, sources, opts)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", tmp.Name(), cerr)
	}
	if err == nil {
		if err = os.Rename(tmp.Name(), path); err != nil {
			err = fmt.Errorf("rename to %s: %w", path, err)
		}
	}
	if err != nil {
		os.Remove(tmp.Name())
		return Info{}, err
	}
	return info, nil
}

// Build writes to w a file header followed by the chunks of sources, in
// order, then rewrites the header with the final counts.
func Build(w io.WriteSeeker, sources []string, opts Options) (Info, error) {
	limit := opts.MaxChunks
	if limit <= 0 || limit > maxChunks {
		limit = maxChunks
	}
	var info Info
	var nextID uint64
	if _, err := w.Write(make([]byte, fileHeaderSize)); err != nil {
		return info, fmt.Errorf("write file header: %w", err)
	}
	info.Bytes = fileHeaderSize
	chunk := make([]byte, chunkSize)
	// A target no bigger than the file header still wants one chunk.
	full := func() bool {
		return info.Chunks >= limit || (opts.TargetBytes > 0 && info.Chunks > 0 && info.Bytes >= opts.TargetBytes)
	}
cycle:
	for {
		wrote := false
		for _, src := range sources {
			n, err := copyChunks(w, src, chunk, opts, limit-info.Chunks, &info, &nextID)
			if err != nil {
				return info, err
			}
			wrote = wrote || n > 0
			if full() {
				break cycle
			}
		}
		if opts.TargetBytes <= 0 || !wrote {
			break
		}
	}
	if info.Chunks == 0 {
		return info, errors.New("no usable chunks in the sources")
	}
	return info, writeHeader(w, info.Chunks, nextID)
}

// copyChunks appends the usable chunks of src, at most limit.
func copyChunks(w io.Writer, src string, chunk []byte, opts Options, limit int, info *Info, nextID *uint64) (int, error) {
	f, err := os.Open(src)
	if err != nil {
		return 0, fmt.Errorf("open source: %w", err)
	}
	defer f.Close()
	var hdr [8]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || string(hdr[:]) != "ElfFile\x00" {
		return 0, fmt.Errorf("read source %s: not an EVTX file", src)
	}
	n := 0
	for off := int64(fileHeaderSize); n < limit; off += chunkSize {
		if _, err := f.ReadAt(chunk, off); err != nil {
			if errors.Is(err, io.EOF) {
				break // a short tail is not a whole chunk
			}
			return n, fmt.Errorf("read chunk at offset 0x%x of %s: %w", off, src, err)
		}
		if !usable(chunk, opts.IncludeDamaged) {
			info.Skipped++
			continue
		}
		if _, err := w.Write(chunk); err != nil {
			return n, fmt.Errorf("write chunk %d: %w", info.Chunks, err)
		}
		le := binary.LittleEndian
		first, last := le.Uint64(chunk[8:]), le.Uint64(chunk[16:])
		if last >= first && last-first < chunkSize {
			info.Records += int64(last - first + 1)
		}
		if id := le.Uint64(chunk[32:]); id+1 > *nextID {
			*nextID = id + 1
		}
		info.Chunks++
		info.Bytes += chunkSize
		n++
	}
	return n, nil
}

// usable reports whether a chunk has the signature and (unless damaged
// chunks are wanted) passes both CRC32 checks.
func usable(c []byte, damaged bool) bool {
	if !bytes.Equal(c[:8], []byte("ElfChnk\x00")) {
		return false
	}
	if damaged {
		return true
	}
	le := binary.LittleEndian
	if le.Uint32(c[120:])&0x4 != 0 { // checksums not computed
		return true
	}
	h := crc32.Update(crc32.ChecksumIEEE(c[:120]), crc32.IEEETable, c[128:512])
	if h != le.Uint32(c[124:]) {
		return false
	}
	free := le.Uint32(c[48:])
	return free >= 512 && free <= chunkSize && crc32.ChecksumIEEE(c[512:free]) == le.Uint32(c[52:])
}

// writeHeader writes the file header for n chunks at offset 0.
func writeHeader(w io.WriteSeeker, n int, nextID uint64) error {
	h := make([]byte, fileHeaderSize)
	le := binary.LittleEndian
	copy(h, "ElfFile\x00")
	le.PutUint64(h[8:], 0)                    // first chunk
	le.PutUint64(h[16:], uint64(max(n-1, 0))) // last chunk
	le.PutUint64(h[24:], nextID)
	le.PutUint32(h[32:], 128) // header size
	le.PutUint16(h[36:], 1)   // minor version
	le.PutUint16(h[38:], 3)   // major version
	le.PutUint16(h[40:], fileHeaderSize)
	le.PutUint16(h[42:], uint16(n))
	le.PutUint32(h[120:], 0) // flags: clean
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	if _, err := w.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("seek to file header: %w", err)
	}
	if _, err := w.Write(h); err != nil {
		return fmt.Errorf("write file header: %w", err)
	}
	_, err := w.Seek(0, io.SeekEnd)
	return err
}
