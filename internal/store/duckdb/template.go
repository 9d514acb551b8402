package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"wsec/internal/event"
)

// A template is the shape of an event's stored remainder (_Vals): the
// payload structure (section, UserData wrapper, field names, whether a
// Binary follows) and the logical columns whose values follow as extras.
// Events of one kind (same provider, ID, version) share a template, as in
// EVTX: a row then stores only the values. Templates also hold "constant
// extras", values that repeat across a kind (ProviderGuid, Keywords, Opcode,
// Version, and SecurityEvent's Level, EventSourceName and SourceSystem), so
// that rows do not repeat them either.
type template struct {
	id           int32
	def          string // canonical encoding, the registry key (FORMAT.md)
	section      event.Section
	udName, udNS string
	names        []string
	hasBinary    bool
	consts       []constExtra // column, value
	extras       []string     // columns whose value each row carries
	// lookups by name: a payload field's first position in names, an extra
	// column's position in extras, a constant column's position in consts.
	firstField map[string]int
	extraAt    map[string]int
	constAt    map[string]int
}

type constExtra struct {
	col   string
	value string
	null  bool
}

// templateConstCols are the cold columns kept in templates rather than rows:
// their values are the same for every event of a kind.
var templateConstCols = map[string]bool{"ProviderGuid": true, "Keywords": true, "Opcode": true, "Version": true,
	"Level": true, "EventSourceName": true, "SourceSystem": true}

// appendLenString writes s length-prefixed: "<len>:<s>".
func appendLenString[T string | []byte](b []byte, s T) []byte {
	switch n := len(s); {
	case n < 10:
		b = append(b, byte('0'+n))
	case n < 100:
		b = append(b, byte('0'+n/10), byte('0'+n%10))
	default:
		b = strconv.AppendInt(b, int64(n), 10)
	}
	b = append(b, ':')
	return append(b, s...)
}

// readLenString reads a "<len>:<s>" at s[i:]; ok is false on malformed
// input, including "~" (a null, which the caller handles).
func readLenString(s string, i int) (v string, next int, ok bool) {
	n := 0
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		n = n*10 + int(s[j]-'0')
		if n > len(s) {
			return "", 0, false
		}
		j++
	}
	if j == i || j >= len(s) || s[j] != ':' || j+1+n > len(s) {
		return "", 0, false
	}
	return s[j+1 : j+1+n], j + 1 + n, true
}

// templateKey builds a template's canonical definition:
//
//	"1" section len:udName len:udNS binary(0|1) nFields len:name... nConsts (len:col (len:value|~))... nExtras len:col...
//
// with every number decimal and followed by ';'.
type templateKey struct{ b []byte }

func (k *templateKey) reset()       { k.b = append(k.b[:0], "1;"...) }
func (k *templateKey) num(n int)    { k.b = strconv.AppendInt(k.b, int64(n), 10); k.b = append(k.b, ';') }
func (k *templateKey) str(s string) { k.b = appendLenString(k.b, s) }
func (k *templateKey) null()        { k.b = append(k.b, '~') }

// parseTemplate decodes a definition.
func parseTemplate(def string) (*template, error) {
	t := &template{def: def}
	i := 0
	num := func() (int, bool) {
		j := strings.IndexByte(def[i:], ';')
		if j < 0 {
			return 0, false
		}
		n, err := strconv.Atoi(def[i : i+j])
		if err != nil || n < 0 || n > len(def) {
			return 0, false
		}
		i += j + 1
		return n, true
	}
	str := func() (string, bool) {
		v, next, ok := readLenString(def, i)
		if ok {
			i = next
		}
		return v, ok
	}
	bad := func(what string) (*template, error) {
		return nil, fmt.Errorf("template %.60q: bad %s", def, what)
	}
	if v, ok := num(); !ok || v != 1 {
		return bad("version")
	}
	sec, ok := num()
	if !ok || sec > int(event.SectionUserData) {
		return bad("section")
	}
	t.section = event.Section(sec)
	if t.udName, ok = str(); !ok {
		return bad("UserData name")
	}
	if t.udNS, ok = str(); !ok {
		return bad("UserData namespace")
	}
	bin, ok := num()
	if !ok || bin > 1 {
		return bad("binary flag")
	}
	t.hasBinary = bin == 1
	n, ok := num()
	if !ok {
		return bad("field count")
	}
	t.names = make([]string, n)
	for k := range n {
		if t.names[k], ok = str(); !ok {
			return bad("field name")
		}
	}
	if n, ok = num(); !ok {
		return bad("constant count")
	}
	for range n {
		var c constExtra
		if c.col, ok = str(); !ok {
			return bad("constant column")
		}
		if i < len(def) && def[i] == '~' {
			c.null = true
			i++
		} else if c.value, ok = str(); !ok {
			return bad("constant value")
		}
		t.consts = append(t.consts, c)
	}
	if n, ok = num(); !ok {
		return bad("extra count")
	}
	for range n {
		var c string
		if c, ok = str(); !ok {
			return bad("extra column")
		}
		t.extras = append(t.extras, c)
	}
	if i != len(def) {
		return bad("tail")
	}
	t.index()
	return t, nil
}

