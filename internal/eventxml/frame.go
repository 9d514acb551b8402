package eventxml

import (
	"bytes"
	"fmt"
	"io"
)

// scanMode says what the framer is in the middle of.
type scanMode uint8

const (
	modeText     scanMode = iota // character data
	modeLT                       // just after '<' at tagStart, kind not known yet
	modeStartTag                 // inside a start tag, looking for '>'
	modeEndTag                   // inside an end tag
	modeComment                  // inside <!-- -->
	modeCDATA                    // inside <![CDATA[ ]]>
	modePI                       // inside <? ?>
)

// framer is the Reader's state for cutting the stream into top-level
// elements. It only tracks tag boundaries and depth, never names beyond the
// top level, so it is cheap, and it can resume at any byte when more input
// arrives: memory stays bounded by MaxEventBytes whatever the input.
type framer struct {
	mode       scanMode
	quote      byte // open attribute quote in modeStartTag, or 0
	tagStart   int  // index in buf of the current markup's '<'
	tagLost    bool // the current top-level tag outgrew MaxEventBytes and was dropped
	broken     bool // the current start tag was ended by '<' instead of '>'
	depth      int  // open elements inside the current top-level element
	keep       bool // the current top-level element is an <Event> being buffered
	elemStart  int  // index in buf of that <Event>'s '<'
	containers int  // open <Events> wrappers
	junk       bool // the current run of stray top-level text was reported
	ordinal    int64
}

// frame scans to the end of the next <Event> and returns its bytes (valid
// until the next call), its ordinal and stream offset. Problems come back as
// *Error; io.EOF at a clean end.
func (r *Reader) frame() ([]byte, int64, int64, error) {
	f := &r.f
	for {
		if err := r.tooBig(); err != nil {
			return nil, 0, 0, err
		}
		switch f.mode {
		case modeText:
			seg := r.buf[r.pos:r.w]
			i := bytes.IndexByte(seg, '<')
			if i >= 0 {
				seg = seg[:i]
			}
			if f.depth == 0 && !f.junk {
				if j := bytes.IndexFunc(seg, func(c rune) bool { return !isSpace(byte(c)) || c >= 0x80 }); j >= 0 {
					f.junk = true
					off := r.base + int64(r.pos+j)
					return nil, 0, 0, &Error{Offset: off, Err: fmt.Errorf("%w: text %q outside <Event>", ErrSyntax, clip(seg[j:], 32))}
				}
			}
			if i < 0 {
				r.pos = r.w
				if err := r.more(); err != nil {
					return nil, 0, 0, err
				}
				continue
			}
			r.pos += i
			f.tagStart = r.pos
			f.mode = modeLT
		case modeLT:
			rest := r.buf[f.tagStart:r.w]
			if len(rest) < 2 {
				if err := r.more(); err != nil {
					return nil, 0, 0, err
				}
				continue
			}
			switch rest[1] {
			case '/':
				f.mode, r.pos = modeEndTag, f.tagStart+2
			case '?':
				f.mode, r.pos = modePI, f.tagStart+2
			case '!':
				switch {
				case bytes.HasPrefix(rest, []byte("<!--")):
					f.mode, r.pos = modeComment, f.tagStart+4
				case bytes.HasPrefix(rest, []byte("<![CDATA[")):
					f.mode, r.pos = modeCDATA, f.tagStart+9
					if f.depth == 0 {
						off := r.base + int64(f.tagStart)
						return nil, 0, 0, &Error{Offset: off, Err: fmt.Errorf("%w: CDATA section outside <Event>", ErrSyntax)}
					}
				case bytes.HasPrefix([]byte("<!--"), rest) || bytes.HasPrefix([]byte("<![CDATA["), rest):
					if err := r.more(); err != nil {
						return nil, 0, 0, err
					}
				default:
					off := r.base + int64(f.tagStart)
					err := &Error{Offset: off, Fatal: true, Err: declError(rest)}
					if f.keep {
						err.Event, err.Offset = f.ordinal, r.base+int64(f.elemStart)
						err.Err = fmt.Errorf("%w at offset %d", err.Err, off)
					}
					r.fatal = err
					return nil, 0, 0, err
				}
			default:
				f.mode, r.pos, f.quote = modeStartTag, f.tagStart+1, 0
			}
		case modeStartTag:
			if !r.scanTag() {
				if err := r.more(); err != nil {
					return nil, 0, 0, err
				}
				continue
			}
			f.mode = modeText
			if err := r.tooBig(); err != nil {
				r.startTag() // only depth bookkeeping now that the event is skipped
				return nil, 0, 0, err
			}
			if b, ord, off, err := r.startTag(); b != nil || err != nil {
				return b, ord, off, err
			}
		case modeEndTag:
			seg := r.buf[r.pos:r.w]
			i := bytes.IndexByte(seg, '>')
			if i < 0 {
				i = len(seg)
			}
			if k := bytes.IndexByte(seg[:i], '<'); k >= 0 {
				r.pos += k // broken end tag, see scanTag
			} else if i == len(seg) {
				r.pos = r.w
				if err := r.more(); err != nil {
					return nil, 0, 0, err
				}
				continue
			} else {
				r.pos += i + 1
			}
			f.mode = modeText
			if err := r.tooBig(); err != nil {
				r.endTag() // only depth bookkeeping now that the event is skipped
				return nil, 0, 0, err
			}
			if b, ord, off, err := r.endTag(); b != nil || err != nil {
				return b, ord, off, err
			}
		case modeComment, modeCDATA, modePI:
			end := [...]string{modeComment: "-->", modeCDATA: "]]>", modePI: "?>"}[f.mode]
			i := bytes.Index(r.buf[r.pos:r.w], []byte(end))
			if i < 0 {
				r.pos = max(r.pos, r.w-len(end)+1)
				if err := r.more(); err != nil {
					return nil, 0, 0, err
				}
				continue
			}
			r.pos += i + len(end)
			f.mode = modeText
		}
	}
}

