package duckdb

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/store"
)

func appendOK(t *testing.T, w *Workspace, sender string, seq uint64, evs []*event.Event) store.AppendResult {
	t.Helper()
	res, err := w.AppendEvents(context.Background(), sender, seq, evs, "OpsManager")
	if err != nil {
		t.Fatalf("append %s/%d: %v", sender, seq, err)
	}
	return res
}

// TestAppendEventsRoutesByChannel: Security events land in SecurityEvent,
// Sysmon in WindowsEvent, each exactly once.
func TestAppendEventsRoutesByChannel(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	sec, sys := securityEvents(t), sysmonEvents(t)
	res := appendOK(t, w, "a", 1, append(append([]*event.Event{}, sec...), sys...))
	if !reflect.DeepEqual(res, store.AppendResult{Stored: len(sec) + len(sys)}) {
		t.Fatalf("result %+v", res)
	}
	if n := count(t, w, "SecurityEvent"); n != int64(len(sec)) {
		t.Errorf("SecurityEvent has %d rows, want %d", n, len(sec))
	}
	if n := count(t, w, "WindowsEvent"); n != int64(len(sys)) {
		t.Errorf("WindowsEvent has %d rows, want %d", n, len(sys))
	}
	r := mustQuery(t, w, "SELECT count(*) FROM SecurityEvent WHERE EventID = 4624 AND LogonType = 5 AND Account = 'NT AUTHORITY\\SYSTEM'")
	want := 0
	for _, e := range sec {
		if e.System.EventID == 4624 && e.Value("LogonType") == "5" && e.Value("TargetUserName") == "SYSTEM" {
			want++
		}
	}
	if got := r.Rows[0][0].(int64); got != int64(want) || want == 0 {
		t.Errorf("4624 type 5 SYSTEM logons: %d, the events have %d", got, want)
	}
}