func (t *template) index() {
	t.firstField = make(map[string]int, len(t.names))
	for i, n := range t.names {
		if _, ok := t.firstField[n]; !ok && n != "" {
			t.firstField[n] = i
		}
	}
	t.extraAt = make(map[string]int, len(t.extras))
	for i, c := range t.extras {
		t.extraAt[c] = i
	}
	t.constAt = make(map[string]int, len(t.consts))
	for i, c := range t.consts {
		t.constAt[c.col] = i
	}
}

// templates is a workspace's template registry. Encoders add templates
// concurrently; the committer persists every template added so far in each
// group's transaction, so a committed row never references a template the
// database lacks. Queries resolve ids through it (wsec_col).
//
// Readers (encoders, wsec_col) never lock: they load an immutable snapshot;
// adding a template (rare: a few hundred per workspace) copies it.
type templates struct {
	snap      atomic.Pointer[tplSnapshot]
	mu        sync.Mutex // serialises adds and persistence bookkeeping
	persisted int        // templates 1..persisted are in the database
	max       int
}

type tplSnapshot struct {
	byDef map[string]*template
	byID  []*template // index id-1
}

func newTemplates(max int) *templates {
	r := &templates{max: max}
	r.snap.Store(&tplSnapshot{byDef: map[string]*template{}})
	return r
}

// add publishes t with the next id. The caller holds r.mu.
func (r *templates) add(t *template) {
	old := r.snap.Load()
	n := &tplSnapshot{byDef: make(map[string]*template, len(old.byDef)+1), byID: append(old.byID[:len(old.byID):len(old.byID)], t)}
	for k, v := range old.byDef {
		n.byDef[k] = v
	}
	t.id = int32(len(n.byID))
	n.byDef[t.def] = t
	r.snap.Store(n)
}

// get returns the template of def, adding it if new; nil when the registry
// is full (the row then carries its definition inline).
func (r *templates) get(def []byte) *template {
	if t := r.snap.Load().byDef[string(def)]; t != nil {
		return t
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.snap.Load()
	if t := s.byDef[string(def)]; t != nil {
		return t
	}
	if len(s.byID) >= r.max {
		return nil
	}
	t, err := parseTemplate(string(def))
	if err != nil {
		panic("BUG: duckdb: encoder wrote an unparsable template: " + err.Error())
	}
	r.add(t)
	return t
}

// lookup returns template id, or nil.
func (r *templates) lookup(id int) *template {
	s := r.snap.Load()
	if id < 1 || id > len(s.byID) {
		return nil
	}
	return s.byID[id-1]
}

// count returns the number of templates.
func (r *templates) count() int { return len(r.snap.Load().byID) }

// load reads the persisted templates (at open).
func (r *templates) load(ctx context.Context, conn *sql.Conn) error {
	rs, err := conn.QueryContext(ctx, "SELECT id, def FROM "+templateTable+" ORDER BY id")
	if err != nil {
		return fmt.Errorf("load templates: %w", err)
	}
	defer rs.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for rs.Next() {
		var id int
		var def string
		if err := rs.Scan(&id, &def); err != nil {
			return fmt.Errorf("load templates: %w", err)
		}
		if n := len(r.snap.Load().byID); id != n+1 {
			return fmt.Errorf("load templates: id %d after %d", id, n)
		}
		t, err := parseTemplate(def)
		if err != nil {
			return fmt.Errorf("load templates: %w", err)
		}
		r.add(t)
	}
	r.persisted = len(r.snap.Load().byID)
	return rs.Err()
}

// unpersisted returns the templates added since the last persist.
func (r *templates) unpersisted() []*template {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*template(nil), r.snap.Load().byID[r.persisted:]...)
}

// markPersisted records that templates up to id are in the database.
func (r *templates) markPersisted(id int) {
	r.mu.Lock()
	r.persisted = max(r.persisted, id)
	r.mu.Unlock()
}