// scanTag advances through a start tag to just past its '>', honouring
// quoted attribute values; it returns false when it needs more input. A '<'
// cannot occur in a well-formed tag, not even in a quoted value, so it ends
// a broken one (cut off by truncation) where it stands: the parser reports
// the damage, and the framer sees the markup that follows, such as the
// next <Event>.
func (r *Reader) scanTag() bool {
	f := &r.f
	for r.pos < r.w {
		if f.quote != 0 {
			seg := r.buf[r.pos:r.w]
			j := bytes.IndexByte(seg, f.quote)
			if j < 0 {
				j = len(seg)
			}
			if k := bytes.IndexByte(seg[:j], '<'); k >= 0 {
				r.pos += k
				f.quote, f.broken = 0, true
				return true
			}
			if j == len(seg) {
				r.pos = r.w
				return false
			}
			r.pos += j + 1
			f.quote = 0
			continue
		}
		switch r.buf[r.pos] {
		case '"', '\'':
			f.quote = r.buf[r.pos]
		case '>':
			r.pos++
			return true
		case '<':
			f.broken = true
			return true
		}
		r.pos++
	}
	return false
}

// startTag handles the start tag that ends at r.pos.
func (r *Reader) startTag() ([]byte, int64, int64, error) {
	f := &r.f
	// A broken tag (see scanTag) is taken not to open an element, so that
	// the elements after it still balance.
	selfClose := f.broken || (r.pos-2 > f.tagStart && r.buf[r.pos-2] == '/')
	f.broken = false
	off := r.base + int64(f.tagStart)
	if f.depth > 0 {
		if f.keep && isEventTag(r.buf[f.tagStart:r.pos]) {
			// An <Event> inside an <Event>: the one before was cut off (a
			// truncated file followed by more events). Report it and
			// start over at the new one.
			err := &Error{Event: f.ordinal, Offset: r.base + int64(f.elemStart),
				Err: syntaxErrorf(off, "unterminated <Event>: a new <Event> starts")}
			f.ordinal++
			f.elemStart = f.tagStart
			f.depth = 1
			if selfClose {
				f.depth, f.keep = 0, false
			}
			return nil, 0, 0, err
		}
		if selfClose {
			return nil, 0, 0, nil
		}
		f.depth++
		if f.keep && f.containers+f.depth > r.opts.MaxDepth {
			f.keep = false
			return nil, 0, 0, &Error{Event: f.ordinal, Offset: r.base + int64(f.elemStart),
				Err: &LimitError{Limit: "MaxDepth", Max: r.opts.MaxDepth, What: "element nesting", Offset: off}}
		}
		return nil, 0, 0, nil
	}
	f.junk = false
	if f.tagLost {
		f.tagLost = false
		if !selfClose {
			f.depth = 1
		}
		return nil, 0, 0, nil
	}
	if r.pos-f.tagStart > r.opts.MaxEventBytes {
		// The same refusal more() makes when the tag does not fit.
		f.ordinal++
		if !selfClose {
			f.depth = 1
		}
		return nil, 0, 0, &Error{Event: f.ordinal, Offset: off,
			Err: &LimitError{Limit: "MaxEventBytes", Max: r.opts.MaxEventBytes, What: "tag", Offset: off}}
	}
	name := tagName(r.buf[f.tagStart+1 : r.pos])
	switch string(localName(name)) {
	case "Events":
		if selfClose {
			return nil, 0, 0, nil
		}
		if f.containers+1 >= r.opts.MaxDepth {
			f.depth = 1 // skip it whole
			return nil, 0, 0, &Error{Offset: off,
				Err: &LimitError{Limit: "MaxDepth", Max: r.opts.MaxDepth, What: "<Events> nesting", Offset: off}}
		}
		f.containers++
		return nil, 0, 0, nil
	case "Event":
		f.ordinal++
		f.elemStart = f.tagStart
		if selfClose {
			return r.buf[f.elemStart:r.pos], f.ordinal, off, nil
		}
		f.depth, f.keep = 1, true
		return nil, 0, 0, nil
	}
	f.ordinal++
	if !selfClose {
		f.depth = 1
	}
	return nil, 0, 0, &Error{Event: f.ordinal, Offset: off,
		Err: fmt.Errorf("%w: unexpected element <%s>, want <Event> or <Events>", ErrSyntax, clip(name, 64))}
}

