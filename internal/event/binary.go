package event

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"
)

// Record versions, the first byte of every binary record (FORMAT.md). A
// record is version 1 unless its TimeCreated needs version 2, so decoders
// that know version 1 only read every other record as before.
const (
	binaryVersion     = 1
	binaryVersionWide = 2 // TimeCreated as seconds and nanoseconds
)

// Limits a decoder enforces on untrusted input, so that a hostile record
// cannot make it allocate more than its own size suggests.
const (
	maxBinaryFields   = 1 << 16
	maxBinaryKeywords = 1 << 10
)

const (
	flagQualifiers = 1 << iota
	flagRendering
)

// ErrTruncated is returned when a binary record ends before its fields do.
var ErrTruncated = errors.New("event record truncated")

// AppendBinary appends the binary form of e (FORMAT.md) to dst.
func (e *Event) AppendBinary(dst []byte) []byte {
	s := &e.System
	var flags byte
	if s.HasQualifiers {
		flags |= flagQualifiers
	}
	if e.Rendering != nil {
		flags |= flagRendering
	}
	version := byte(binaryVersion)
	wide := !UnixNanoFits(s.TimeCreated) && !s.TimeCreated.IsZero()
	if wide {
		version = binaryVersionWide
	}
	dst = append(dst, version, flags, byte(e.Section))
	dst = binary.AppendUvarint(dst, uint64(s.EventID))
	dst = binary.AppendUvarint(dst, uint64(s.Qualifiers))
	dst = append(dst, s.Version, s.Level, s.Opcode)
	dst = binary.AppendUvarint(dst, uint64(s.Task))
	dst = binary.AppendUvarint(dst, s.Keywords)
	if wide {
		dst = binary.AppendVarint(dst, s.TimeCreated.Unix())
		dst = binary.AppendUvarint(dst, uint64(s.TimeCreated.Nanosecond()))
	} else {
		dst = binary.AppendVarint(dst, timeToNanos(s.TimeCreated))
	}
	dst = binary.AppendUvarint(dst, s.EventRecordID)
	dst = binary.AppendUvarint(dst, uint64(s.ProcessID))
	dst = binary.AppendUvarint(dst, uint64(s.ThreadID))
	for _, str := range [...]string{s.Provider, s.ProviderGUID, s.EventSource, s.ActivityID,
		s.RelatedActivityID, s.Channel, s.Computer, s.UserID, e.UserDataName, e.UserDataNS, e.Binary} {
		dst = appendBinString(dst, str)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Data)))
	for _, f := range e.Data {
		dst = appendBinString(dst, f.Name)
		dst = appendBinString(dst, f.Value)
	}
	if r := e.Rendering; r != nil {
		for _, str := range [...]string{r.Culture, r.Message, r.Level, r.Task, r.Opcode, r.Channel, r.Provider} {
			dst = appendBinString(dst, str)
		}
		dst = binary.AppendUvarint(dst, uint64(len(r.Keywords)))
		for _, k := range r.Keywords {
			dst = appendBinString(dst, k)
		}
	}
	return dst
}

// UnixNanoFits reports whether t.UnixNano() holds t: int64 nanoseconds
// span 1677-09-21 to 2262-04-11 and wrap outside (to be safe, the seconds
// at either end count as outside too).
func UnixNanoFits(t time.Time) bool {
	sec := t.Unix()
	return sec > math.MinInt64/1_000_000_000 && sec < math.MaxInt64/1_000_000_000
}

// timeToNanos keeps the zero time distinct from the Unix epoch. t must fit
// (UnixNanoFits) or be zero.
func timeToNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano() + 1
}

func nanosToTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n-1).UTC()
}

func appendBinString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// DecodeBinary decodes one binary record from the start of src and returns
// the event and the number of bytes it used.
func DecodeBinary(src []byte) (*Event, int, error) {
	d := binDecoder{s: string(src)}
	e := new(Event)
	if err := d.event(e); err != nil {
		return nil, 0, err
	}
	return e, d.off, nil
}

// Batch framing: a batch is a sequence of records, each uvarint(len) followed
// by len bytes of one binary record.

