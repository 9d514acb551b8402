package wevtapi_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/event"
	"wsec/internal/source"
	"wsec/internal/source/synthetic"
	"wsec/internal/source/wevtapi"
	"wsec/internal/source/wevtapi/evtsim"
)

// securityEvents returns n synthetic Security events (a realistic mix) with
// EventRecordID 0, so the simulated log numbers them as its own.
func securityEvents(seed uint64, n int) []event.Event {
	g := synthetic.New(synthetic.Options{Seed: seed})
	var out []event.Event
	for i := uint64(0); len(out) < n; i++ {
		if synthetic.Channel(i) != "Security" {
			continue
		}
		var e event.Event
		g.Event(i, &e)
		e.System.EventRecordID = 0
		out = append(out, e)
	}
	return out
}

func writeAll(c *evtsim.Channel, evs []event.Event) {
	for _, e := range evs {
		c.Write(e)
	}
}

// read is what a Read delivered.
type read struct {
	evs []event.Event
	pos []uint64
	thr uint64
}

var errEnough = errors.New("test: enough")

// readN reads s after `after` until n events came (the stream never ends
// by itself), checking the source.Stream promises on the way.
func readN(t *testing.T, s *wevtapi.Stream, after uint64, n int) read {
	t.Helper()
	var r read
	if n == 0 {
		return r
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.Read(ctx, after, func(b source.Batch) error {
		if len(b.Events) != len(b.Pos) || b.Through < b.Last() {
			t.Fatalf("batch of %d events, %d positions, through %d", len(b.Events), len(b.Pos), b.Through)
		}
		for i, e := range b.Events {
			if last := max(after, r.thr, lastOf(r.pos)); b.Pos[i] <= last {
				t.Fatalf("position %d after %d", b.Pos[i], last)
			}
			r.evs = append(r.evs, *e)
			r.pos = append(r.pos, b.Pos[i])
		}
		r.thr = b.Through
		if len(r.evs) >= n {
			return errEnough
		}
		return nil
	})
	if err != errEnough {
		t.Fatalf("Read = %v after %d of %d events", err, len(r.evs), n)
	}
	return r
}

func lastOf(p []uint64) uint64 {
	if len(p) == 0 {
		return 0
	}
	return p[len(p)-1]
}

func newStream(l wevtapi.EventLog, ch string, m *wevtapi.Metrics, o ...func(*wevtapi.StreamOptions)) *wevtapi.Stream {
	so := wevtapi.StreamOptions{Channel: ch, Log: l, Metrics: m, RetryMin: time.Millisecond, RetryMax: 10 * time.Millisecond, Wait: 20 * time.Millisecond}
	for _, f := range o {
		f(&so)
	}
	return wevtapi.NewStream(so)
}

// wantEvents checks got against want by value, in order.
func wantEvents(t *testing.T, got []event.Event, want ...[]event.Event) {
	t.Helper()
	all := slices.Concat(want...)
	if len(got) != len(all) {
		t.Fatalf("read %d events, want %d", len(got), len(all))
	}
	for i := range all {
		w := all[i]
		if got[i].System.EventRecordID != w.System.EventRecordID && w.System.EventRecordID != 0 {
			t.Fatalf("event %d has EventRecordID %d, want %d", i, got[i].System.EventRecordID, w.System.EventRecordID)
		}
		w.System.EventRecordID, w.System.Channel = got[i].System.EventRecordID, got[i].System.Channel
		if !reflect.DeepEqual(got[i], w) {
			t.Fatalf("event %d differs after rendering to XML and parsing:\n got %+v\nwant %+v", i, got[i], w)
		}
	}
}

func TestResumeFromBookmarkAndRoundTrip(t *testing.T) {
	l := evtsim.New()
	c := l.Channel("Security")
	evs := securityEvents(1, 120)
	writeAll(c, evs)
	s := newStream(l, "Security", nil, func(o *wevtapi.StreamOptions) { o.BatchSize = 7 })
	r := readN(t, s, 0, 120)
	wantEvents(t, r.evs, evs)
	for i, p := range r.pos {
		if p != uint64(i+1) {
			t.Fatalf("event %d at position %d, want its record number %d", i, p, i+1)
		}
	}
	// From a stored position: after that record.
	r = readN(t, s, 60, 60)
	wantEvents(t, r.evs, evs[60:])
	// One more to check the furthest record read is still there (no clear).
	if got := c.Stats().Subscribes; got != 3 {
		t.Errorf("%d subscriptions, want 3", got)
	}
	if n := l.OpenHandles(); n != 0 {
		t.Errorf("%d event handles left open", n)
	}
}

// TestForwardedEventsPositionsAreLocalRecords: ForwardedEvents holds three
// hosts' events with interleaved EventRecordIDs; positions are the local
// record numbers, so none is dropped and a resume starts at the right one.
func TestForwardedEventsPositionsAreLocalRecords(t *testing.T) {
	l := evtsim.New()
	c := l.Channel("ForwardedEvents")
	evs := securityEvents(2, 90)
	hosts := []struct {
		name string
		next uint64
	}{{"DC01.corp.example", 9_796_981}, {"FS02.corp.example", 12}, {"SQL03.corp.example", 2_073_458}}
	for i := range evs {
		h := &hosts[(i*7+i/5)%3]
		evs[i].System.Computer, evs[i].System.EventRecordID = h.name, h.next
		h.next += uint64(1 + i%4)
	}
	writeAll(c, evs)
	s := newStream(l, "ForwardedEvents", nil)
	r := readN(t, s, 0, 90)
	wantEvents(t, r.evs, evs)
	r = readN(t, s, 45, 45)
	wantEvents(t, r.evs, evs[45:])
}

func TestClearWhileRunning(t *testing.T) {
	for _, stale := range []bool{false, true} {
		t.Run(map[bool]string{false: "subscription goes on", true: "subscription goes stale"}[stale], func(t *testing.T) {
			l := evtsim.New()
			c := l.Channel("Security")
			c.StaleOnClear = stale
			before, after := securityEvents(3, 40), securityEvents(4, 25)
			writeAll(c, before)
			m := wevtapi.NewMetrics()
			s := newStream(l, "Security", m)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			got := make(chan read, 1)
			go func() {
				var r read
				s.Read(ctx, 0, func(b source.Batch) error {
					for i, e := range b.Events {
						r.evs, r.pos = append(r.evs, *e), append(r.pos, b.Pos[i])
					}
					if len(r.evs) == 40 {
						c.Clear() // the attacker's 1102 and what follows come next
						writeAll(c, after)
					}
					if len(r.evs) == 65 {
						got <- r
						cancel()
					}
					return nil
				})
			}()
			var r read
			select {
			case r = <-got:
			case <-time.After(time.Minute):
				t.Fatal("the events written after the clear never came")
			}
			wantEvents(t, r.evs, before, after)
			if !slices.IsSorted(r.pos) || r.pos[40] <= r.pos[39] {
				t.Errorf("positions do not increase across the clear: %d then %d", r.pos[39], r.pos[40])
			}
			if v := counter(t, m, "wsec_agent_eventlog_resets_total"); v != 1 {
				t.Errorf("resets = %v, want 1", v)
			}
		})
	}
}

// TestClearWhileStopped: the stored position is in the old generation;
// the bookmarked record is gone (whichever of the three errors Windows
// answers) and the oldest record is below it, so the log was cleared:
// everything now in it comes, at positions above.
func TestClearWhileStopped(t *testing.T) {
	for _, gone := range []error{wevtapi.ErrNotFound, wevtapi.ErrQueryResultStale, wevtapi.ErrInvalidPosition} {
		t.Run(gone.Error(), func(t *testing.T) { clearWhileStopped(t, gone) })
	}
}

func clearWhileStopped(t *testing.T, gone error) {
	l := evtsim.New()
	c := l.Channel("Security")
	c.GoneErr = gone
	writeAll(c, securityEvents(5, 50))
	m := wevtapi.NewMetrics()
	r := readN(t, newStream(l, "Security", m), 0, 50)
	stored := r.pos[49]
	c.Clear()
	after := securityEvents(6, 30)
	writeAll(c, after)
	r = readN(t, newStream(l, "Security", m), stored, 30)
	wantEvents(t, r.evs, after)
	if r.pos[0] <= stored {
		t.Errorf("first position after the clear %d, not above %d", r.pos[0], stored)
	}
	if v := counter(t, m, "wsec_agent_eventlog_resets_total"); v != 1 {
		t.Errorf("resets = %v, want 1", v)
	}
	// A clear leaving an empty log is a clear too.
	c.Clear()
	stored = r.pos[29]
	c.OnIdle = func() { writeAll(c, after[:3]) }
	if r = readN(t, newStream(l, "Security", m), stored, 3); r.pos[0] <= stored {
		t.Errorf("position %d after an empty clear, not above %d", r.pos[0], stored)
	}
	if v := counter(t, m, "wsec_agent_eventlog_resets_total"); v != 2 {
		t.Errorf("resets = %v, want 2", v)
	}
}

// TestWrapWhileStopped: a circular log overwrote records after the stored
// position: the rest comes, and the gap is counted and logged.
func TestWrapWhileStopped(t *testing.T) {
	for _, gone := range []error{wevtapi.ErrNotFound, wevtapi.ErrQueryResultStale, wevtapi.ErrInvalidPosition} {
		t.Run(gone.Error(), func(t *testing.T) { wrapWhileStopped(t, gone) })
	}
}

func wrapWhileStopped(t *testing.T, gone error) {
	l := evtsim.New()
	c := l.Channel("Security")
	c.GoneErr = gone
	c.MaxRecords = 50
	evs := securityEvents(7, 110)
	writeAll(c, evs[:30])
	m := wevtapi.NewMetrics()
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	readN(t, newStream(l, "Security", m), 0, 30)
	writeAll(c, evs[30:]) // records 31-110; the log keeps 61-110
	r := readN(t, newStream(l, "Security", m, func(o *wevtapi.StreamOptions) { o.Logger = logger }), 30, 50)
	wantEvents(t, r.evs, evs[60:])
	if r.pos[0] != 61 {
		t.Errorf("resumed at position %d, want record 61", r.pos[0])
	}
	if v := counter(t, m, "wsec_agent_eventlog_lost_records_total"); v != 30 {
		t.Errorf("lost records = %v, want 30", v)
	}
	if !strings.Contains(logged.String(), "lost_records=30") || !strings.Contains(logged.String(), "first_lost=31") {
		t.Errorf("the gap was not logged: %s", logged.String())
	}
}

// TestLargeEventsHalveTheBatch: EvtNext refuses batches whose events are
// too large for one RPC (1734): the batch halves until it passes, down to
// one event, and grows back.
func TestLargeEventsHalveTheBatch(t *testing.T) {
	l := evtsim.New()
	c := l.Channel("Security")
	evs := securityEvents(8, 60)
	for i := 20; i < 30; i++ {
		evs[i].Data = append(evs[i].Data, event.Field{Name: "ScriptBlockText", Value: strings.Repeat("x", 40_000)})
	}
	writeAll(c, evs)
	c.MaxBatchBytes = 64 << 10 // one large event fits, two do not
	m := wevtapi.NewMetrics()
	r := readN(t, newStream(l, "Security", m, func(o *wevtapi.StreamOptions) { o.BatchSize = 16 }), 0, 60)
	wantEvents(t, r.evs, evs)
	sizes := c.Stats().NextSizes
	if !slices.Contains(sizes, 1) || counter(t, m, "wsec_agent_eventlog_batch_shrinks_total") == 0 {
		t.Errorf("batch sizes %v: never halved down to 1", sizes)
	}
	if sizes[len(sizes)-1] != 16 {
		t.Errorf("batch sizes %v: did not grow back to 16", sizes)
	}
	if len(sizes) > 60 {
		t.Errorf("%d EvtNext calls for 60 events: %v", len(sizes), sizes)
	}
}

// TestIdleChannelWaitsWithoutResubscribing: ERROR_INVALID_OPERATION (and
// ERROR_TIMEOUT) with no events mean "nothing to read": the stream waits
// on the signal and a new event comes at once, on the same subscription.
func TestIdleChannelWaitsWithoutResubscribing(t *testing.T) {
	for _, idle := range []error{wevtapi.ErrInvalidOperation, wevtapi.ErrTimeout, wevtapi.ErrNoMoreItems} {
		t.Run(idle.Error(), func(t *testing.T) {
			l := evtsim.New()
			c := l.Channel("Microsoft-Windows-AppLocker/EXE and DLL")
			c.IdleErr = idle
			m := wevtapi.NewMetrics()
			// Minutes of backoff and a long wait: only the signal can
			// deliver the event within the test's minute.
			s := newStream(l, c.Name(), m, func(o *wevtapi.StreamOptions) {
				o.RetryMin, o.RetryMax, o.Wait = 5*time.Minute, 5*time.Minute, 5*time.Minute
			})
			evs := securityEvents(9, 2)
			written := 0
			c.OnIdle = func() { // each event comes while the stream waits
				if written < len(evs) {
					c.Write(evs[written])
					written++
				}
			}
			r := readN(t, s, 0, 2)
			wantEvents(t, r.evs, evs)
			if st := c.Stats(); st.Subscribes != 1 || counter(t, m, "wsec_agent_eventlog_subscription_failures_total") != 0 {
				t.Errorf("%d subscriptions, %v failures: want 1 and 0", st.Subscribes, counter(t, m, "wsec_agent_eventlog_subscription_failures_total"))
			}
		})
	}
}

// TestRenderFailures: an event that fails to render is retried, and
// skipped (counted, logged with its record number) when it keeps failing;
// the subscription goes on.
func TestRenderFailures(t *testing.T) {
	l := evtsim.New()
	c := l.Channel("Security")
	evs := securityEvents(10, 20)
	writeAll(c, evs)
	c.FailRender(5, 2)  // recovers on the third attempt
	c.FailRender(9, -1) // never renders
	m := wevtapi.NewMetrics()
	var logged strings.Builder
	s := newStream(l, "Security", m, func(o *wevtapi.StreamOptions) { o.Logger = slog.New(slog.NewTextHandler(&logged, nil)) })
	r := readN(t, s, 0, 19)
	wantEvents(t, r.evs, evs[:8], evs[9:])
	if slices.Contains(r.pos, 9) || r.pos[8] != 10 {
		t.Errorf("positions %v", r.pos)
	}
	if v := counter(t, m, "wsec_agent_eventlog_skipped_events_total"); v != 1 || c.Stats().Subscribes != 1 {
		t.Errorf("%v skipped, %d subscriptions; want 1 and 1", v, c.Stats().Subscribes)
	}
	if !strings.Contains(logged.String(), "record=9") {
		t.Errorf("the skipped event's record number was not logged: %s", logged.String())
	}
}

// TestMissingChannelIsRetried: a channel that does not exist yet is
// subscribed again with backoff until it appears.
func TestMissingChannelIsRetried(t *testing.T) {
	l := evtsim.New()
	m := wevtapi.NewMetrics()
	s := newStream(l, "Microsoft-Windows-AppLocker/MSI and Script", m)
	evs := securityEvents(11, 3)
	l.OnMissing = func(ch string) { writeAll(l.Channel(ch), evs) } // it appears after the first attempt
	r := readN(t, s, 0, 3)
	wantEvents(t, r.evs, evs)
	if counter(t, m, "wsec_agent_eventlog_subscription_failures_total") == 0 {
		t.Error("the missing channel was not counted as a failure")
	}
}

// TestRewindAcrossAClear: read again from a position before a clear the
// stream saw while running (the agent rewinds to its durable positions,
// which may lag): the current generation is read from its start, never
// resumed from the old position's record number, which the new generation
// has reused.
func TestRewindAcrossAClear(t *testing.T) {
	l := evtsim.New()
	c := l.Channel("Security")
	before, after := securityEvents(12, 30), securityEvents(13, 40) // more records than the old position
	writeAll(c, before)
	s := newStream(l, "Security", nil)
	var pos []uint64
	s.Read(context.Background(), 0, func(b source.Batch) error {
		pos = append(pos, b.Pos...)
		if len(pos) == 30 {
			c.Clear()
			writeAll(c, after)
		}
		if len(pos) == 70 {
			return errEnough
		}
		return nil
	})
	r := readN(t, s, pos[19], 40)
	wantEvents(t, r.evs, after)
	if !reflect.DeepEqual(r.pos, pos[30:]) {
		t.Errorf("re-read positions %v, want %v", r.pos, pos[30:])
	}
}

func TestUnsupportedOffWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the host's event log is exercised on Windows hosts (docs/windows-smoke-test.md)")
	}
	err := wevtapi.NewStream(wevtapi.StreamOptions{Channel: "Security"}).Read(context.Background(), 0, func(source.Batch) error { return nil })
	if !errors.Is(err, wevtapi.ErrUnsupported) {
		t.Errorf("Read off Windows: %v, want ErrUnsupported", err)
	}
}

