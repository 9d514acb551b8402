package duckdb

import (
	"strconv"

	"wsec/internal/event"
	"wsec/internal/schema"
)

// _Vals holds, per row, what the hot columns do not: the template id, then
// the payload values (when the table keeps its payload there), the Binary,
// then the values of the template's extra columns. Values are "<len>:<text>"
// or "~" for null. Template id 0 means the definition follows inline (the
// registry is full): "0;<len>:<definition>".

// sharedToken is a payload value left to the shared column of its field's
// name (securityEventShared).
const sharedToken = '^'

// valsReader decodes one _Vals text.
type valsReader struct {
	t    *template
	body string // the values, after the header
}

// readVals decodes the header of v. ok is false on malformed input (a query
// may call wsec_col with anything).
func readVals(reg *templates, v string) (valsReader, bool) {
	i := 0
	id := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' && i < 10 {
		id = id*10 + int(v[i]-'0')
		i++
	}
	if i == 0 || i >= len(v) || v[i] != ';' {
		return valsReader{}, false
	}
	i++
	if id > 0 {
		t := reg.lookup(id)
		return valsReader{t: t, body: v[i:]}, t != nil
	}
	def, next, ok := readLenString(v, i)
	if !ok {
		return valsReader{}, false
	}
	t, err := parseTemplate(def)
	if err != nil {
		return valsReader{}, false
	}
	return valsReader{t: t, body: v[next:]}, true
}

// token returns value number k of the body: the payload values, then the
// Binary (when the template has one), then the extras.
func (r valsReader) token(k int) (val string, null, ok bool) {
	i := 0
	for n := 0; ; n++ {
		if i >= len(r.body) {
			return "", false, false
		}
		if r.body[i] == '~' || r.body[i] == sharedToken {
			if n == k {
				return "", true, r.body[i] == '~'
			}
			i++
			continue
		}
		s, next, ok := readLenString(r.body, i)
		if !ok {
			return "", false, false
		}
		if n == k {
			return s, false, true
		}
		i = next
	}
}

// column resolves a logical column: an extra of the row, a constant of the
// template, the rendered payload (payloadCol), or the first payload field of
// its name. scratch, when not nil, is reused to rebuild the payload; shared
// holds the row's shared columns, for the payload.
func (r valsReader) column(name, payloadCol string, scratch *event.Event, shared sharedValues) (string, bool) {
	t := r.t
	if k, ok := t.extraAt[name]; ok {
		v, null, ok := r.token(len(t.names) + btoi(t.hasBinary) + k)
		return v, ok && !null
	}
	if k, ok := t.constAt[name]; ok {
		c := t.consts[k]
		return c.value, !c.null
	}
	if name == payloadCol && payloadCol != "" {
		if scratch == nil {
			scratch = new(event.Event)
		}
		if !r.eventInto(scratch, shared) {
			return "", false
		}
		s := schema.EventDataXML(scratch)
		return s, s != ""
	}
	if k, ok := t.firstField[name]; ok {
		v, null, ok := r.token(k)
		return v, ok && !null
	}
	return "", false
}

// sharedValues returns the row's value of shared column k (its position
// in securityEventShared); ok is false when it is null or missing.
type sharedValues func(k int) (v string, ok bool)

// eventInto rebuilds the payload of the row into e (its Data reused).
func (r valsReader) eventInto(e *event.Event, shared sharedValues) bool {
	t := r.t
	*e = event.Event{Section: t.section, UserDataName: t.udName, UserDataNS: t.udNS, Data: e.Data[:0]}
	if cap(e.Data) < len(t.names) {
		e.Data = make([]event.Field, len(t.names))
	}
	e.Data = e.Data[:len(t.names)]
	i := 0
	for k := range len(t.names) + btoi(t.hasBinary) {
		if i >= len(r.body) || r.body[i] == '~' {
			return false
		}
		if r.body[i] == sharedToken {
			if k >= len(t.names) || shared == nil {
				return false
			}
			a, ok := sharedArg[t.names[k]]
			if !ok {
				return false
			}
			v, ok := shared(a)
			if !ok {
				return false
			}
			e.Data[k] = event.Field{Name: t.names[k], Value: v}
			i++
			continue
		}
		s, next, ok := readLenString(r.body, i)
		if !ok {
			return false
		}
		if k < len(t.names) {
			e.Data[k] = event.Field{Name: t.names[k], Value: s}
		} else {
			e.Binary = s
		}
		i = next
	}
	return true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// appendVal writes one value token.
func appendVal[T string | []byte](b []byte, s T) []byte { return appendLenString(b, s) }

// appendNull writes a null token.
func appendNull(b []byte) []byte { return append(b, '~') }

// appendValsHeader writes the template reference.
func appendValsHeader(b []byte, t *template, def []byte) []byte {
	if t != nil {
		b = strconv.AppendInt(b, int64(t.id), 10)
		return append(b, ';')
	}
	b = append(b, "0;"...)
	b = strconv.AppendInt(b, int64(len(def)), 10)
	b = append(b, ':')
	return append(b, def...)
}
