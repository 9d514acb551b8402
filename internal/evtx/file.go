package evtx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"

	"wsec/internal/event"
)

// Options configure a File. The zero value is ready to use.
type Options struct {
	// Workers is how many goroutines decode chunks in parallel.
	// 0 means GOMAXPROCS; 1 decodes in the calling goroutine.
	Workers int
	// Logger receives debug messages about damaged structures (problems are
	// also returned to the caller). nil means no logging.
	Logger *slog.Logger
	// Progress, when set, is called from the goroutine that emits results,
	// after each chunk is emitted, with the bytes of the file examined so
	// far and the file size.
	Progress func(done, total int64)
	// OnProblem, when set, receives every problem in file order (file
	// header first). Events calls it; Process passes chunk problems to the
	// work function instead and only reports header problems here.
	OnProblem func(Problem)
	// Recover makes the reader look past a record whose framing is broken
	// (bad signature or size) for the next well-framed record of the same
	// chunk whose id continues the chunk's sequence, instead of giving up
	// on the rest of the chunk. It finds records that the chunk header
	// still accounts for (as libevtx's "evtxexport -m all" does) and never
	// stale records of an older use of the chunk. Off by default, which
	// matches what Windows, libevtx and the Rust evtx crate deliver.
	Recover bool
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// File is an open EVTX file. Its methods may be called from several
// goroutines; each read walks the file independently.
type File struct {
	r       io.ReaderAt
	size    int64
	closer  io.Closer
	opts    Options
	log     *slog.Logger
	header  Header
	hdrProb []Problem
}

// Open opens the EVTX file at path. It fails when the file cannot be read
// or lacks the EVTX signature; any other damage is reported as problems
// while reading.
func Open(path string, opts Options) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open evtx: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	f, err := NewReader(fh, st.Size(), opts)
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	f.closer = fh
	return f, nil
}

// NewReader reads an EVTX file of size bytes from r. The caller keeps r
// open while the File is used.
func NewReader(r io.ReaderAt, size int64, opts Options) (*File, error) {
	var buf [128]byte
	n, err := r.ReadAt(buf[:], 0)
	if n < 128 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read file header: %w", ErrNotEVTX)
		}
		return nil, fmt.Errorf("read file header: %w", err)
	}
	h, probs, err := parseHeader(buf[:])
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &File{r: r, size: size, opts: opts, log: log, header: h, hdrProb: probs}, nil
}

// Close closes the file opened by Open; it is a no-op for NewReader.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// Header returns the file header.
func (f *File) Header() Header { return f.header }

// Size is the file size in bytes.
func (f *File) Size() int64 { return f.size }

// NumChunks is the number of chunk positions in the file: every full 64 KiB
// block after the header, plus a trailing partial one holding at least a
// chunk header. The header's own chunk count is not trusted (dirty logs
// have chunks past it).
func (f *File) NumChunks() int {
	if f.size <= FileHeaderSize {
		return 0
	}
	body := f.size - FileHeaderSize
	n := body / ChunkSize
	if body%ChunkSize >= chunkHeaderSize {
		n++
	}
	return int(n)
}

// readChunk reads chunk i into buf (ChunkSize bytes), zero-padding a short
// final chunk, and returns how many bytes came from the file.
func (f *File) readChunk(i int, buf []byte) (int, error) {
	off := int64(FileHeaderSize) + int64(i)*ChunkSize
	n, err := f.r.ReadAt(buf, off)
	if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		return n, fmt.Errorf("read chunk %d at offset 0x%x: %w", i, off, err)
	}
	clear(buf[n:])
	return n, nil
}

// Events calls fn for every event in file order from the calling
// goroutine; chunks are decoded by Options.Workers goroutines ahead of it.
// Problems go to Options.OnProblem. It stops at the first error fn returns
// (and returns it) or when ctx is done.
func (f *File) Events(ctx context.Context, fn func(*event.Event) error) (Stats, error) {
	type batch struct {
		evs   []*event.Event
		probs []Problem
	}
	return Process(ctx, f, f.opts.Workers,
		func(_ int, evs []*event.Event, probs []Problem) batch { return batch{evs, probs} },
		func(b batch) error {
			if f.opts.OnProblem != nil {
				for _, p := range b.probs {
					f.opts.OnProblem(p)
				}
			}
			for _, ev := range b.evs {
				if err := fn(ev); err != nil {
					return err
				}
			}
			return nil
		})
}
