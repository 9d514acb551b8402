package duckdb

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"wsec/internal/event"
)

// TestDedupFilterHitIsConfirmed: a key the hour's filter may have seen is
// looked up in the tables, so a false positive never drops an event, and a
// real duplicate is still found; for events years old and in the future
// alike (issue 14: exact dedup with bounded memory).
func TestDedupFilterHitIsConfirmed(t *testing.T) {
	for _, shift := range []time.Duration{0, 80 * 365 * 24 * time.Hour} {
		s, _, _ := openTestStore(t, Options{})
		w := mustWorkspace(t, s, "ws")
		evs := synth(securityEvents(t), 1200, 1)
		for _, e := range evs {
			e.System.TimeCreated = e.System.TimeCreated.Add(shift)
		}
		first, second := evs[:600], evs[600:]
		appendOK(t, w, "a", 1, first)
		// Every filter now answers "may be stored" for any key, as a false
		// positive would.
		w.mu.Lock()
		for _, hf := range w.dedup.hours {
			for _, b := range hf.subs {
				for i := range b.words {
					b.words[i] = ^uint64(0)
				}
			}
		}
		w.mu.Unlock()
		if res := appendOK(t, w, "a", 2, second); res.Stored != len(second) || res.Duplicates != 0 {
			t.Fatalf("shift %s: new events behind saturated filters: %+v", shift, res)
		}
		if res := appendOK(t, w, "b", 1, evs); res.Stored != 0 || res.Duplicates != len(evs) {
			t.Fatalf("shift %s: the same events from another sender: %+v", shift, res)
		}
		if n := count(t, w, "SecurityEvent"); n != int64(len(evs)) {
			t.Fatalf("shift %s: %d rows, want %d", shift, n, len(evs))
		}
	}
}

// TestDedupLoadConfirmsWholeKeys: loading an hour reads the first halves
// of the stored keys only; a key of the batch that shares its first half
// with a stored one, and not its second, is not taken for stored.
func TestDedupLoadConfirmsWholeKeys(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	evs := synth(securityEvents(t), 300, 1)
	appendOK(t, w, "a", 1, evs)
	stored, _ := eventKey(evs[7], nil)
	twin := key{stored[0], stored[1] ^ 1}
	us := evs[7].System.TimeCreated.UnixMicro()
	h := hourOf(us)
	d := newDedupIndex(1<<20, s.m.dedupKeys)
	w.mu.Lock()
	found, err := d.stored(context.Background(), w.g.conns[0].bulk, []string{w.se.phys, w.we.phys},
		[]map[int64]*hourKeys{{h: {keys: []key{twin, stored}, times: []int64{us, us}}}, {}})
	w.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := found[stored]; !ok || len(found) != 1 {
		t.Errorf("found %v, want only the stored key %v (not %v)", found, stored, twin)
	}
	if !d.maybe(h, stored) {
		t.Error("the loaded hour's filter lacks a stored key")
	}
}

// TestBloomHasWhatItWasGiven: no false negative, and few false positives
// at capacity.
func TestBloomHasWhatItWasGiven(t *testing.T) {
	var hf hourFilter
	const n = 200_000
	for i := range uint64(n) {
		hf.add(i * 0x9E3779B97F4A7C15)
	}
	fp := 0
	for i := range uint64(n) {
		if !hf.has(i * 0x9E3779B97F4A7C15) {
			t.Fatalf("key %d added and not found", i)
		}
		if hf.has((i+n)*0x9E3779B97F4A7C15 ^ 0x5555) {
			fp++
		}
	}
	if fp > n/100 {
		t.Errorf("%d false positives in %d lookups, want under 1%%", fp, n)
	}
}

// TestDedupMemoryBoundedWithinOneDay: the keys held in memory stay within
// MaxDedupKeys even when every event is of one day, the case in which the
// day-keyed index never evicted (issue 14: ~200 MB of RSS per million
// events of one UTC day); dedup stays exact beyond the bound.
func TestDedupMemoryBoundedWithinOneDay(t *testing.T) {
	const max = 500
	s, _, _ := openTestStore(t, Options{MaxDedupKeys: max})
	w := mustWorkspace(t, s, "ws")
	evs := synth(securityEvents(t), 3000, 1) // 3000 events within minutes
	for i := 0; i < len(evs); i += 500 {
		appendOK(t, w, "a", uint64(i/500+1), evs[i:i+500])
		w.mu.Lock()
		held := w.dedup.total
		w.mu.Unlock()
		if held > max {
			t.Fatalf("after %d events: %d keys held in memory, bound %d", i+500, held, max)
		}
	}
	if res := appendOK(t, w, "b", 1, evs[1000:2000]); res.Stored != 0 || res.Duplicates != 1000 {
		t.Fatalf("the same events again: %+v", res)
	}
}

