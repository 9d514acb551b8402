package duckdb

import (
	"testing"
	"time"
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

// TestBloomHasWhatItWasGiven: no false negative, and few false positives
// at capacity.
func TestBloomHasWhatItWasGiven(t *testing.T) {
	var hf hourFilter
	const n = 200_000
	for i := range uint64(n) {
		hf.add(key{i * 0x9E3779B97F4A7C15, i*0xC2B2AE3D27D4EB4F + 1})
	}
	fp := 0
	for i := range uint64(n) {
		if !hf.has(key{i * 0x9E3779B97F4A7C15, i*0xC2B2AE3D27D4EB4F + 1}) {
			t.Fatalf("key %d added and not found", i)
		}
		if hf.has(key{(i+n)*0x9E3779B97F4A7C15 ^ 0x5555, (i+n)*0xC2B2AE3D27D4EB4F + 7}) {
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