// AppendFramed appends e as one framed record of a batch.
func (e *Event) AppendFramed(dst []byte) []byte {
	// Most records are 128 to 16383 bytes, whose length takes two varint
	// bytes: reserve those and write the record after them, so only a
	// record of another size is moved to fit its length.
	const reserved = 2
	start := len(dst)
	dst = append(dst, 0, 0)
	dst = e.AppendBinary(dst)
	n := len(dst) - start - reserved
	var hdr [binary.MaxVarintLen64]byte
	h := binary.PutUvarint(hdr[:], uint64(n))
	switch {
	case h < reserved:
		copy(dst[start+h:], dst[start+reserved:])
		dst = dst[:start+h+n]
	case h > reserved:
		dst = append(dst, hdr[:h-reserved]...)
		copy(dst[start+h:], dst[start+reserved:start+reserved+n])
	}
	copy(dst[start:], hdr[:h])
	return dst
}

// BatchDecoder reads the framed records of a batch. Its events' strings
// are substrings of one copy of the batch (NewBatchDecoder) or of the batch
// itself (NewBatchDecoderOwned), and its events and their fields are cut
// from slabs of a few hundred events: a batch of 10,000 events costs a few
// dozen allocations instead of two per event (BenchmarkDecodeBatch). So an
// event kept alive keeps its slab, and the batch's text, alive too.
type BatchDecoder struct {
	s      string
	off    int
	n      int
	events []Event // the slab the next events are cut from
	fields []Field // the slab the next events' fields are cut from
}

// Slab sizes: about 64 KiB of events and 128 KiB of fields at a time; an
// event with more fields than a fields slab gets its own.
const (
	slabEvents = 256
	slabFields = 4096
)

// NewBatchDecoder returns a decoder over a copy of batch.
func NewBatchDecoder(batch []byte) *BatchDecoder { return &BatchDecoder{s: string(batch)} }

// NewBatchDecoderOwned returns a decoder over batch itself, without the
// copy: the caller gives batch up and must never modify it again (the
// events' strings point into it). For a buffer just decompressed, whose
// copy would be a fifth of decoding it.
func NewBatchDecoderOwned(batch []byte) *BatchDecoder {
	return &BatchDecoder{s: unsafe.String(unsafe.SliceData(batch), len(batch))}
}

// More reports whether records remain.
func (b *BatchDecoder) More() bool { return b.off < len(b.s) }

// Next decodes the next record. After an error the rest of the batch cannot
// be framed, so callers stop.
func (b *BatchDecoder) Next() (*Event, error) {
	d := binDecoder{s: b.s, off: b.off}
	size, err := d.uvarint()
	if err != nil {
		return nil, fmt.Errorf("record %d at offset %d: frame length: %w", b.n, b.off, err)
	}
	if size > uint64(len(b.s)-d.off) {
		return nil, fmt.Errorf("record %d at offset %d: frame of %d bytes exceeds the %d left: %w",
			b.n, b.off, size, len(b.s)-d.off, ErrTruncated)
	}
	end := d.off + int(size)
	rd := binDecoder{s: b.s[:end], off: d.off, fields: &b.fields}
	if len(b.events) == 0 {
		b.events = make([]Event, slabEvents)
	}
	e := &b.events[0]
	b.events = b.events[1:]
	if err := rd.event(e); err != nil {
		return nil, fmt.Errorf("record %d at offset %d: %w", b.n, b.off, err)
	}
	if rd.off != end {
		return nil, fmt.Errorf("record %d at offset %d: %d trailing bytes inside the frame", b.n, b.off, end-rd.off)
	}
	b.off = end
	b.n++
	return e, nil
}

type binDecoder struct {
	s   string
	off int
	// fields, when set, is a slab Data is cut from (BatchDecoder).
	fields *[]Field
}

// makeFields returns n fields for one event's Data, from the slab when
// there is one. Data's capacity ends at its length, so an append to it
// reallocates instead of overwriting the next event's fields.
func (d *binDecoder) makeFields(n int) []Field {
	if d.fields == nil || n > slabFields {
		return make([]Field, n)
	}
	if len(*d.fields) < n {
		*d.fields = make([]Field, slabFields)
	}
	f := (*d.fields)[:n:n]
	*d.fields = (*d.fields)[n:]
	return f
}

func (d *binDecoder) byte() (byte, error) {
	if d.off >= len(d.s) {
		return 0, ErrTruncated
	}
	c := d.s[d.off]
	d.off++
	return c, nil
}

func (d *binDecoder) uvarint() (uint64, error) {
	var x uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.off >= len(d.s) {
			return 0, ErrTruncated
		}
		c := d.s[d.off]
		d.off++
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, errors.New("varint overflows 64 bits")
			}
			return x | uint64(c)<<shift, nil
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, errors.New("varint overflows 64 bits")
}