// TestDedupExactAtBoundaries: the cases where an event could be stored
// twice or dropped wrongly (issue 14: dedup exactness) — the same event in
// two files, the files imported again after a restart (the hours then come
// from the tables, first by the load's scan, then through the resident
// filters by a range scan and by an IN list), events years old (before
// 1970, FILETIME 0), events in the future (beyond 2262, where Unix
// nanoseconds end), times on hour boundaries, and two events whose
// TimeCreated differ by 100 ns (distinct identities, both stored).
func TestDedupExactAtBoundaries(t *testing.T) {
	cases := []struct {
		name string
		base time.Time
	}{
		{"recent", time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)},
		{"years old", time.Date(2009, 7, 1, 3, 0, 0, 0, time.UTC)},
		{"across the epoch", time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)},
		{"FILETIME 0", time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"future", time.Date(2041, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"beyond Unix nanoseconds", time.Date(2300, 6, 1, 12, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := synth(securityEvents(t), 900, 1)
			// 900 events over three hours; the last ones on the hour
			// boundaries and 100 ns from them.
			for i, e := range evs {
				e.System.TimeCreated = c.base.Add(time.Duration(i) * 3 * time.Hour / 900)
			}
			edges := []time.Duration{time.Hour - 100, time.Hour, time.Hour + 100, 2*time.Hour - time.Microsecond, 2 * time.Hour}
			for j, d := range edges {
				evs[len(evs)-1-j].System.TimeCreated = c.base.Add(d)
			}
			twin := *evs[10] // the same record 100 ns later: another event
			twin.System.TimeCreated = twin.System.TimeCreated.Add(100)
			evs = append(evs, &twin)
			fileA, fileB := evs[:600], evs[300:] // 300 events in both files

			s, _, dir := openTestStore(t, Options{})
			w := mustWorkspace(t, s, "ws")
			if res := appendOK(t, w, "fileA", 1, fileA); res.Stored != 600 || res.Duplicates != 0 {
				t.Fatalf("file A: %+v", res)
			}
			if res := appendOK(t, w, "fileB", 1, fileB); res.Stored != len(fileB)-300 || res.Duplicates != 300 {
				t.Fatalf("file B, 300 of its events in file A: %+v", res)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			w = mustWorkspace(t, s, "ws")
			// After the restart: loaded hours, then resident ones with many
			// hits (range scan) and few (IN list).
			for i, again := range [][]*event.Event{fileB, fileA, evs[400:420], {&twin}} {
				if res := appendOK(t, w, "reimport", uint64(i+1), again); res.Stored != 0 || res.Duplicates != len(again) {
					t.Fatalf("import %d after restart, %d events all stored before: %+v", i+1, len(again), res)
				}
			}
			fresh := synth(securityEvents(t), 300, 10_000)
			for i, e := range fresh {
				e.System.TimeCreated = c.base.Add(time.Duration(i)*3*time.Hour/300 + 7)
			}
			if res := appendOK(t, w, "new", 1, append(fresh, evs[:300]...)); res.Stored != 300 || res.Duplicates != 300 {
				t.Fatalf("300 new events among 300 stored ones: %+v", res)
			}
			if n := count(t, w, "SecurityEvent"); n != int64(len(evs)+len(fresh)) {
				t.Fatalf("%d rows, want %d", n, len(evs)+len(fresh))
			}
		})
	}
}

// randomHalves are n first halves of keys as eventKey makes them (uniform
// hashes), what the filters hold.
func randomHalves(n int, seed uint64) []uint64 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	halves := make([]uint64, n)
	for i := range halves {
		halves[i] = r.Uint64()
	}
	return halves
}

// TestBloomFalsePositives: an hour's filter holds every key added (no false
// negative, which would drop an event) and answers "maybe" for few keys it
// never saw: each is a lookup in the tables, so the rate bounds what
// dedup costs, not what it stores.
func TestBloomFalsePositives(t *testing.T) {
	const n = 1_000_000
	hf := &hourFilter{}
	in := randomHalves(n, 1)
	for _, k := range in {
		hf.add(k)
	}
	for i, k := range in {
		if !hf.has(k) {
			t.Fatalf("key %d added but not found", i)
		}
	}
	fp := 0
	for _, k := range randomHalves(n, 2) {
		if hf.has(k) {
			fp++
		}
	}
	// 16 bits and 8 probes per key: ~0.05% for one Bloom filter when full;
	// the chain's filters add up
	if rate := float64(fp) / n; rate > 0.005 {
		t.Errorf("false positives %.4f%% of keys never added, want under 0.5%%", 100*rate)
	} else {
		t.Logf("false positives: %.4f%% (%d filters in the chain)", 100*rate, len(hf.subs))
	}
}

// BenchmarkBloom measures adding an hour of keys at 100M events a day
// (4.2M, what a restart reads back) and looking up as many, per key.
func BenchmarkBloom(b *testing.B) {
	keys := randomHalves(4_200_000, 3)
	b.Run("add", func(b *testing.B) {
		for b.Loop() {
			hf := &hourFilter{}
			for _, k := range keys {
				hf.add(k)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/key")
	})
	hf := &hourFilter{}
	for _, k := range keys[:len(keys)/2] {
		hf.add(k)
	}
	b.Run("has", func(b *testing.B) {
		found := 0
		for b.Loop() {
			for _, k := range keys {
				if hf.has(k) {
					found++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/key")
	})
}