// endTag handles the end tag that ends at r.pos.
func (r *Reader) endTag() ([]byte, int64, int64, error) {
	f := &r.f
	if f.depth > 0 {
		f.depth--
		if f.depth > 0 {
			return nil, 0, 0, nil
		}
		if !f.keep {
			return nil, 0, 0, nil // end of a skipped element
		}
		f.keep = false
		return r.buf[f.elemStart:r.pos], f.ordinal, r.base + int64(f.elemStart), nil
	}
	f.junk = false
	if f.tagLost {
		f.tagLost = false
		return nil, 0, 0, nil
	}
	off := r.base + int64(f.tagStart)
	if r.pos-f.tagStart > r.opts.MaxEventBytes {
		return nil, 0, 0, &Error{Offset: off,
			Err: &LimitError{Limit: "MaxEventBytes", Max: r.opts.MaxEventBytes, What: "tag", Offset: off}}
	}
	name := tagName(r.buf[f.tagStart+2 : r.pos])
	if string(localName(name)) == "Events" && f.containers > 0 {
		f.containers--
		return nil, 0, 0, nil
	}
	return nil, 0, 0, &Error{Offset: off, Err: fmt.Errorf("%w: unexpected end tag </%s>", ErrSyntax, clip(name, 64))}
}

// tagName returns the name at the start of a tag's bytes (after "<" or "</").
func tagName(b []byte) []byte {
	for i, c := range b {
		if isSpace(c) || c == '>' || c == '/' {
			return b[:i]
		}
	}
	return b
}