func TestAppendEventsDedup(t *testing.T) {
	sec := securityEvents(t)
	t.Run("same batch twice is a duplicate batch", func(t *testing.T) {
		s, _, _ := openTestStore(t, Options{})
		w := mustWorkspace(t, s, "ws")
		first := appendOK(t, w, "agent", 7, sec)
		again := appendOK(t, w, "agent", 7, sec)
		// the retry stored nothing: every one of its events is stored already
		if !again.Duplicate || again.Stored != 0 || again.Duplicates != len(sec) || first.Stored != len(sec) {
			t.Fatalf("retry: %+v, first %+v", again, first)
		}
		if n := count(t, w, "SecurityEvent"); n != int64(len(sec)) {
			t.Fatalf("%d rows after retry, want %d", n, len(sec))
		}
	})
	t.Run("same events from another sender", func(t *testing.T) {
		s, _, _ := openTestStore(t, Options{})
		w := mustWorkspace(t, s, "ws")
		appendOK(t, w, "agent-a", 1, sec)
		res := appendOK(t, w, "agent-b", 1, sec)
		if res.Duplicate || res.Stored != 0 || res.Duplicates != len(sec) {
			t.Fatalf("second sender: %+v", res)
		}
		if n := count(t, w, "SecurityEvent"); n != int64(len(sec)) {
			t.Fatalf("%d rows, want %d", n, len(sec))
		}
	})
	t.Run("same record on another computer is a distinct event", func(t *testing.T) {
		// Two machines' Security logs share channel, record numbers and
		// (clock-synced) times; only Computer tells their events apart.
		s, _, _ := openTestStore(t, Options{})
		w := mustWorkspace(t, s, "ws")
		appendOK(t, w, "agent-a", 1, sec)
		other := make([]*event.Event, len(sec))
		for i, e := range sec {
			c := *e
			c.System.Computer = "OTHER-" + e.System.Computer
			other[i] = &c
		}
		res := appendOK(t, w, "agent-b", 1, other)
		if res.Stored != len(sec) || res.Duplicates != 0 {
			t.Fatalf("second computer: %+v, want %d stored", res, len(sec))
		}
		r := mustQuery(t, w, "SELECT count(*) FROM SecurityEvent WHERE starts_with(Computer, 'OTHER-')")
		if got := r.Rows[0][0].(int64); got != int64(len(sec)) {
			t.Fatalf("%d rows of the second computer, want %d", got, len(sec))
		}
	})
	t.Run("duplicates within one batch", func(t *testing.T) {
		s, _, _ := openTestStore(t, Options{})
		w := mustWorkspace(t, s, "ws")
		batch := append(append([]*event.Event{}, sec[:100]...), sec[:100]...)
		batch = append(batch, sec[50:150]...)
		res := appendOK(t, w, "agent", 1, batch)
		if res.Stored != 150 || res.Duplicates != 150 {
			t.Fatalf("result %+v, want 150 stored, 150 duplicates", res)
		}
		if n := count(t, w, "SecurityEvent"); n != 150 {
			t.Fatalf("%d rows, want 150", n)
		}
	})
	t.Run("old events imported twice, across a reopen", func(t *testing.T) {
		// The fixture's events are from 2019, years before the store's
		// clock: dedup must not depend on a recent time window, and must
		// survive a restart (the index is rebuilt from the database).
		s, _, dir := openTestStore(t, Options{})
		w := mustWorkspace(t, s, "ws")
		appendOK(t, w, "import-1", 1, sec)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(dir, Options{Now: s.opts.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		w2 := mustWorkspace(t, s2, "ws")
		res := appendOK(t, w2, "import-2", 1, sec)
		if res.Stored != 0 || res.Duplicates != len(sec) {
			t.Fatalf("second import: %+v", res)
		}
		res = appendOK(t, w2, "import-1", 1, sec)
		if !res.Duplicate || res.Stored != 0 || res.Duplicates != len(sec) {
			t.Fatalf("batch mark after reopen: %+v", res)
		}
	})
	t.Run("index smaller than the data", func(t *testing.T) {
		// Two days of events with room for a few keys only: days are
		// evicted and reloaded, and dedup stays exact.
		s, _, _ := openTestStore(t, Options{MaxDedupKeys: 10})
		w := mustWorkspace(t, s, "ws")
		day1 := synth(sec, 300, 1)
		day2 := synth(sec, 300, 1000)
		for _, e := range day2 {
			e.System.TimeCreated = e.System.TimeCreated.AddDate(0, 0, 3)
		}
		appendOK(t, w, "a", 1, day1)
		appendOK(t, w, "a", 2, day2)
		res := appendOK(t, w, "b", 1, append(append([]*event.Event{}, day2...), day1...))
		if res.Stored != 0 || res.Duplicates != 600 {
			t.Fatalf("re-send of both days: %+v", res)
		}
		if w.dedup.total > 600 {
			t.Errorf("index holds %d keys", w.dedup.total)
		}
	})
}

// TestAppendEventsAtomic: a batch that fails after its rows were appended
// leaves nothing behind, not even its mark, so the retry stores it whole.
func TestAppendEventsAtomic(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	sec, sys := securityEvents(t), sysmonEvents(t)
	batch := append(append([]*event.Event{}, sec...), sys...)
	boom := errors.New("disk on fire")
	w.testFailBeforeMark = func() error { return boom }
	if _, err := w.AppendEvents(context.Background(), "agent", 1, batch, "OpsManager"); !errors.Is(err, boom) {
		t.Fatalf("append: %v, want %v", err, boom)
	}
	w.testFailBeforeMark = nil
	for _, tbl := range []string{"SecurityEvent", "WindowsEvent", batchTable} {
		if n := count(t, w, tbl); n != 0 {
			t.Errorf("%s has %d rows after a failed batch", tbl, n)
		}
	}
	res := appendOK(t, w, "agent", 1, batch)
	if res.Duplicate || res.Stored != len(batch) {
		t.Fatalf("retry after failure: %+v", res)
	}
}

func TestAppendEventsLimits(t *testing.T) {
	s, _, _ := openTestStore(t, Options{MaxBatchEvents: 10})
	w := mustWorkspace(t, s, "ws")
	sec := securityEvents(t)
	if _, err := w.AppendEvents(context.Background(), "a", 1, sec[:11], "x"); !errors.Is(err, store.ErrLimit) {
		t.Errorf("11 events with a limit of 10: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.AppendEvents(ctx, "a", 2, sec[:5], "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if n := count(t, w, "SecurityEvent"); n != 0 {
		t.Errorf("%d rows stored by refused calls", n)
	}
	if _, err := w.AppendEvents(context.Background(), "a", 3, []*event.Event{nil}, "x"); err == nil {
		t.Error("nil event accepted")
	}
	for _, sender := range []string{"agent\xff", strings.Repeat("s", MaxSenderBytes+1)} {
		if _, err := w.AppendEvents(context.Background(), sender, 4, sec[:5], "x"); !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("sender %.20q: %v, want ErrInvalidName", sender, err)
		}
	}
	if n := count(t, w, "SecurityEvent"); n != 0 {
		t.Errorf("%d rows stored by refused calls", n)
	}
}

// TestAppendEventsConcurrentSenders: senders racing with overlapping
// events and retried batches (the committer groups them) store every
// distinct event exactly once, and the results add up.
func TestAppendEventsConcurrentSenders(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	sec := securityEvents(t)
	distinct := synth(sec, 3000, 1)
	const senders = 6
	type out struct {
		res store.AppendResult
		err error
	}
	results := make(chan out, senders*4)
	var wg sync.WaitGroup
	for p := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// each sender ships an overlapping window of the same log, in
			// batches, and sends its second batch twice
			lo := p * 300
			batches := [][]*event.Event{distinct[lo : lo+600], distinct[lo+600 : lo+1200], distinct[lo+600 : lo+1200]}
			for i, b := range batches {
				seq := uint64(min(i, 1))
				res, err := w.AppendEvents(context.Background(), fmt.Sprintf("s%d", p), seq, b, "x")
				results <- out{res, err}
			}
		}()
	}
	wg.Wait()
	close(results)
	stored, dupBatches := 0, 0
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.res.Duplicate {
			dupBatches++
			continue
		}
		stored += r.res.Stored
	}
	want := (senders-1)*300 + 1200
	if n := count(t, w, "SecurityEvent"); n != int64(want) || stored != want {
		t.Fatalf("%d rows, results say %d stored, want %d", n, stored, want)
	}
	if dupBatches != senders {
		t.Errorf("%d duplicate batches, want %d", dupBatches, senders)
	}
	r := mustQuery(t, w, "SELECT count(*) FROM (SELECT Computer, EventRecordID FROM SecurityEvent GROUP BY ALL HAVING count(*) > 1)")
	if r.Rows[0][0].(int64) != 0 {
		t.Errorf("%v events stored twice", r.Rows[0][0])
	}
}

