package evtx

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
	"unicode/utf16"

	"wsec/internal/event"
)

// This file builds chunks by hand, token by token, to pin behaviour the
// corpus exercises rarely or never: array expansion, optional
// substitutions, nested binary XML, template references, and the limits
// that stop hostile input.

// bx writes binary XML at a known chunk offset.
type bx struct {
	b    []byte
	base int // chunk offset of b[0]
}

func (w *bx) pos() int     { return w.base + len(w.b) }
func (w *bx) u8(v uint8)   { w.b = append(w.b, v) }
func (w *bx) u16(v uint16) { w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *bx) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *bx) utf16(s string) {
	for _, u := range utf16.Encode([]rune(s)) {
		w.u16(u)
	}
}

// name writes a name offset pointing right after itself and the name
// inline there.
func (w *bx) name(s string) {
	w.u32(uint32(w.pos() + 4))
	w.u32(0) // next
	w.u16(0) // hash
	w.u16(uint16(len(utf16.Encode([]rune(s)))))
	w.utf16(s)
	w.u16(0)
}

func (w *bx) frag() { w.b = append(w.b, tokFragmentHeader, 1, 1, 0) }

func (w *bx) open(name string, attrs, dep bool) {
	tok := uint8(tokOpenStart)
	if attrs {
		tok |= tokMoreBit
	}
	w.u8(tok)
	if dep {
		w.u16(0xffff)
	}
	w.u32(0) // data size (not used when reading)
	w.name(name)
	if attrs {
		w.u32(0) // attribute list size
	}
}

func (w *bx) attr(name string) { w.u8(tokAttribute); w.name(name) }
func (w *bx) text(s string) {
	w.u8(tokValue)
	w.u8(typeString)
	w.u16(uint16(len(utf16.Encode([]rune(s)))))
	w.utf16(s)
}
func (w *bx) subst(idx uint16, typ uint8, opt bool) {
	if opt {
		w.u8(tokOptSubst)
	} else {
		w.u8(tokSubst)
	}
	w.u16(idx)
	w.u8(typ)
}
func (w *bx) closeStart() { w.u8(tokCloseStart) }
func (w *bx) closeEmpty() { w.u8(tokCloseEmpty) }
func (w *bx) end()        { w.u8(tokEndElement) }
func (w *bx) eof()        { w.u8(tokEOF) }

// elem writes <name>pieces</name> with dependency ids.
func (w *bx) elem(name string, dep bool, content func()) {
	w.open(name, false, dep)
	w.closeStart()
	content()
	w.end()
}

type val struct {
	typ uint8
	b   []byte
}

// instance writes a template instance. When body is not nil the
// definition is written inline and its offset returned; otherwise defOff
// is referenced.
func (w *bx) instance(defOff int, body func(t *bx), vals []val) int {
	w.u8(tokTemplate)
	w.u8(1)
	w.u32(0) // template id
	if body != nil {
		defOff = w.pos() + 4
	}
	w.u32(uint32(defOff))
	if body != nil {
		t := &bx{base: w.pos() + templateHeaderSize}
		t.frag()
		body(t)
		t.eof()
		w.u32(0)                                                                           // next
		w.b = append(w.b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(defOff)) // GUID
		w.u32(uint32(len(t.b)))
		w.b = append(w.b, t.b...)
	}
	w.u32(uint32(len(vals)))
	for _, v := range vals {
		w.u16(uint16(len(v.b)))
		w.u8(v.typ)
		w.u8(0)
	}
	for _, v := range vals {
		w.b = append(w.b, v.b...)
	}
	return defOff
}

func u16v(v uint16) val { return val{typeUint16, binary.LittleEndian.AppendUint16(nil, v)} }
func strv(s string) val {
	w := &bx{}
	w.utf16(s)
	return val{typeString, w.b}
}
func strArray(items ...string) val {
	w := &bx{}
	for _, s := range items {
		w.utf16(s)
		w.u16(0)
	}
	return val{typeString | typeArray, w.b}
}

