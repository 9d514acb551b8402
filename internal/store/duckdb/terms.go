package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zeebo/xxh3"

	"wsec/internal/event"
	"wsec/internal/schema"
)

// The term index of SecurityEvent's EventData (WindowsEvent keeps no
// payload to render it from): for each batch stored, the hashes of the terms its payloads hold, one row
// (term, rcv) per distinct term in <table>_terms, rcv being the batch's
// _TimeReceived. `EventData has "x"` then reads only the batches that may
// hold x:
//
//	WHERE "_TimeReceived" IN (SELECT rcv FROM <table>_terms WHERE term = hash("x") ...)
//
// DuckDB turns the IN into a semi join and pushes the set of receive
// times it finds into the table scan, which skips every row group whose
// _TimeReceived zone map holds none of them (_TimeReceived grows with the
// row order). Without it, a has over EventData tests ~275 bytes of _Vals
// per row, ~1.2 µs, so about two minutes over 100M events. With it, over
// bench-scale's 10M events: one logon ID (a pivot, in one batch) 58 ms
// against 13.8 s in plain DuckDB SQL over a physical EventData; a term in
// every batch (the SYSTEM SID) is no faster than before, 5.0 s against 8.9.
//
// Why it is exact (never fewer rows): a term EventDataPieceTerm accepts
// occurs in the rendered EventData only inside one of the event's own
// strings (wsec_has's argument), and the index holds every maximal run of
// ASCII letters and digits of every such string, lower-cased: the names
// and values of the payload, the Binary, the UserData wrapper. Where
// `EventData op term` holds, each run of term's letters and digits that op
// bounds on both sides (termIndexTokens) is such a run of the string it
// occurs in. A batch with a string outside ASCII (where case folding and
// letters are Unicode's), or a row without a kept payload, also gets
// unindexedTerm, and every lookup includes those batches; so do the
// batches stored before the index existed (migrateTerms). A hash
// collision only adds a batch to read.
//
// Why batches, not row groups: a row group's number is not stable in
// DuckDB (a checkpoint may merge them), while a batch's receive time is a
// column of its rows. A batch of 10,000 synthetic events (bench-scale's)
// holds ~1.6 distinct terms per event, most of them logon IDs and ports,
// so the index costs ~1.6 rows of 4 bytes per event on append and disk,
// and a lookup scans it once.
const termsSuffix = "_terms"

// termHash is the index's hash of a term: the high 32 bits of its xxh3,
// stored as an INTEGER. A collision only adds a batch to read (a batch of
// 10,000 events holds ~16k terms, so a lookup reads a stray batch of ~1 in
// 250k); 64-bit hashes took ~13 of bench-scale's 76 bytes per event on
// disk, 32-bit ones half that.
func termHash(b []byte) uint64 { return xxh3.Hash(b) >> 32 }

// termValue is h as the INTEGER the index stores.
func termValue(h uint64) int64 { return int64(int32(uint32(h))) }

// unindexedTerm is the term of batches the index cannot vouch for. The
// hash of a string with a byte no term has, so no term's hash but by a
// coincidence (which only adds batches to read).
var unindexedTerm = termHash([]byte("\x00unindexed"))

// termSet collects the term hashes of one batch's rows of one table. A
// string seen before in the batch (most values repeat: "-", "0x0", the
// SYSTEM SID, the domain, every field name) is recognised by its 128-bit
// hash, as dedup recognises events, and not split again. With Go maps
// for both sets this cost ~2.6 µs per event of the test log; with these
// sets ~0.6 (BenchmarkTermSet, batches of 10,000).
type termSet struct {
	terms u64Set
	seen  seenSet
	buf   []byte
}

func newTermSet() *termSet { return &termSet{} }

// addEvent adds the terms of payload p's strings; p nil (the row keeps no
// payload) marks the batch unindexed.
func (ts *termSet) addEvent(p *event.Event) {
	if p == nil {
		ts.terms.add(unindexedTerm)
		return
	}
	for i := range p.Data {
		ts.add(p.Data[i].Name)
		ts.add(p.Data[i].Value)
	}
	ts.add(p.Binary)
	ts.add(p.UserDataName)
	ts.add(p.UserDataNS)
}