// TestAppendEventsSameEventsRacing: many senders ship the very same events
// at the same moment; the writers' in-flight coordination stores each once.
func TestAppendEventsSameEventsRacing(t *testing.T) {
	for round := range 5 {
		s, _, _ := openTestStore(t, Options{Writers: 3})
		w := mustWorkspace(t, s, "ws")
		evs := synth(securityEvents(t), 500, uint64(round)*1000)
		var wg sync.WaitGroup
		var stored, dups atomicInt
		start := make(chan struct{})
		for p := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := w.AppendEvents(context.Background(), fmt.Sprintf("s%d", p), 1, evs, "x")
				if err != nil {
					t.Error(err)
					return
				}
				stored.add(res.Stored)
				dups.add(res.Duplicates)
			}()
		}
		close(start)
		wg.Wait()
		if n := count(t, w, "SecurityEvent"); n != 500 || stored.get() != 500 || dups.get() != 7*500 {
			t.Fatalf("round %d: %d rows, %d stored, %d duplicates", round, n, stored.get(), dups.get())
		}
	}
}

type atomicInt struct {
	mu sync.Mutex
	n  int
}

func (a *atomicInt) add(d int) { a.mu.Lock(); a.n += d; a.mu.Unlock() }
func (a *atomicInt) get() int  { a.mu.Lock(); defer a.mu.Unlock(); return a.n }