// isEventTag reports whether a start tag's bytes ("<Event ...>") open an
// <Event> element (unprefixed, as every producer writes it).
func isEventTag(tag []byte) bool {
	return len(tag) > 6 && string(tag[1:6]) == "Event" && (isSpace(tag[6]) || tag[6] == '>' || tag[6] == '/')
}

// tooBig refuses the <Event> being buffered once the scan position has
// passed MaxEventBytes from its start. The checks sit at scan points that do
// not depend on where reads end (between tokens, and in more() where the
// scan stopped inside a token that nothing else can fail in), so a stream
// reads the same however its reads are cut.
func (r *Reader) tooBig() error {
	f := &r.f
	if !f.keep || r.pos-f.elemStart <= r.opts.MaxEventBytes {
		return nil
	}
	f.keep = false
	off := r.base + int64(f.elemStart)
	return &Error{Event: f.ordinal, Offset: off,
		Err: &LimitError{Limit: "MaxEventBytes", Max: r.opts.MaxEventBytes, What: "<Event>", Offset: off}}
}

// retainFrom is the first buffered byte that must survive a refill.
func (r *Reader) retainFrom() int {
	f := &r.f
	if f.keep {
		return f.elemStart
	}
	switch f.mode {
	case modeLT:
		return f.tagStart
	case modeStartTag:
		if f.depth == 0 && !f.tagLost {
			return f.tagStart
		}
		return max(f.tagStart, r.pos-1) // for the self-closing '/'
	case modeEndTag:
		if f.depth == 0 && !f.tagLost {
			return f.tagStart
		}
	}
	return r.pos
}

// more discards what is no longer needed and reads more input. At the end of
// the input it returns io.EOF, or an *Error when the input ends inside
// something. A buffered element outgrowing MaxEventBytes is refused here.
func (r *Reader) more() error {
	f := &r.f
	if r.eof {
		return r.atEOF()
	}
	if err := r.tooBig(); err != nil {
		return err
	}
	keep := r.retainFrom()
	if !f.keep && r.w-keep > r.opts.MaxEventBytes {
		// A top-level tag too big to hold: drop it, skip what it opens.
		// (startTag and endTag refuse the same tags when they fit.)
		off := r.base + int64(keep)
		f.tagLost = true
		var ord int64
		if f.mode == modeStartTag {
			f.ordinal++
			ord = f.ordinal
		}
		return &Error{Event: ord, Offset: off,
			Err: &LimitError{Limit: "MaxEventBytes", Max: r.opts.MaxEventBytes, What: "tag", Offset: off}}
	}
	if keep > 0 {
		n := copy(r.buf, r.buf[keep:r.w])
		r.w = n
		r.pos -= keep
		f.tagStart -= keep
		f.elemStart -= keep
		r.base += int64(keep)
	}
	if r.w == len(r.buf) {
		size := min(2*len(r.buf), r.opts.MaxEventBytes+readChunkBytes)
		nb := make([]byte, size)
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	if err := r.read(); err != nil {
		return r.fail(err)
	}
	return nil
}

// atEOF reports how the input ended.
func (r *Reader) atEOF() error {
	f := &r.f
	r.done = true
	off := r.base + int64(r.w)
	switch {
	case f.keep:
		return &Error{Event: f.ordinal, Offset: r.base + int64(f.elemStart),
			Err: fmt.Errorf("%w: input ends inside <Event>: %w", ErrSyntax, io.ErrUnexpectedEOF)}
	case f.depth > 0:
		return io.EOF // the rest of an element already reported
	case f.mode != modeText:
		return &Error{Offset: r.base + int64(f.tagStart),
			Err: fmt.Errorf("%w: input ends inside markup at offset %d: %w", ErrSyntax, off, io.ErrUnexpectedEOF)}
	}
	return io.EOF
}
