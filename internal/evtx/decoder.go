package evtx

import (
	"errors"
	"fmt"

	"wsec/internal/event"
)

// decoder turns the records of one chunk at a time into events. It holds
// the per-chunk caches (names and templates by chunk offset) and scratch
// buffers reused across records; one decoder per worker goroutine.
type decoder struct {
	chunk     []byte
	index     int
	fileOff   int64
	names     map[uint32]string
	templates map[uint32]*template
	intern    interner
	recover   bool
	// shared caches parsed templates across chunks by GUID and size, for
	// chunks whose checksums verified (see template).
	shared  map[templateKey]*template
	suspect bool // the current chunk failed a checksum
	noShare bool // the template being parsed holds chunk-bound values

	inTemplate int           // >0 while parsing a template definition
	vals       []value       // substitution values of the current record
	budget     int           // nodes the current record may still visit
	parsed     []parsedValue // binary XML values parsed in the current record
	nodes      []node        // per-record arena of nodes outside templates
	attrs      []attr        // per-record arena of attributes outside templates
	stk        []node        // parser scratch stack: content of open elements
	astk       []attr        // parser scratch stack: attributes of open elements
	insts      []instance    // per-record arena of template instances
	ninsts     int

	ptmp   []byte     // parser scratch
	tmp    []byte     // mapper scratch
	path   []byte     // UserData field path being built
	spans  [][2]int   // array item spans scratch
	fbuf   []byte     // payload values of the current event
	frefs  []fieldRef // payload fields of the current event
	fslab  []event.Field
	fields int // fields dropped past maxFieldsPerEvent in the current event
}

type parsedValue struct {
	off   int32
	n     int
	nodes []node
	err   error
}

type fieldRef struct {
	name       string
	start, end int
}

func newDecoder(opts *Options) *decoder {
	return &decoder{
		recover:   opts.Recover,
		names:     make(map[uint32]string),
		templates: make(map[uint32]*template),
		shared:    make(map[templateKey]*template),
		intern:    interner{m: make(map[string]string)},
	}
}

func (d *decoder) resetChunk(index int, fileOff int64, data []byte) {
	d.chunk = data
	d.suspect = true // until the checksums verify
	d.index = index
	d.fileOff = fileOff
	clear(d.names)
	clear(d.templates)
}

var errBudget = errors.New("record describes too large a document")

// decodeRecord decodes the record at chunk offset off (framing already
// checked) into ev. A non-nil truncated says the event was delivered with
// part of its payload dropped.
func (d *decoder) decodeRecord(off, size int, ev *event.Event) (truncated, err error) {
	d.vals = d.vals[:0]
	d.parsed = d.parsed[:0]
	d.nodes = d.nodes[:0]
	d.attrs = d.attrs[:0]
	d.ninsts = 0
	d.budget = maxVisitsPerRecord
	d.fbuf = d.fbuf[:0]
	d.frefs = d.frefs[:0]
	d.fields = 0
	start, end := off+recordHeaderSize, off+size-4
	if start == end {
		return nil, errAt(off, "record has no event data")
	}
	nodes, err := d.parseFragment(start, end, false, 0)
	if err != nil {
		return nil, err
	}
	if err := d.mapRecord(nodes, ev); err != nil {
		return nil, err
	}
	if d.budget < 0 {
		return nil, errBudget
	}
	d.finishFields(ev)
	if d.fields > 0 {
		return fmt.Errorf("%d payload fields past the limit of %d dropped", d.fields, maxFieldsPerEvent), nil
	}
	return nil, nil
}

// newInstance hands out an instance from the per-record arena. A new
// block is allocated when it runs out; earlier pointers stay valid.
func (d *decoder) newInstance() *instance {
	if d.ninsts == len(d.insts) {
		d.insts = make([]instance, max(16, 2*len(d.insts)))
		d.ninsts = 0
	}
	d.ninsts++
	return &d.insts[d.ninsts-1]
}

// addField records the field whose value is fbuf[start:].
func (d *decoder) addField(name string, start int) {
	if len(d.frefs) >= maxFieldsPerEvent {
		d.fields++
		d.fbuf = d.fbuf[:start]
		return
	}
	d.frefs = append(d.frefs, fieldRef{name: name, start: start, end: len(d.fbuf)})
}

// finishFields turns the collected fields into ev.Data with one string
// allocation for all values.
func (d *decoder) finishFields(ev *event.Event) {
	n := len(d.frefs)
	if n == 0 {
		return
	}
	s := string(d.fbuf)
	if len(d.fslab) < n {
		d.fslab = make([]event.Field, max(n, 512))
	}
	fs := d.fslab[:n:n]
	d.fslab = d.fslab[n:]
	for i, r := range d.frefs {
		fs[i] = event.Field{Name: r.name, Value: s[r.start:r.end]}
	}
	ev.Data = fs
}

// interner shares strings that repeat across events (names, SIDs, GUIDs,
// computer names) so they are allocated once per worker.
type interner struct {
	m map[string]string
}

func (in *interner) bytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxInternLen {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if len(in.m) >= maxInternEntries {
		clear(in.m)
	}
	s := string(b)
	in.m[s] = s
	return s
}
