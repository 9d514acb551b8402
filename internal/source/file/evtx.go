package file

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync/atomic"
	"time"

	"wsec/internal/evtx"
	"wsec/internal/source"
)

// evtxStream reads one EVTX file; positions are the file's record numbers
// (see doc.go).
type evtxStream struct {
	path, name string
	o          Options

	// Counters over the stream's life (reads and re-reads).
	problems   atomic.Uint64 // damage evtx reported
	outOfOrder atomic.Uint64 // records skipped because their record number was not above the last one
}

func (s *evtxStream) Name() string { return s.name }

// emitError marks an error returned by the caller's emit, so it is handed
// back unchanged and never mistaken for a read problem.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }

func (s *evtxStream) Read(ctx context.Context, after uint64, emit func(source.Batch) error) error {
	for {
		stamp, _ := stampOf(s.path)
		last, err := s.readOnce(ctx, after, emit)
		after = max(after, last)
		var ee *emitError
		switch {
		case errors.As(err, &ee):
			return ee.err
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !s.o.Follow:
			return err
		case err != nil:
			s.o.Logger.Warn("read followed evtx file", "path", s.path, "err", err)
		}
		if !s.o.Follow {
			return nil
		}
		if err := s.waitChange(ctx, stamp); err != nil {
			return err
		}
	}
}

// fileStamp is what tells a followed file changed.
type fileStamp struct {
	size  int64
	mtime time.Time
	ok    bool
}

func stampOf(path string) (fileStamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{size: st.Size(), mtime: st.ModTime(), ok: true}, nil
}

func (s *evtxStream) waitChange(ctx context.Context, seen fileStamp) error {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		now, err := stampOf(s.path)
		if err == nil && now != seen {
			return nil
		}
	}
}

// readOnce delivers the file's events with record numbers > after in
// record number order and returns the last one delivered (or after).
func (s *evtxStream) readOnce(ctx context.Context, after uint64, emit func(source.Batch) error) (uint64, error) {
	p0, o0 := s.problems.Load(), s.outOfOrder.Load()
	defer func() { s.o.warnDamage(s.path, [2]uint64{p0, s.problems.Load()}, [2]uint64{o0, s.outOfOrder.Load()}) }()
	f, err := evtx.Open(s.path, evtx.Options{Workers: s.o.Workers, OnProblem: func(evtx.Problem) { s.problems.Add(1) }})
	if err != nil {
		return after, err
	}
	defer f.Close()
	firsts, err := chunkFirstIDs(s.path)
	if err != nil {
		return after, err
	}
	last := after
	for _, r := range passes(firsts, after) {
		_, err := evtx.ProcessChunks(ctx, f, s.o.Workers,
			func(c evtx.Chunk) source.Batch {
				s.problems.Add(uint64(len(c.Problems)))
				b := source.Batch{Events: c.Events[:0], Pos: make([]uint64, 0, len(c.Events))}
				for i, e := range c.Events {
					if id := c.RecordIDs[i]; id >= r.lo && id <= r.hi {
						b.Events = append(b.Events, e)
						b.Pos = append(b.Pos, id)
					}
				}
				return b
			},
			func(in source.Batch) error {
				b := source.Batch{Events: in.Events[:0], Pos: in.Pos[:0]}
				for i, e := range in.Events {
					if in.Pos[i] <= last {
						s.outOfOrder.Add(1)
						continue
					}
					b.Events = append(b.Events, e)
					b.Pos = append(b.Pos, in.Pos[i])
					last = in.Pos[i]
				}
				if len(b.Events) == 0 {
					return nil
				}
				b.Through = last
				if err := emit(b); err != nil {
					return &emitError{err}
				}
				return nil
			})
		if err != nil {
			return last, err
		}
	}
	return last, nil
}

// idRange is an inclusive range of record IDs read in one pass.
type idRange struct{ lo, hi uint64 }

// passes orders the reading of a file whose chunks start with the record
// IDs firsts (file order, 0 for an unused or damaged chunk). A circular
// log that wrapped holds its newest records at the start of the file: the
// chunks from the first descent on are older than chunk 0, so they are
// read first (IDs below chunk 0's first ID), then the rest.
func passes(firsts []uint64, after uint64) []idRange {
	var valid []uint64
	for _, f := range firsts {
		if f != 0 {
			valid = append(valid, f)
		}
	}
	wrapped := false
	for i := 1; i < len(valid); i++ {
		if valid[i] < valid[i-1] {
			wrapped = true
			break
		}
	}
	if !wrapped {
		return []idRange{{after + 1, math.MaxUint64}}
	}
	t := valid[0]
	var out []idRange
	if after+1 < t {
		out = append(out, idRange{after + 1, t - 1})
	}
	return append(out, idRange{max(after+1, t), math.MaxUint64})
}

var chunkMagic = []byte("ElfChnk\x00")

// chunkFirstIDs reads the first record ID of every chunk header (0 where a
// block has no chunk signature).
func chunkFirstIDs(path string) ([]uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	var out []uint64
	h := make([]byte, 32)
	for i := 0; i < maxChunkScan; i++ {
		off := int64(evtx.FileHeaderSize) + int64(i)*evtx.ChunkSize
		n, err := f.ReadAt(h, off)
		if n < len(h) {
			if err == nil || errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("read chunk header %d of %s at offset 0x%x: %w", i, path, off, err)
		}
		var first uint64
		if bytes.Equal(h[:8], chunkMagic) {
			first = binary.LittleEndian.Uint64(h[24:])
		}
		out = append(out, first)
	}
	return out, nil
}