// counter sums a metric's samples over its labels.
func counter(t *testing.T, m *wevtapi.Metrics, name string) float64 {
	t.Helper()
	r := prometheus.NewRegistry()
	for _, c := range m.Collectors() {
		r.MustRegister(c)
	}
	fams, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range fams {
		if f.GetName() == name {
			for _, mm := range f.GetMetric() {
				sum += mm.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestHeldTellsAClearFromALaggingPosition: after a restart the agent
// resumes at a lagging destination's position (record 10), which a log
// cleared meanwhile has reused; the position a destination holds (record
// 50, gone) tells the clear, so all of the new log comes, at new positions.
func TestHeldTellsAClearFromALaggingPosition(t *testing.T) {
	l := evtsim.New()
	c := l.Channel("Security")
	writeAll(c, securityEvents(14, 50))
	first := readN(t, newStream(l, "Security", nil), 0, 50)
	c.Clear()
	after := securityEvents(15, 20)
	writeAll(c, after)
	s := newStream(l, "Security", nil)
	s.Held(first.pos[49])
	r := readN(t, s, first.pos[9], 20)
	wantEvents(t, r.evs, after)
	if r.pos[0] <= first.pos[49] {
		t.Errorf("first position after the clear %d, not above the held %d", r.pos[0], first.pos[49])
	}
}

// TestInvalidQueryIsAConfigurationError: a query Windows refuses
// (ERROR_EVT_INVALID_QUERY, 15001) ends Read with source.ErrConfig
// instead of subscribing again forever: no attempt can succeed.
func TestInvalidQueryIsAConfigurationError(t *testing.T) {
	l := evtsim.New()
	writeAll(l.Channel("Security"), securityEvents(21, 3))
	m := wevtapi.NewMetrics()
	// evtsim refuses every query but "*", as Windows refuses one its XPath
	// subset lacks although the agent's check at load accepted it.
	query := "*[System[EventID=4624]]"
	s := newStream(l, "Security", m, func(o *wevtapi.StreamOptions) { o.Query = query })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.Read(ctx, 0, func(source.Batch) error { return nil })
	if !errors.Is(err, source.ErrConfig) || !errors.Is(err, wevtapi.ErrInvalidQuery) {
		t.Fatalf("Read = %v, want a configuration error wrapping ERROR_EVT_INVALID_QUERY", err)
	}
	if !strings.Contains(err.Error(), query) || !strings.Contains(err.Error(), "Security") {
		t.Errorf("error %q names neither the query nor the channel", err)
	}
	if n := counter(t, m, "wsec_agent_eventlog_subscription_failures_total"); n != 0 {
		t.Errorf("the refused query was retried %v times", n)
	}
}