// chunkOf frames records (each a func writing binary XML at its chunk
// offset) into a chunk with valid checksums.
func chunkOf(records ...func(w *bx)) []byte {
	c := make([]byte, ChunkSize)
	copy(c, chunkSignature)
	off := chunkHeaderSize
	for i, r := range records {
		w := &bx{base: off + recordHeaderSize}
		r(w)
		size := recordHeaderSize + len(w.b) + 4
		copy(c[off:], recordSignature)
		binary.LittleEndian.PutUint32(c[off+4:], uint32(size))
		binary.LittleEndian.PutUint64(c[off+8:], uint64(i+1))
		binary.LittleEndian.PutUint64(c[off+16:], 132000000000000000)
		copy(c[off+recordHeaderSize:], w.b)
		binary.LittleEndian.PutUint32(c[off+size-4:], uint32(size))
		off += size
	}
	le := binary.LittleEndian
	le.PutUint64(c[8:], 1)
	le.PutUint64(c[16:], uint64(len(records)))
	le.PutUint64(c[24:], 1)
	le.PutUint64(c[32:], uint64(len(records)))
	le.PutUint32(c[40:], 128)
	le.PutUint32(c[48:], uint32(off))
	le.PutUint32(c[52:], crc32.ChecksumIEEE(c[chunkHeaderSize:off]))
	le.PutUint32(c[124:], chunkHeaderCRC(c))
	return c
}

// system writes a minimal <System> whose EventID is substitution 0.
func system(t *bx) {
	t.elem("System", true, func() {
		t.open("Provider", true, true)
		t.attr("Name")
		t.text("Synthetic")
		t.closeEmpty()
		t.elem("EventID", true, func() { t.subst(0, typeUint16, false) })
		t.elem("Computer", true, func() { t.text("host") })
	})
}

func decodeSynth(t *testing.T, c []byte) chunkResult {
	t.Helper()
	return newDecoder(&Options{}).decodeChunk(0, FileHeaderSize, c, ChunkSize, true)
}

func fields(e *event.Event) string {
	var s []string
	for _, f := range e.Data {
		s = append(s, f.Name+"="+f.Value)
	}
	return strings.Join(s, ",")
}

func TestSyntheticTemplates(t *testing.T) {
	var def int
	body := func(t *bx) {
		t.elem("Event", true, func() {
			system(t)
			t.elem("EventData", true, func() {
				t.open("Data", true, true)
				t.attr("Name")
				t.text("Items")
				t.closeStart()
				t.subst(1, typeString|typeArray, false)
				t.end()
				t.open("Data", true, true)
				t.attr("Name")
				t.text("Opt")
				t.closeStart()
				t.subst(2, typeString, true)
				t.end()
				t.subst(3, typeBinXML, true)
			})
		})
	}
	// A binary XML value holding more Data elements, written without
	// dependency ids as Windows does outside template definitions.
	nested := func(base int) val {
		w := &bx{base: base}
		w.frag()
		w.open("Data", true, false)
		w.attr("Name")
		w.text("Inner")
		w.closeStart()
		w.text("x&y")
		w.end()
		w.eof()
		return val{typeBinXML, w.b}
	}
	c := chunkOf(
		func(w *bx) {
			w.frag()
			// The values follow the inline definition; the nested value's
			// offset is only known while writing, so compute it.
			probe := &bx{base: w.pos()}
			probe.instance(0, body, []val{u16v(4688), strArray("a", "b", "c"), strv("kept"), {typeBinXML, make([]byte, 0)}})
			valStart := probe.pos() // end of the instance with an empty last value
			def = w.instance(0, body, []val{u16v(4688), strArray("a", "b", "c"), strv("kept"), nested(valStart)})
			w.eof()
		},
		func(w *bx) {
			w.frag()
			w.instance(def, nil, []val{u16v(4624), strArray("only"), {typeNull, nil}, {typeNull, nil}})
			w.eof()
		},
	)
	res := decodeSynth(t, c)
	if len(res.problems) != 0 || len(res.events) != 2 {
		t.Fatalf("%d events, problems %v", len(res.events), res.problems)
	}
	e1, e2 := res.events[0], res.events[1]
	if e1.System.EventID != 4688 || e1.System.Provider != "Synthetic" || e1.System.Computer != "host" {
		t.Errorf("system %+v", e1.System)
	}
	// The array repeats its <Data>; the nested binary XML adds its own.
	if got, want := fields(e1), "Items=a,Items=b,Items=c,Opt=kept,Inner=x&y"; got != want {
		t.Errorf("record 1 fields %q, want %q", got, want)
	}
	// Referenced template, one-item array, NULL optional value: <Data
	// Name="Opt"> is dropped.
	if got, want := fields(e2), "Items=only"; got != want || e2.System.EventID != 4624 {
		t.Errorf("record 2 fields %q (event %d), want %q", got, e2.System.EventID, want)
	}
}

