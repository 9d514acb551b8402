package wevtapi

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strconv"
	"testing"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/event"
	"wsec/internal/source"
	"wsec/internal/source/synthetic"
)

// fakeLog is a channel's event log: what Windows would render for each
// record, in record order.
type fakeLog struct {
	xml      [][]byte
	ids      []uint64
	failAt   map[int]error // the n-th Next call (across subscriptions) fails
	calls    int
	subs     []Options
	perNext  int
	subFails int // the next subFails Subscribe calls fail
}

type fakeSub struct {
	l    *fakeLog
	next int // index into l.xml
}

func (l *fakeLog) subscribe(o Options) (subscription, error) {
	l.subs = append(l.subs, o)
	if l.subFails > 0 {
		l.subFails--
		return nil, errors.New("the specified channel could not be found")
	}
	s := &fakeSub{l: l}
	if o.After != nil {
		// As Windows: start after the bookmarked record.
		for s.next < len(l.ids) && l.ids[s.next] <= o.After.RecordID {
			s.next++
		}
	}
	return s, nil
}

func (s *fakeSub) Next(ctx context.Context, dst [][]byte) ([][]byte, error) {
	s.l.calls++
	n := min(s.l.perNext, len(s.l.xml)-s.next)
	dst = append(dst, s.l.xml[s.next:s.next+n]...)
	s.next += n
	if err, ok := s.l.failAt[s.l.calls]; ok {
		return dst, err
	}
	if n == 0 {
		return dst, errDrained
	}
	return dst, nil
}

func (s *fakeSub) Close() error { return nil }

var errDrained = errors.New("test: log drained")

// syntheticLog renders n synthetic Security events the way the agent
// receives them from EvtRender: as event XML.
func syntheticLog(n int) (*fakeLog, []event.Event) {
	g := synthetic.New(synthetic.Options{Seed: 11})
	l := &fakeLog{perNext: 7, failAt: map[int]error{}}
	var want []event.Event
	for i := 0; len(want) < n; i++ {
		if synthetic.Channel(uint64(i)) != "Security" {
			continue
		}
		var e event.Event
		g.Event(uint64(i), &e)
		want = append(want, e)
		l.xml = append(l.xml, e.AppendXML(nil))
		l.ids = append(l.ids, e.System.EventRecordID)
	}
	return l, want
}

// readUntil reads s until the log is drained (the fake's errDrained makes
// the stream resubscribe; the test stops it there).
func readUntil(t *testing.T, s *Stream, after uint64, stopAfter int) ([]event.Event, []uint64, error) {
	t.Helper()
	var evs []event.Event
	var pos []uint64
	stop := errors.New("stop")
	err := s.Read(context.Background(), after, func(b source.Batch) error {
		for i, e := range b.Events {
			evs = append(evs, *e)
			pos = append(pos, b.Pos[i])
		}
		if len(evs) >= stopAfter {
			return stop
		}
		return nil
	})
	if err == stop {
		err = nil
	}
	return evs, pos, err
}

func TestStreamRendersAndResumes(t *testing.T) {
	l, want := syntheticLog(100)
	s := NewStream(StreamOptions{Channel: "Security", RetryMin: time.Microsecond, subscribe: l.subscribe})
	if s.Name() != "Security" {
		t.Errorf("name %q", s.Name())
	}
	got, pos, err := readUntil(t, s, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 {
		t.Fatalf("read %d events, want 100", len(got))
	}
	for i := range got {
		// The XML rendering path round-trips every field the agent ships.
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("event %d differs after rendering to XML and parsing:\n got %+v\nwant %+v", i, got[i], want[i])
		}
		if pos[i] != want[i].System.EventRecordID {
			t.Fatalf("event %d at position %d, want its record ID %d", i, pos[i], want[i].System.EventRecordID)
		}
	}
	if l.subs[0].After != nil {
		t.Errorf("first subscription from position 0 has a bookmark %+v", l.subs[0].After)
	}

	// From a stored position, the subscription starts after a bookmark of it.
	l.subs = nil
	got, _, err = readUntil(t, s, want[59].System.EventRecordID, 40)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 40 || got[0].System.EventRecordID != want[60].System.EventRecordID {
		t.Fatalf("resumed at record %d with %d events, want record %d", got[0].System.EventRecordID, len(got), want[60].System.EventRecordID)
	}
	if a := l.subs[0].After; a == nil || *a != (bookmark.Position{Channel: "Security", RecordID: want[59].System.EventRecordID}) {
		t.Errorf("bookmark %+v", a)
	}
}

