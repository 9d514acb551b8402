package logfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"wsec/internal/event"
	"wsec/internal/eventxml"
	"wsec/internal/evtx"
)

// Format is a log file format.
type Format uint8

const (
	Unknown Format = iota
	EVTX
	XML
)

func (f Format) String() string {
	switch f {
	case EVTX:
		return "evtx"
	case XML:
		return "xml"
	}
	return "unknown"
}

// xmlBatch is how many XML events go to one work call.
const xmlBatch = 256

// maxProblems bounds the problems a Stats keeps verbatim; all are counted.
const maxProblems = 100

// Detect tells the format from the first bytes of a file.
func Detect(head []byte) Format {
	if bytes.HasPrefix(head, []byte("ElfFile\x00")) {
		return EVTX
	}
	b := head
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}), bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		return XML // UTF-16 with a BOM; only XML is text here
	case len(b) >= 2 && (b[0] == '<' && b[1] == 0 || b[0] == 0 && b[1] == '<'):
		return XML // UTF-16 without a BOM
	}
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) > 0 && b[0] == '<' {
		return XML
	}
	return Unknown
}

// Expand turns files and folders into a sorted list of files: folders are
// walked recursively for *.evtx and *.xml files; files named directly are
// kept whatever their name.
func Expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(path))
			if !d.IsDir() && (ext == ".evtx" || ext == ".xml") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", p, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Options configure Read. The zero value is ready to use.
type Options struct {
	// Workers decode EVTX chunks in parallel; 0 means GOMAXPROCS.
	Workers int
	// Progress, when set, is called after each batch with the bytes of the
	// file read so far and its size.
	Progress func(done, total int64)
}

// Stats is what one Read did.
type Stats struct {
	Format  Format
	Bytes   int64
	Records int            // events delivered to work
	Skipped int            // records that could not be read
	Reasons map[string]int // problems by reason, including ones that skipped nothing
	// Problems are the first problems verbatim: what, where, why.
	Problems []string
}

func (s *Stats) problem(reason, text string, skipped int) {
	if s.Reasons == nil {
		s.Reasons = map[string]int{}
	}
	s.Reasons[reason]++
	s.Skipped += skipped
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, text)
	}
}

// Read decodes the file at path and runs work on its events, batch by batch,
// then emit on each result in file order from the calling goroutine. work
// may keep the events; for EVTX it runs concurrently on different batches.
func Read[T any](ctx context.Context, path string, o Options, work func(evs []*event.Event) T, emit func(T) error) (Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return Stats{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Stats{}, fmt.Errorf("read %s: %w", path, err)
	}
	st := Stats{Format: Detect(head[:n])}
	switch st.Format {
	case EVTX:
		return readEVTX(ctx, f, o, st, work, emit)
	case XML:
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return st, fmt.Errorf("read %s: %w", path, err)
		}
		return readXML(ctx, f, o, st, work, emit)
	}
	return st, fmt.Errorf("%s is neither an EVTX file nor event XML (it starts with %q); give .evtx files or the XML of wevtutil qe /f:xml", path, printable(head[:min(n, 16)]))
}

func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '.'
		}
		return r
	}, string(b))
}

func readEVTX[T any](ctx context.Context, f *os.File, o Options, st Stats, work func([]*event.Event) T, emit func(T) error) (Stats, error) {
	type result struct {
		v     T
		probs []evtx.Problem
		n     int
	}
	fi, err := f.Stat()
	if err != nil {
		return st, fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	path := f.Name()
	ef, err := evtx.NewReader(f, fi.Size(), evtx.Options{
		Workers:  o.Workers,
		Progress: o.Progress,
		// Process reports only file header problems here, before any chunk.
		OnProblem: func(p evtx.Problem) { st.problem(p.Kind.String(), p.String(), 0) },
	})
	if err != nil {
		return st, fmt.Errorf("read %s: %w", path, err)
	}
	defer ef.Close()
	es, err := evtx.Process(ctx, ef, o.Workers,
		func(_ int, evs []*event.Event, probs []evtx.Problem) result {
			return result{v: work(evs), probs: probs, n: len(evs)}
		},
		func(r result) error {
			for _, p := range r.probs {
				st.problem(p.Kind.String(), p.String(), 0)
			}
			st.Records += r.n
			return emit(r.v)
		})
	st.Bytes = es.Bytes
	// Each record evtx skipped is also one ProblemRecordSkipped above.
	st.Skipped = es.Skipped
	if err != nil {
		return st, fmt.Errorf("read %s: %w", path, err)
	}
	return st, nil
}

func readXML[T any](ctx context.Context, f *os.File, o Options, st Stats, work func([]*event.Event) T, emit func(T) error) (Stats, error) {
	size := int64(0)
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	cr := &countingReader{r: f}
	rd := eventxml.NewReader(cr, eventxml.Options{})
	batch := make([]*event.Event, 0, xmlBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		st.Records += len(batch)
		err := emit(work(batch))
		batch = make([]*event.Event, 0, xmlBatch)
		if o.Progress != nil {
			o.Progress(cr.n, size)
		}
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		e, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var xe *eventxml.Error
			if errors.As(err, &xe) && !xe.Fatal {
				st.problem(xmlReason(err), err.Error(), 1)
				continue
			}
			st.problem(xmlReason(err), err.Error(), 0)
			if ferr := flush(); ferr != nil {
				return st, ferr
			}
			st.Bytes = cr.n
			return st, fmt.Errorf("read %s: %w", f.Name(), err)
		}
		batch = append(batch, e)
		if len(batch) == xmlBatch {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	err := flush()
	st.Bytes = cr.n
	return st, err
}

func xmlReason(err error) string {
	switch {
	case errors.Is(err, eventxml.ErrDTD):
		return "xml DTD refused"
	case errors.Is(err, eventxml.ErrLimit):
		return "xml limit exceeded"
	case errors.Is(err, eventxml.ErrSyntax):
		return "xml malformed event"
	}
	return "xml read error"
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
