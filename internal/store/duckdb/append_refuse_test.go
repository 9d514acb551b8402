package duckdb

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

// TestAppendEventsRefusesEventWithoutSystem: an event with no System block
// (a native batch line `null`, or an object without System) has no
// identity; it is refused with a reason, the rest of the batch is stored,
// and a second, different such event is refused too instead of being
// taken for a duplicate of an empty row (issue 9.3).
func TestAppendEventsRefusesEventWithoutSystem(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	sec := securityEvents(t)[:20]
	var null, noSystem event.Event
	if err := json.Unmarshal([]byte(`null`), &null); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"EventData":{"TargetUserName":"alice"}}`), &noSystem); err != nil {
		t.Fatal(err)
	}
	batch := append([]*event.Event{&null}, sec[:10]...)
	batch = append(batch, &noSystem)
	batch = append(batch, sec[10:]...)
	res := appendOK(t, w, "agent", 1, batch)
	if res.Stored != len(sec) || res.Duplicates != 0 || len(res.Rejected) != 2 {
		t.Fatalf("result %+v, want %d stored and 2 rejected", res, len(sec))
	}
	for i, want := range []int{0, 11} {
		if rj := res.Rejected[i]; rj.Index != want || !strings.Contains(rj.Reason, "no System") {
			t.Errorf("rejection %d: %+v, want event %d refused for having no System block", i, rj, want)
		}
	}
	if n := count(t, w, "SecurityEvent") + count(t, w, "WindowsEvent"); n != int64(len(sec)) {
		t.Errorf("%d rows, want %d (no empty row)", n, len(sec))
	}
	// its retry is a duplicate batch, and says the same of the same events
	again := appendOK(t, w, "agent", 1, batch)
	if !again.Duplicate || again.Stored != 0 || again.Duplicates != len(sec) || len(again.Rejected) != 2 {
		t.Errorf("retry: %+v", again)
	}
	// another such event, alone in a batch, is refused, not a "duplicate"
	other := appendOK(t, w, "agent", 2, []*event.Event{&noSystem})
	if other.Stored != 0 || other.Duplicates != 0 || len(other.Rejected) != 1 {
		t.Errorf("lone event without System: %+v", other)
	}
}

// TestAppendEventsKeepsTimesOutsideNanoseconds: TimeCreated outside
// 1677-2262 (the range of int64 Unix nanoseconds) is stored as Windows wrote
// it, and deduplicated by it; a time no datetime can hold is refused with a
// reason (issue 9.2).
func TestAppendEventsKeepsTimesOutsideNanoseconds(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	base := securityEvents(t)[0]
	times := []time.Time{
		time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), // FILETIME 0
		time.Date(3000, 1, 1, 12, 30, 0, 1234500, time.UTC),
		{}, // 0001-01-01
		time.Date(1677, 9, 21, 0, 12, 43, 145224100, time.UTC),  // just before the int64 ns range
		time.Date(2262, 4, 11, 23, 47, 16, 854775900, time.UTC), // just after it
		time.Date(2019, 3, 19, 23, 40, 1, 123456700, time.UTC),
	}
	var batch []*event.Event
	for i, tc := range times {
		e := *base
		e.System.EventRecordID = uint64(1000 + i)
		e.System.TimeCreated = tc
		batch = append(batch, &e)
	}
	tooLate := *base
	tooLate.System.EventRecordID = 2000
	tooLate.System.TimeCreated = time.Date(30828, 9, 14, 2, 48, 5, 0, time.UTC)
	batch = append(batch, &tooLate)
	res := appendOK(t, w, "agent", 1, batch)
	if res.Stored != len(times) || len(res.Rejected) != 1 || res.Rejected[0].Index != len(times) ||
		!strings.Contains(res.Rejected[0].Reason, "TimeCreated") {
		t.Fatalf("result %+v", res)
	}
	r := mustQuery(t, w, "SELECT EventRecordID, TimeGenerated FROM SecurityEvent ORDER BY EventRecordID")
	if len(r.Rows) != len(times) {
		t.Fatalf("%d rows, want %d", len(r.Rows), len(times))
	}
	for i, row := range r.Rows {
		got, _ := row[1].(time.Time)
		if want := times[i].Truncate(time.Microsecond); !got.Equal(want) {
			t.Errorf("event %v: TimeGenerated %s, Windows wrote %s", row[0], got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	}
	// The same events again, from another sender: each a duplicate of its
	// own, none taken for another's.
	again := appendOK(t, w, "other", 1, batch[:len(times)])
	if again.Stored != 0 || again.Duplicates != len(times) {
		t.Errorf("second sender: %+v", again)
	}
	shifted := make([]*event.Event, len(times))
	for i, e := range batch[:len(times)] {
		c := *e
		c.System.TimeCreated = c.System.TimeCreated.Add(100 * time.Nanosecond)
		shifted[i] = &c
	}
	if res := appendOK(t, w, "other", 2, shifted); res.Stored != len(times) {
		t.Errorf("the same events 100 ns later are other events: %+v", res)
	}
}