func TestStreamSubscribesAgainAfterFailure(t *testing.T) {
	l, want := syntheticLog(50)
	l.subFails = 2                                  // the channel is not there yet, twice
	l.failAt[3] = errors.New("the log was cleared") // the third read fails after delivering its events
	s := NewStream(StreamOptions{Channel: "Security", RetryMin: time.Microsecond, RetryMax: time.Millisecond, subscribe: l.subscribe})
	got, _, err := readUntil(t, s, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 {
		t.Fatalf("read %d events, want 50", len(got))
	}
	for i := range got {
		if got[i].System.EventRecordID != want[i].System.EventRecordID {
			t.Fatalf("event %d: record %d, want %d (lost or repeated across the resubscription)", i, got[i].System.EventRecordID, want[i].System.EventRecordID)
		}
	}
	// Two failed attempts, one that failed on read, then the one that finished.
	if len(l.subs) < 4 || s.Failures.Load() < 3 {
		t.Fatalf("%d subscriptions, %d failures", len(l.subs), s.Failures.Load())
	}
	resumed := l.subs[3].After
	if resumed == nil || resumed.RecordID != want[20].System.EventRecordID {
		t.Errorf("after the failed read the stream resubscribed after %+v, want record %d (the last delivered)", resumed, want[20].System.EventRecordID)
	}
}

func TestStreamSkipsWhatWindowsRepeats(t *testing.T) {
	// A bookmark whose record was gone makes Windows start at the oldest
	// record: the stream drops what it already delivered.
	l, want := syntheticLog(30)
	sub := func(o Options) (subscription, error) { o.After = nil; return l.subscribe(o) }
	s := NewStream(StreamOptions{Channel: "Security", RetryMin: time.Microsecond, subscribe: sub})
	got, _, err := readUntil(t, s, want[9].System.EventRecordID, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 || got[0].System.EventRecordID != want[10].System.EventRecordID || s.Duplicates.Load() != 10 {
		t.Errorf("got %d events from record %d, %d duplicates skipped", len(got), got[0].System.EventRecordID, s.Duplicates.Load())
	}
}

func TestStreamMovesPastUnparsableEvents(t *testing.T) {
	l, want := syntheticLog(10)
	l.xml[4] = []byte(`<Event><System><EventID>oops</EventID><EventRecordID>` +
		itoa(want[4].System.EventRecordID) + `</EventRecordID></System></Event>`)
	s := NewStream(StreamOptions{Channel: "Security", RetryMin: time.Microsecond, subscribe: l.subscribe})
	var throughs []uint64
	var n int
	stop := errors.New("stop")
	s.Read(context.Background(), 0, func(b source.Batch) error {
		n += len(b.Events)
		throughs = append(throughs, b.Through)
		if b.Through >= want[9].System.EventRecordID {
			return stop
		}
		return nil
	})
	if n != 9 || s.Unparsed.Load() != 1 {
		t.Errorf("%d events, %d unparsed; want 9 and 1", n, s.Unparsed.Load())
	}
	if throughs[len(throughs)-1] != want[9].System.EventRecordID {
		t.Errorf("through %v", throughs)
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func TestStreamUnsupportedOffWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("live subscription is exercised on Windows hosts")
	}
	err := NewStream(StreamOptions{Channel: "Security"}).Read(context.Background(), 0, func(source.Batch) error { return nil })
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("Read off Windows: %v, want ErrUnsupported", err)
	}
}
