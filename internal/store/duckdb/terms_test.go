package duckdb

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/kql"
	kqlsql "wsec/internal/kql/sql"
	"wsec/internal/schema"
)

// countKQL runs `q` (ending in count) on w through the compiler with w as
// its Layout, or none (every row rendered), and returns the count and SQL.
func countKQL(t *testing.T, w *Workspace, q string, layout kqlsql.Layout) (int64, string) {
	t.Helper()
	sqlText := compileKQL(t, w, q, layout)
	return mustQuery(t, w, sqlText).Rows[0][0].(int64), sqlText
}

// compileKQL compiles q to DuckDB SQL over w's tables with layout (w, as
// the workspace's query path does, or nil).
func compileKQL(tb testing.TB, w *Workspace, q string, layout kqlsql.Layout) string {
	tb.Helper()
	tables, err := w.Tables(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	pq, err := kql.Parse(q)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	sqlText, _, err := kqlsql.Compile(pq, kql.NewCatalog(schema.New(), tables...), kqlsql.DuckDB{}, kqlsql.Options{Layout: layout})
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return sqlText
}

// marked returns a copy of base whose payload holds word in one value, a
// distinct record ID from rec.
func marked(base []*event.Event, rec uint64, word string) []*event.Event {
	out := synth(base, len(base), rec)
	for _, e := range out {
		e.Data = append(append([]event.Field(nil), e.Data...), event.Field{Name: "Marker", Value: "x-" + word + ".y"})
	}
	return out
}

// TestTermIndexNarrows: the index's predicate selects exactly the batches
// whose payloads hold the term's words (the rows a has must read), and
// queries through it count what rendering every row counts, for has,
// hasprefix, hassuffix, contains, has_any and has_all, a word in a field
// name, a non-ASCII batch (always read) and a term the index cannot
// narrow.
func TestTermIndexNarrows(t *testing.T) {
	s, clk, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	sec := securityEvents(t)[:30]
	batches := [][]*event.Event{
		marked(sec, 1000, "alphaword"),
		marked(sec, 2000, "betaword"),
		marked(sec, 3000, "gammaword"),
		marked(sec, 4000, "Ünïcode-alphaword"),
	}
	for i, b := range batches {
		clk.Set(clk.Now().Add(time.Second))
		appendOK(t, w, "a", uint64(i+1), b)
	}
	n := int64(len(sec))
	for _, c := range []struct {
		q     string
		reads int64 // rows the index's predicate lets through
	}{
		{`SecurityEvent | where EventData has "alphaword" | count`, 2 * n}, // and the non-ASCII batch
		{`SecurityEvent | where EventData has "BETAWORD" | count`, 2 * n},
		{`SecurityEvent | where EventData has "x-gammaword.y" | count`, 2 * n},
		{`SecurityEvent | where EventData hasprefix "x-gammaw" | count`, 4 * n}, // x is whole, gammaw a prefix
		{`SecurityEvent | where EventData hassuffix "ord.y" | count`, 4 * n},
		{`SecurityEvent | where EventData contains "-betaword." | count`, 2 * n},
		{`SecurityEvent | where EventData has "Marker" | count`, 4 * n}, // a field name
		{`SecurityEvent | where EventData has "nowhere" | count`, n},
		{`SecurityEvent | where EventData has_any ("alphaword", "betaword") | count`, 3 * n},
		{`SecurityEvent | where EventData has_all ("alphaword", "betaword") | count`, n},
		{`SecurityEvent | where EventData has_all ("alphaword", "x") | count`, 2 * n},
		{`SecurityEvent | where EventData has_cs "betaword" | count`, 2 * n},
		{`SecurityEvent | where EventData has "gammaword" and EventID == 4624 | count`, -1},
		{`SecurityEvent | where EventData !has "gammaword" | count`, -1},
	} {
		want, _ := countKQL(t, w, c.q, nil)
		got, sqlText := countKQL(t, w, c.q, w)
		if got != want {
			t.Errorf("%s: %d rows through the index, %d by rendering\nSQL: %s", c.q, got, want, sqlText)
		}
		i := strings.Index(sqlText, `("_TimeReceived" IN (`)
		if i < 0 {
			t.Errorf("%s: the index is not used\nSQL: %s", c.q, sqlText)
			continue
		}
		if c.reads < 0 {
			continue
		}
		depth, j := 0, i
		for ; j < len(sqlText); j++ {
			if sqlText[j] == '(' {
				depth++
			} else if sqlText[j] == ')' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		pred := sqlText[i : j+1]
		if reads := count1(t, w, "SELECT count(*) FROM "+quoteIdent(w.se.phys)+" WHERE "+pred); reads != c.reads {
			t.Errorf("%s: the index lets %d rows through, want %d\npredicate: %s", c.q, reads, c.reads, pred)
		}
	}
	for _, q := range []string{
		`SecurityEvent | where EventData has "-" | count`,
		`SecurityEvent | where EventData hasprefix "gammaw" | count`, // no whole word
		`SecurityEvent | where EventData contains "betaword" | count`,
		`SecurityEvent | where EventData startswith "alphaword" | count`,
		`SecurityEvent | where EventData has "Data Name" | count`,
		`SecurityEvent | where EventData has_any ("alphaword", "-") | count`,
	} {
		want, _ := countKQL(t, w, q, nil)
		got, sqlText := countKQL(t, w, q, w)
		if got != want {
			t.Errorf("%s: %d rows, %d by rendering", q, got, want)
		}
		if strings.Contains(sqlText, termsSuffix) {
			t.Errorf("%s: the index narrows a term it cannot vouch for\nSQL: %s", q, sqlText)
		}
	}
}

func count1(t *testing.T, w *Workspace, q string) int64 {
	t.Helper()
	return mustQuery(t, w, q).Rows[0][0].(int64)
}

// TestTermIndexMigration: a workspace stored before the term index gets
// one at open, its earlier batches marked unindexed: a has finds their
// rows as before, and batches stored after are indexed.
func TestTermIndexMigration(t *testing.T) {
	s, clk, dir := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	sec := securityEvents(t)[:20]
	appendOK(t, w, "a", 1, marked(sec, 1000, "oldword"))
	if _, err := w.wconn.ExecContext(context.Background(), "DROP TABLE "+quoteIdent(w.se.terms)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	w2 := mustWorkspace(t, s2, "ws")
	clk.Set(clk.Now().Add(time.Second))
	appendOK(t, w2, "a", 2, marked(sec, 2000, "newword"))
	for q, want := range map[string]int64{
		`SecurityEvent | where EventData has "oldword" | count`: 20,
		`SecurityEvent | where EventData has "newword" | count`: 20,
	} {
		if got, sqlText := countKQL(t, w2, q, w2); got != want || !strings.Contains(sqlText, termsSuffix) {
			t.Errorf("%s: %d, want %d through the index\nSQL: %s", q, got, want, sqlText)
		}
	}
	unindexed := count1(t, w2, "SELECT count(*) FROM "+quoteIdent(w2.se.terms)+" WHERE term = "+strconv.FormatInt(termValue(unindexedTerm), 10))
	if unindexed != 1 {
		t.Errorf("%d unindexed batches, want the one stored before the index", unindexed)
	}
}

// TestTermIndexTokens: the words a term's operator requires whole.
func TestTermIndexTokens(t *testing.T) {
	h := func(ws ...string) []uint64 {
		var out []uint64
		for _, w := range ws {
			out = append(out, termHash([]byte(w)))
		}
		return out
	}
	has, _ := parseHasOp("has")
	prefix, _ := parseHasOp("hasprefix")
	suffix, _ := parseHasOp("hassuffix")
	contains, _ := parseHasOp("contains")
	for _, c := range []struct {
		term string
		op   hasOp
		want []uint64
	}{
		{"Certutil", has, h("certutil")},
		{"certutil", contains, nil},
		{"certutil", prefix, nil},
		{"S-1-5-18", has, h("18", "s", "1")},
		{"S-1-5-18", prefix, h("s", "1", "5")},
		{"S-1-5-18", suffix, h("18", "1", "5")},
		{"S-1-5-18", contains, h("1", "5")},
		{"a.b.a", has, h("a", "b")},
		{"--", has, nil},
		{"10.1.2.3", contains, h("1", "2")},
	} {
		got := termIndexTokens(c.term, c.op)
		if len(got) != len(c.want) {
			t.Errorf("%q %+v: %d words, want %d", c.term, c.op, len(got), len(c.want))
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q %+v: word %d differs", c.term, c.op, i)
			}
		}
	}
}

// BenchmarkTermSet: the term index's cost per event on append (the
// payload's words hashed into the batch's set).
func BenchmarkTermSet(b *testing.B) {
	evs := securityEvents(b)
	const batch = 10_000
	var ts *termSet
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%batch == 0 {
			ts = newTermSet()
		}
		ts.addEvent(evs[i%len(evs)])
	}
}

// FuzzTermIndex: wherever wsec_has's test finds term in a payload string
// as op requires, the index of that string holds every word
// termIndexTokens looks up for term and op (or marks it unindexed), so a
// lookup never skips a batch that matches.
func FuzzTermIndex(f *testing.F) {
	for _, s := range [][2]string{
		{"S-1-5-18", "S-1-5-18"}, {"x-S-1-5-18y", "1-5"}, {"certutil.exe -urlcache", "CERTUTIL"},
		{"a&b<c>", "a&b"}, {"Ünïcode-word", "word"}, {"0x3e7", "3e7"}, {"", "x"}, {"--", "-"},
	} {
		f.Add(s[0], s[1])
	}
	ops := []string{"has", "hasprefix", "hassuffix", "contains", "has_cs", "hasprefix_cs", "hassuffix_cs", "contains_cs"}
	f.Fuzz(func(t *testing.T, value, term string) {
		ts := newTermSet()
		ts.addEvent(&event.Event{Data: []event.Field{{Name: "F", Value: value}}})
		held := map[uint64]bool{}
		ts.terms.each(func(h uint64) { held[h] = true })
		if held[unindexedTerm] || term == "" || !isASCII(term) {
			return
		}
		for _, name := range ops {
			op, _ := parseHasOp(name)
			if m, ok := asciiHas(value, term, op); !ok || !m {
				continue
			}
			for _, h := range termIndexTokens(term, op) {
				if !held[h] {
					t.Fatalf("%q %s %q holds, but the index of the value lacks a word of the term", value, name, term)
				}
			}
		}
	})
}