// TestAppendEventsOddEvents: events a hostile or broken source could send
// (no time, far future, no payload, thousands of fields, invalid UTF-8
// everywhere) are stored without refusing the batch, and read back as the
// mapper maps them.
func TestAppendEventsOddEvents(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	base := *securityEvents(t)[2]
	var odd []*event.Event
	mk := func(f func(e *event.Event)) {
		e := base
		e.Data = append([]event.Field(nil), base.Data...)
		e.System.EventRecordID = uint64(9000 + len(odd))
		f(&e)
		odd = append(odd, &e)
	}
	mk(func(e *event.Event) { e.System.TimeCreated = time.Time{} })
	mk(func(e *event.Event) { e.System.TimeCreated = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) })
	mk(func(e *event.Event) { e.Data, e.Section = nil, event.SectionNone })
	mk(func(e *event.Event) {
		for i := range 3000 {
			e.Data = append(e.Data, event.Field{Name: fmt.Sprintf("F%d", i), Value: strings.Repeat("v", i%50)})
		}
	})
	mk(func(e *event.Event) {
		e.System.Computer = "bad\xffhost"
		e.Data = append(e.Data, event.Field{Name: "Tar\xfegetUserName", Value: "\xc3\x28"}, event.Field{Name: "TargetUserName", Value: "x\xff"})
		e.Binary = "\xff"
	})
	res, err := w.AppendEvents(context.Background(), "odd", 1, odd, "OpsManager")
	if err != nil || res.Stored != len(odd) {
		t.Fatalf("append: %+v %v", res, err)
	}
	for _, e := range odd {
		compareRow(t, w, e)
	}
	if r := mustQuery(t, w, "SELECT count(*) FROM SecurityEvent WHERE EventRecordID IN (9000, 9001)"); r.Rows[0][0] != int64(2) {
		t.Errorf("odd times: %v", r.Rows)
	}
	res, err = w.AppendEvents(context.Background(), "odd", 2, odd, "x")
	if err != nil || res.Stored != 0 || res.Duplicates != len(odd) {
		t.Fatalf("again: %+v %v", res, err)
	}
}

// TestAppendEventsRecutBatch: a batch under a (sender, seq) already stored
// but with other events (a sender that cut it anew after losing its
// record of the first cut) is not taken for the first: its new events are
// stored, each event once.
func TestAppendEventsRecutBatch(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	evs := synth(securityEvents(t), 20, 1)
	ctx := context.Background()
	for i, step := range []struct {
		events []*event.Event
		want   store.AppendResult
	}{
		{evs[:10], store.AppendResult{Stored: 10}},
		{evs[:20], store.AppendResult{Stored: 10, Duplicates: 10}},      // re-cut: the 10 new ones kept
		{evs[:20], store.AppendResult{Duplicates: 20}},                  // its retry: no mark, every event a duplicate
		{evs[:10], store.AppendResult{Duplicates: 10, Duplicate: true}}, // the first cut again: its mark answers
	} {
		res, err := w.AppendEvents(ctx, "agent", 7, step.events, "OpsManager")
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !reflect.DeepEqual(res, step.want) {
			t.Errorf("step %d: %+v, want %+v", i, res, step.want)
		}
	}
	if n := count(t, w, "SecurityEvent"); n != 20 {
		t.Errorf("%d rows, want 20", n)
	}
}
