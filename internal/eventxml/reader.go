package eventxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"wsec/internal/event"
)

// Reader reads rendered events from a stream of event XML. It is not safe
// for concurrent use.
type Reader struct {
	in   io.Reader // as given
	src  io.Reader // after encoding detection
	opts Options
	p    parser

	// buffer: buf[:w] holds input from stream offset base; pos is the scan
	// position. Bytes before the retention point (see retainFrom) are
	// discarded when more input is needed.
	buf  []byte
	pos  int
	w    int
	base int64
	eof  bool

	f framer

	end      int64 // stream offset just past the last event returned
	sniffed  bool
	firstBuf int   // size of the first buffer
	done     bool  // io.EOF from now on
	fatal    error // returned from now on
}

// NewReader returns a Reader of r. The input may be one <Event>, events one
// after another with or without whitespace between them, or events inside
// <Events> (wrappers may nest and repeat); it may start with a UTF-8 BOM or
// be UTF-16 with or without a BOM. See the package doc for what is accepted
// and which errors the reader recovers from.
func NewReader(r io.Reader, opts Options) *Reader {
	rd := &Reader{in: r, opts: opts.withDefaults(), firstBuf: readChunkBytes}
	rd.p.opts = rd.opts
	return rd
}

// Next returns the next event, or io.EOF after the last one. Any other
// error is an *Error: when its Fatal is false the bad element has been
// skipped and the next call continues after it; when Fatal is true every
// later call returns the same error.
func (r *Reader) Next() (*event.Event, error) {
	if r.fatal != nil {
		return nil, r.fatal
	}
	if r.done {
		return nil, io.EOF
	}
	if !r.sniffed {
		if err := r.sniff(); err != nil {
			return nil, r.fail(err)
		}
	}
	b, ordinal, off, err := r.frame()
	if err != nil {
		if err == io.EOF {
			r.done = true
			return nil, io.EOF
		}
		var e *Error
		if errors.As(err, &e) && e.Fatal {
			r.fatal = err
		}
		return nil, err
	}
	r.end = off + int64(len(b))
	ev, err := r.p.parse(b, off)
	if err != nil {
		return nil, &Error{Event: ordinal, Offset: off, Err: err}
	}
	return ev, nil
}

// Offset returns the stream offset just past the last <Event> that Next
// returned or refused as malformed (0 before the first). For UTF-8 input
// it is a file offset: a reader of the same file started there, after a
// restart, continues with the next event (an enclosing </Events> then shows
// up as one stray end tag). For UTF-16 input it counts transcoded bytes.
func (r *Reader) Offset() int64 { return r.end }

// ParseEvent parses a document holding exactly one event (surrounding
// whitespace, an XML declaration, comments, a BOM and an <Events> wrapper
// are allowed) with the default Options.
func ParseEvent(b []byte) (*event.Event, error) {
	r := NewReader(bytes.NewReader(b), Options{})
	r.firstBuf = min(len(b)+1, readChunkBytes) // +1 so the first read sees EOF
	r.p.in.off = true
	ev, err := r.Next()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: no <Event> element", ErrSyntax)
	}
	if err != nil {
		return nil, err
	}
	if _, err := r.Next(); err != io.EOF {
		if err == nil {
			return nil, fmt.Errorf("%w: more than one <Event> element", ErrSyntax)
		}
		return nil, err
	}
	return ev, nil
}

// sniff reads the first bytes and sets up decoding.
func (r *Reader) sniff() error {
	r.sniffed = true
	r.src = r.in
	r.buf = make([]byte, max(r.firstBuf, 8))
	for r.w < 4 && !r.eof {
		if err := r.read(); err != nil {
			return err
		}
	}
	enc, bom := sniffEncoding(r.buf[:r.w])
	if enc == encUTF8 {
		r.pos = bom // offsets keep counting the BOM
		return nil
	}
	head := bytes.Clone(r.buf[bom:r.w])
	var src io.Reader = r.in
	if r.eof {
		src = eofReader{}
	}
	r.src = newUTF16Reader(io.MultiReader(bytes.NewReader(head), src), enc == encUTF16BE)
	r.w, r.pos, r.eof = 0, 0, false
	return nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// read reads once from the source into buf[w:], which must have room.
func (r *Reader) read() error {
	for range 100 {
		n, err := r.src.Read(r.buf[r.w:])
		r.w += n
		if err == io.EOF {
			r.eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("read input at offset %d: %w", r.base+int64(r.w), err)
		}
		if n > 0 {
			return nil
		}
	}
	return fmt.Errorf("read input at offset %d: %w", r.base+int64(r.w), io.ErrNoProgress)
}

// fail makes err fatal.
func (r *Reader) fail(err error) error {
	r.fatal = &Error{Offset: r.base + int64(r.w), Fatal: true, Err: err}
	return r.fatal
}