// add adds the hashes of s's maximal runs of ASCII letters and digits,
// lower-cased; a byte outside ASCII marks the batch unindexed.
func (ts *termSet) add(s string) {
	if s == "" {
		return
	}
	if h := xxh3.HashString128(s); !ts.seen.add(key{h.Hi, h.Lo}) {
		return
	}
	ts.buf = ts.buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			ts.buf = append(ts.buf, c)
			continue
		case 'A' <= c && c <= 'Z':
			ts.buf = append(ts.buf, c+'a'-'A')
			continue
		case c >= 0x80:
			ts.terms.add(unindexedTerm)
		}
		ts.flush()
	}
	ts.flush()
}

func (ts *termSet) flush() {
	if len(ts.buf) > 0 {
		ts.terms.add(termHash(ts.buf))
		ts.buf = ts.buf[:0]
	}
}

// u64Set is a set of hashes (uniform already): open addressing, linear
// probing, 0 kept aside.
type u64Set struct {
	slots   []uint64
	n       int
	hasZero bool
}

func (s *u64Set) add(h uint64) {
	if h == 0 {
		s.hasZero = true
		return
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return
		case 0:
			s.slots[i] = h
			s.n++
			return
		}
	}
}

func (s *u64Set) grow() {
	old := s.slots
	s.slots, s.n = make([]uint64, max(1024, 2*len(old))), 0
	for _, h := range old {
		if h != 0 {
			s.add(h)
		}
	}
}

// seenSet is a set of 128-bit hashes, as u64Set (one generic set for both
// ran BenchmarkTermSet at 490-500 ns per event against 270-310: its
// method calls go through a dictionary); add reports whether k was new. The zero key stands for itself only by a 2^-128 coincidence, so it
// is taken as seen.
type seenSet struct {
	slots []key
	n     int
}

func (s *seenSet) add(k key) bool {
	if k == (key{}) {
		return false
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		old := s.slots
		s.slots, s.n = make([]key, max(1024, 2*len(old))), 0
		for _, o := range old {
			if o != (key{}) {
				s.add(o)
			}
		}
	}
	mask := uint64(len(s.slots) - 1)
	for i := k[1] & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return false
		case key{}:
			s.slots[i] = k
			s.n++
			return true
		}
	}
}

func (s *u64Set) len() int {
	if s.hasZero {
		return s.n + 1
	}
	return s.n
}

// each calls fn with every hash of the set.
func (s *u64Set) each(fn func(uint64)) {
	if s.hasZero {
		fn(0)
	}
	for _, h := range s.slots {
		if h != 0 {
			fn(h)
		}
	}
}

// termIndexTokens returns the hashes of the runs of ASCII letters and
// digits of term (lower-cased) that `x op term` requires to be whole runs
// of x: those op bounds on both sides, by the term's own characters or by
// op (has bounds both ends, hasprefix the start, hassuffix the end,
// contains neither). The longest three: each narrows the batches, and each
// costs a scan of the index.
func termIndexTokens(term string, op hasOp) []uint64 {
	type run struct{ lo, hi int }
	var runs []run
	lo := -1
	for i := 0; i <= len(term); i++ {
		if i < len(term) && isAlnum(term[i]) {
			if lo < 0 {
				lo = i
			}
			continue
		}
		if lo >= 0 && (lo > 0 || op.prefix) && (i < len(term) || op.suffix) {
			runs = append(runs, run{lo, i})
		}
		lo = -1
	}
	slices.SortStableFunc(runs, func(a, b run) int { return (b.hi - b.lo) - (a.hi - a.lo) })
	var out []uint64
	for _, r := range runs {
		h := termHash([]byte(strings.ToLower(term[r.lo:r.hi])))
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
		if len(out) == 3 {
			break
		}
	}
	return out
}