func TestSyntheticLimits(t *testing.T) {
	payload := func(inner func(t *bx)) func(t *bx) {
		return func(t *bx) {
			t.elem("Event", true, func() {
				system(t)
				t.elem("EventData", true, func() { inner(t) })
			})
		}
	}
	t.Run("exponential templates", func(t *testing.T) {
		// Template i holds two instances of template i+1 (the first
		// defines it inline, the second references it): 2^18 elements
		// described in a few hundred bytes.
		const levels = 18
		var level func(t *bx, i int)
		level = func(t *bx, i int) {
			if i == levels {
				t.elem("Leaf", true, func() { t.text("x") })
				return
			}
			t.elem("E", true, func() {
				def := t.instance(0, func(in *bx) { level(in, i+1) }, nil)
				t.instance(def, nil, nil)
			})
		}
		c := chunkOf(func(w *bx) {
			w.frag()
			w.instance(0, payload(func(t *bx) {
				t.elem("Data", true, func() {
					t.instance(0, func(in *bx) { level(in, 1) }, nil)
				})
			}), []val{u16v(1)})
			w.eof()
		})
		res := decodeSynth(t, c)
		if len(res.events) != 0 || res.stats.Skipped != 1 || !strings.Contains(res.problems[0].Err.Error(), "too large") {
			t.Fatalf("%d events, stats %+v, problems %v", len(res.events), res.stats, res.problems)
		}
	})
	t.Run("too many fields", func(t *testing.T) {
		items := make([]string, maxFieldsPerEvent+10)
		for i := range items {
			items[i] = "v"
		}
		c := chunkOf(func(w *bx) {
			w.frag()
			w.instance(0, payload(func(t *bx) {
				t.elem("Data", true, func() { t.subst(1, typeString|typeArray, false) })
			}), []val{u16v(1), strArray(items...)})
			w.eof()
		})
		res := decodeSynth(t, c)
		if len(res.events) != 1 || len(res.events[0].Data) != maxFieldsPerEvent || res.stats.Truncated != 1 {
			t.Fatalf("%d events, stats %+v", len(res.events), res.stats)
		}
	})
	t.Run("nesting too deep", func(t *testing.T) {
		c := chunkOf(func(w *bx) {
			w.frag()
			w.instance(0, payload(func(t *bx) {
				var nest func(n int)
				nest = func(n int) {
					if n == 0 {
						t.text("deep")
						return
					}
					t.elem("N", true, func() { nest(n - 1) })
				}
				nest(maxDepth + 5)
			}), []val{u16v(1)})
			w.eof()
		})
		res := decodeSynth(t, c)
		if len(res.events) != 0 || res.stats.Skipped != 1 || !strings.Contains(res.problems[0].Err.Error(), "deeper") {
			t.Fatalf("%d events, problems %v", len(res.events), res.problems)
		}
	})
}

// TestSyntheticRenderingInfo covers forwarded events, which carry the
// message texts rendered on the source machine.
func TestSyntheticRenderingInfo(t *testing.T) {
	c := chunkOf(func(w *bx) {
		w.frag()
		w.instance(0, func(t *bx) {
			t.elem("Event", true, func() {
				system(t)
				t.open("RenderingInfo", true, true)
				t.attr("Culture")
				t.text("en-US")
				t.closeStart()
				t.elem("Message", true, func() { t.subst(1, typeString, false) })
				t.elem("Level", true, func() { t.text("Information") })
				t.elem("Keywords", true, func() {
					t.elem("Keyword", true, func() { t.text("Audit Success") })
					t.elem("Keyword", true, func() { t.text("Classic") })
				})
				t.end()
			})
		}, []val{u16v(4624), strv("An account was successfully logged on.")})
		w.eof()
	})
	res := decodeSynth(t, c)
	if len(res.events) != 1 {
		t.Fatalf("problems %v", res.problems)
	}
	r := res.events[0].Rendering
	if r == nil || r.Culture != "en-US" || r.Message != "An account was successfully logged on." || r.Level != "Information" ||
		strings.Join(r.Keywords, "|") != "Audit Success|Classic" {
		t.Errorf("rendering %+v", r)
	}
}