func (d *binDecoder) uvarintMax(what string, max uint64) (uint64, error) {
	v, err := d.uvarint()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if v > max {
		return 0, fmt.Errorf("%s: %d exceeds the maximum %d", what, v, max)
	}
	return v, nil
}

func (d *binDecoder) str() (string, error) {
	n, err := d.uvarint()
	if err != nil {
		return "", err
	}
	if n > uint64(len(d.s)-d.off) {
		return "", ErrTruncated
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s, nil
}

func (d *binDecoder) event(e *Event) error {
	ver, err := d.byte()
	if err != nil {
		return err
	}
	if ver != binaryVersion && ver != binaryVersionWide {
		return fmt.Errorf("binary event version %d is not supported (want %d or %d); upgrade the workspace", ver, binaryVersion, binaryVersionWide)
	}
	flags, err := d.byte()
	if err != nil {
		return err
	}
	sec, err := d.byte()
	if err != nil {
		return err
	}
	if sec > byte(SectionUserData) {
		return fmt.Errorf("unknown payload section %d", sec)
	}
	e.Section = Section(sec)
	s := &e.System
	s.HasQualifiers = flags&flagQualifiers != 0
	var v uint64
	if v, err = d.uvarintMax("EventID", 0xffff); err != nil {
		return err
	}
	s.EventID = uint16(v)
	if v, err = d.uvarintMax("Qualifiers", 0xffff); err != nil {
		return err
	}
	s.Qualifiers = uint16(v)
	for _, p := range [...]*uint8{&s.Version, &s.Level, &s.Opcode} {
		if *p, err = d.byte(); err != nil {
			return err
		}
	}
	if v, err = d.uvarintMax("Task", 0xffff); err != nil {
		return err
	}
	s.Task = uint16(v)
	if s.Keywords, err = d.uvarint(); err != nil {
		return fmt.Errorf("Keywords: %w", err)
	}
	ut, err := d.uvarint()
	if err != nil {
		return fmt.Errorf("TimeCreated: %w", err)
	}
	if ver == binaryVersionWide {
		ns, err := d.uvarintMax("TimeCreated nanoseconds", 999_999_999)
		if err != nil {
			return err
		}
		s.TimeCreated = time.Unix(int64(ut>>1)^-int64(ut&1), int64(ns)).UTC()
	} else {
		s.TimeCreated = nanosToTime(int64(ut>>1) ^ -int64(ut&1))
	}
	if s.EventRecordID, err = d.uvarint(); err != nil {
		return fmt.Errorf("EventRecordID: %w", err)
	}
	if v, err = d.uvarintMax("ProcessID", 0xffffffff); err != nil {
		return err
	}
	s.ProcessID = uint32(v)
	if v, err = d.uvarintMax("ThreadID", 0xffffffff); err != nil {
		return err
	}
	s.ThreadID = uint32(v)
	for _, p := range [...]*string{&s.Provider, &s.ProviderGUID, &s.EventSource, &s.ActivityID,
		&s.RelatedActivityID, &s.Channel, &s.Computer, &s.UserID, &e.UserDataName, &e.UserDataNS, &e.Binary} {
		if *p, err = d.str(); err != nil {
			return err
		}
	}
	n, err := d.uvarintMax("field count", maxBinaryFields)
	if err != nil {
		return err
	}
	// Each field needs at least two bytes, which bounds n by the input.
	if n > uint64(len(d.s)-d.off)/2 {
		return ErrTruncated
	}
	if n > 0 {
		e.Data = d.makeFields(int(n))
	}
	for i := range e.Data {
		if e.Data[i].Name, err = d.str(); err != nil {
			return err
		}
		if e.Data[i].Value, err = d.str(); err != nil {
			return err
		}
	}
	if flags&flagRendering != 0 {
		r := new(Rendering)
		for _, p := range [...]*string{&r.Culture, &r.Message, &r.Level, &r.Task, &r.Opcode, &r.Channel, &r.Provider} {
			if *p, err = d.str(); err != nil {
				return err
			}
		}
		k, err := d.uvarintMax("keyword count", maxBinaryKeywords)
		if err != nil {
			return err
		}
		if k > uint64(len(d.s)-d.off) {
			return ErrTruncated
		}
		if k > 0 {
			r.Keywords = make([]string, k)
		}
		for i := range r.Keywords {
			if r.Keywords[i], err = d.str(); err != nil {
				return err
			}
		}
		e.Rendering = r
	}
	return nil
}