// TermRows implements kqlsql.TermIndex for EventData: the rows of the
// batches whose payloads may hold term (any or all of terms) as op needs,
// by the term index.
func (w *Workspace) TermRows(table, column, op string, terms []string, all bool) (string, bool) {
	l := w.viewLayout(table)
	if l == nil || l.terms == "" || l.payloadCol < 0 || column != l.table.Columns[l.payloadCol].Name {
		return "", false
	}
	o, ok := parseHasOp(op)
	if !ok || o.never || len(terms) == 0 {
		return "", false
	}
	from := " FROM " + quoteIdent(l.terms) + " WHERE term "
	// one scan of the index per term, but one for all the single words of
	// has_any's terms (a rule's list of twenty tool names)
	var sets []string
	single := []uint64{unindexedTerm}
	for _, t := range terms {
		var hs []uint64
		if isASCII(t) && schema.EventDataPieceTerm(strings.ToLower(t)) {
			hs = termIndexTokens(t, o)
		}
		switch {
		case len(hs) == 0 && all:
			continue // the others narrow
		case len(hs) == 0:
			return "", false // this term may be anywhere
		case len(hs) == 1 && !all:
			single = append(single, hs[0])
		default:
			sets = append(sets, "(SELECT rcv"+from+"IN ("+termList(hs)+") GROUP BY rcv HAVING count(DISTINCT term) = "+
				strconv.Itoa(len(hs))+")")
		}
	}
	if len(sets) == 0 && len(single) == 1 {
		return "", false
	}
	q := "SELECT rcv" + from + "IN (" + termList(single) + ")"
	if len(sets) > 0 {
		join := " UNION ALL "
		if all {
			join = " INTERSECT "
		}
		q += " UNION ALL (" + strings.Join(sets, join) + ")"
	}
	// The set is never empty: for a semi join whose build side is empty
	// DuckDB has no filter to push into the scan, and scanned the whole
	// table (a term in no batch: 1.3 s over 2M events, 14 ms with this).
	// No batch is received in the year 1.
	q += " UNION ALL SELECT TIMESTAMP '0001-01-01'"
	return "(" + quoteIdent("_TimeReceived") + " IN (" + q + "))", true
}

func termList(hs []uint64) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = strconv.FormatInt(termValue(h), 10)
	}
	return strings.Join(s, ", ")
}

// migrateTerms creates l's term index when missing. The batches stored
// before it get unindexedTerm, so lookups read them as before.
func (w *Workspace) migrateTerms(ctx context.Context, l *layout) error {
	if l.terms == "" {
		return nil
	}
	existing, err := w.physColumns(ctx, l.terms)
	if err != nil || existing.types["term"] == "INTEGER" {
		return err
	}
	if len(existing.names) > 0 { // of development builds: 64-bit terms
		if _, err := w.wconn.ExecContext(ctx, "DROP TABLE "+quoteIdent(l.terms)); err != nil {
			return fmt.Errorf("drop table %s: %w", l.terms, err)
		}
	}
	if _, err := w.wconn.ExecContext(ctx, "CREATE TABLE "+quoteIdent(l.terms)+" (term INTEGER NOT NULL, rcv TIMESTAMP NOT NULL)"); err != nil {
		return fmt.Errorf("create table %s: %w", l.terms, err)
	}
	r, err := w.wconn.ExecContext(ctx, "INSERT INTO "+quoteIdent(l.terms)+" SELECT DISTINCT "+strconv.FormatInt(termValue(unindexedTerm), 10)+
		"::INTEGER, "+quoteIdent("_TimeReceived")+" FROM "+quoteIdent(l.phys)+" WHERE "+quoteIdent("_TimeReceived")+" IS NOT NULL")
	if err != nil {
		return fmt.Errorf("mark the batches of %s stored before its term index: %w", l.phys, err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		w.log.Info("term index created; earlier batches are read as before", "table", l.table.Name, "batches", n)
	}
	return nil
}
