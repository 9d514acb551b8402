package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"wsec/internal/event"
	"wsec/internal/eventxml"
	"wsec/internal/source"
)

// xmlStream reads an event XML file; positions are ordinals.
type xmlStream struct {
	path, name string
	o          Options
	problems   atomic.Uint64 // elements skipped as malformed or over a limit
}

func (s *xmlStream) Name() string { return s.name }

func (s *xmlStream) Read(ctx context.Context, after uint64, emit func(source.Batch) error) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	defer f.Close()
	p0 := s.problems.Load()
	err = readXML(ctx, f, after, 0, s.o.BatchSize, &s.problems, emit)
	s.o.warnDamage(s.path, [2]uint64{p0, s.problems.Load()}, [2]uint64{})
	if err != nil && !errors.Is(err, ctx.Err()) {
		var ee *emitError
		if errors.As(err, &ee) {
			return ee.err
		}
		return fmt.Errorf("read %s: %w", s.path, err)
	}
	return err
}

// stdinStream reads event XML from standard input, once.
type stdinStream struct {
	r        io.Reader
	o        Options
	read     atomic.Bool
	problems atomic.Uint64
}

// StdinName is the stream name of standard input.
const StdinName = "xml:-"

func (s *stdinStream) Name() string { return StdinName }

// Once implements source.Once.
func (s *stdinStream) Once() {}

// Read reads standard input to its end. Positions start above both after
// and the clock in nanoseconds (see the package doc); after skips nothing.
// A second Read returns at once: the input was consumed.
func (s *stdinStream) Read(ctx context.Context, after uint64, emit func(source.Batch) error) error {
	if s.read.Swap(true) {
		return nil
	}
	base := max(after, uint64(max(s.o.Now().UnixNano(), 0)))
	err := readXML(ctx, s.r, 0, base, s.o.BatchSize, &s.problems, emit)
	s.o.warnDamage(StdinName, [2]uint64{0, s.problems.Load()}, [2]uint64{})
	var ee *emitError
	if errors.As(err, &ee) {
		return ee.err
	}
	if err != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("read standard input: %w", err)
	}
	return err
}

// readXML emits the events of r whose ordinal is > skip, at positions
// base+ordinal. Recoverable reader errors take an ordinal and are counted.
func readXML(ctx context.Context, r io.Reader, skip, base uint64, batchSize int, problems *atomic.Uint64, emit func(source.Batch) error) error {
	rd := eventxml.NewReader(r, eventxml.Options{})
	b := source.Batch{Events: make([]*event.Event, 0, batchSize), Pos: make([]uint64, 0, batchSize)}
	var ord uint64
	emitted := base + skip // positions up to here were handed out (or skipped)
	flush := func() error {
		if b.Through <= emitted {
			return nil
		}
		if err := emit(b); err != nil {
			return &emitError{err}
		}
		emitted = b.Through
		b.Events, b.Pos = b.Events[:0], b.Pos[:0]
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := rd.Next()
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			var xe *eventxml.Error
			if !errors.As(err, &xe) || xe.Fatal {
				if ferr := flush(); ferr != nil {
					return ferr
				}
				return err
			}
			ord++
			problems.Add(1)
			if ord > skip {
				b.Through = base + ord
			}
			continue
		}
		ord++
		if ord <= skip {
			continue
		}
		b.Events = append(b.Events, e)
		b.Pos = append(b.Pos, base+ord)
		b.Through = base + ord
		if len(b.Events) == batchSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
