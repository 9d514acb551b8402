package agent

import (
	"context"
	"errors"
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

// These tests run the real agent — eventlog streams, spool, shipper, bookmarks
// — against a simulated Windows event log (package evtsim) and a workspace,
// through what breaks collectors on real servers, and end with every event
// Windows still had stored exactly once.

// liveLog writes synthetic Security events into simulated channels and
// remembers what a workspace must end up holding.
type liveLog struct {
	*evtsim.Log
	g    *synthetic.Generator
	n    uint64
	want map[event.Key]bool
}

func newLiveLog() *liveLog {
	return &liveLog{Log: evtsim.New(), g: synthetic.New(synthetic.Options{Seed: 17}), want: map[event.Key]bool{}}
}

// next returns the next synthetic Security event with a time of its own
// (a cleared log reuses record numbers; the workspace tells events apart
// by time too).
func (l *liveLog) next() event.Event {
	var e event.Event
	for {
		l.g.Event(l.n, &e)
		l.n++
		if synthetic.Channel(l.n-1) == "Security" {
			break
		}
	}
	e.System.EventRecordID = 0
	e.System.TimeCreated = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(l.n) * time.Millisecond)
	return e
}

// write appends n events to channel c; kept says whether Windows still
// has them when the agent reads (false: cleared before it could).
func (l *liveLog) write(c *evtsim.Channel, n int, kept bool, edit ...func(i int, e *event.Event)) {
	for i := range n {
		e := l.next()
		for _, f := range edit {
			f(i, &e)
		}
		rec := c.Write(e)
		if e.System.EventRecordID == 0 {
			e.System.EventRecordID = rec
		}
		e.System.Channel = c.Name()
		if kept {
			l.want[e.Key()] = true
		}
	}
}

// forget drops channel c's events whose local records Windows no longer
// has (overwritten) or cannot render. Only for channels whose events
// carry their local record numbers.
func (l *liveLog) forget(c *evtsim.Channel, first, last uint64) {
	for k := range l.want {
		if k.Channel == c.Name() && k.EventRecordID >= first && k.EventRecordID <= last {
			delete(l.want, k)
		}
	}
}

type liveAgent struct {
	t      *testing.T
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
}

func liveConfig(t *testing.T, w *fakeWorkspace, channels ...string) *Config {
	d := destTo("w", w, "All")
	d.XPathQueries = []string{"ForwardedEvents!*"}
	return &Config{
		AgentID: "agent-live", DataDir: t.TempDir(), Computer: "SRV-DC01",
		Sources:          []SourceConfig{{Kind: KindEventLog, Channels: channels}},
		Destinations:     []DestinationConfig{d},
		FlushInterval:    Duration(20 * time.Millisecond),
		StatusInterval:   Duration(50 * time.Millisecond),
		BookmarkInterval: Duration(20 * time.Millisecond),
	}
}

func startLive(t *testing.T, c *Config, l *liveLog) *liveAgent {
	a := &liveAgent{t: t, reg: prometheus.NewRegistry(), done: make(chan error, 1)}
	var ctx context.Context
	ctx, a.cancel = context.WithCancel(context.Background())
	go func() {
		a.done <- Run(ctx, Options{Config: c, Logger: testLogger(t), Registry: a.reg, EventLog: l.Log})
	}()
	return a
}

func (a *liveAgent) stop() {
	a.t.Helper()
	a.cancel()
	if err := <-a.done; err != nil {
		a.t.Fatal(err)
	}
}

// metric sums a metric's samples over its labels.
func (a *liveAgent) metric(name string) float64 {
	a.t.Helper()
	fams, err := a.reg.Gather()
	if err != nil {
		a.t.Fatal(err)
	}
	var sum float64
	for _, f := range fams {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// checkExactlyOnce waits until w holds as many events as l wants, then
// checks it holds exactly those, each once.
func checkExactlyOnce(t *testing.T, w *fakeWorkspace, l *liveLog) {
	t.Helper()
	w.waitCount(t, len(l.want), time.Minute)
	w.mu.Lock()
	defer w.mu.Unlock()
	lost, extra := 0, 0
	for k := range l.want {
		if w.stored[k] == 0 {
			lost++
		}
	}
	for k, n := range w.stored {
		if !l.want[k] {
			extra++
		}
		if n != 1 {
			t.Errorf("event %+v stored %d times", k, n)
		}
	}
	if lost != 0 || extra != 0 || w.dupEvents != 0 || w.refused != 0 {
		t.Errorf("workspace holds %d events, want %d: %d lost, %d unexpected, %d sent twice, %d requests refused (%s)",
			len(w.stored), len(l.want), lost, extra, w.dupEvents, w.refused, w.lastRefuse)
	}
}

// TestLiveClearWhileRunningAndStopped: an attacker clears the Security log
// while the agent runs, and again while it is stopped. Every event after a
// clear is shipped (before, all were dropped as "duplicates" of the old
// record numbers by the stream, the fanout and the bookmark).
func TestLiveClearWhileRunningAndStopped(t *testing.T) {
	w := newFakeWorkspace(t)
	l := newLiveLog()
	sec := l.Channel("Security")
	c := liveConfig(t, w, "Security")
	a := startLive(t, c, l)
	l.write(sec, 40, true)
	checkExactlyOnce(t, w, l)
	sec.Clear()
	l.write(sec, 25, true)
	checkExactlyOnce(t, w, l)
	if v := a.metric("wsec_agent_eventlog_resets_total"); v != 1 {
		t.Errorf("resets while running = %v, want 1", v)
	}
	a.stop()

	l.write(sec, 10, false) // written while the agent is stopped, then cleared away
	sec.Clear()
	l.write(sec, 15, true)
	a = startLive(t, c, l)
	checkExactlyOnce(t, w, l)
	l.write(sec, 5, true)
	checkExactlyOnce(t, w, l)
	if v := a.metric("wsec_agent_eventlog_resets_total"); v != 1 {
		t.Errorf("resets found at start = %v, want 1", v)
	}
	a.stop()
}

// TestLiveWrapWhileStopped: a circular log overwrites records the stopped
// agent had not read: the rest is shipped and the gap is counted.
func TestLiveWrapWhileStopped(t *testing.T) {
	w := newFakeWorkspace(t)
	l := newLiveLog()
	sec := l.Channel("Security")
	sec.MaxRecords = 50
	c := liveConfig(t, w, "Security")
	a := startLive(t, c, l)
	l.write(sec, 30, true)
	checkExactlyOnce(t, w, l)
	a.stop()
	l.write(sec, 60, true) // records 31-90; the log keeps 41-90
	l.forget(sec, 31, 40)
	a = startLive(t, c, l)
	checkExactlyOnce(t, w, l)
	if v := a.metric("wsec_agent_eventlog_lost_records_total"); v != 10 {
		t.Errorf("lost records = %v, want 10", v)
	}
	a.stop()
}

// TestLiveForwardedEvents: ForwardedEvents holds events of three hosts
// whose EventRecordIDs interleave; all are shipped, across a restart.
func TestLiveForwardedEvents(t *testing.T) {
	w := newFakeWorkspace(t)
	l := newLiveLog()
	fwd := l.Channel("ForwardedEvents")
	next := map[string]uint64{"DC01.corp.example": 9_796_981, "FS02.corp.example": 12, "SQL03.corp.example": 2_073_458}
	hosts := []string{"DC01.corp.example", "FS02.corp.example", "SQL03.corp.example"}
	forwarded := func(i int, e *event.Event) {
		h := hosts[(i*7+i/5)%3]
		e.System.Computer, e.System.EventRecordID = h, next[h]
		next[h] += uint64(1 + i%4)
	}
	c := liveConfig(t, w, "ForwardedEvents", "Security")
	l.Channel("Security")
	a := startLive(t, c, l)
	l.write(fwd, 60, true, forwarded)
	checkExactlyOnce(t, w, l)
	a.stop()
	l.write(fwd, 45, true, forwarded)
	a = startLive(t, c, l)
	checkExactlyOnce(t, w, l)
	a.stop()
}

// TestLiveLargeIdleBrokenAndMissingChannels: large events make EvtNext
// refuse batches (1734), an idle AppLocker channel answers 4317, one event
// never renders, and one configured channel does not exist: everything
// else is shipped, without resubscribing the idle channel.
func TestLiveLargeIdleBrokenAndMissingChannels(t *testing.T) {
	w := newFakeWorkspace(t)
	l := newLiveLog()
	sec := l.Channel("Security")
	sec.MaxBatchBytes = 64 << 10
	exe := l.Channel("Microsoft-Windows-AppLocker/EXE and DLL")
	exe.IdleErr = wevtapi.ErrInvalidOperation
	c := liveConfig(t, w, "Security", "Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker/Packaged app-Execution")
	large := func(i int, e *event.Event) {
		if i%3 == 0 {
			e.Data = append(e.Data, event.Field{Name: "CommandLine", Value: strings.Repeat("powershell -enc AAAA ", 2000)})
		}
	}
	l.write(sec, 30, true, large)
	sec.FailRender(7, -1)
	l.forget(sec, 7, 7) // never renders: skipped
	a := startLive(t, c, l)
	checkExactlyOnce(t, w, l)
	l.write(exe, 5, true)
	checkExactlyOnce(t, w, l)
	l.write(sec, 10, true, large)
	l.write(exe, 5, true)
	checkExactlyOnce(t, w, l)
	if v := a.metric("wsec_agent_eventlog_batch_shrinks_total"); v == 0 {
		t.Error("no batch was halved")
	}
	if v := a.metric("wsec_agent_eventlog_skipped_events_total"); v != 1 {
		t.Errorf("skipped events = %v, want 1", v)
	}
	if n := exe.Stats().Subscribes; n != 1 {
		t.Errorf("the idle channel was subscribed %d times, want once", n)
	}
	if v := a.metric("wsec_agent_eventlog_subscription_failures_total"); v == 0 {
		t.Error("the missing channel's failures were not counted")
	}
	a.stop()
}

// TestLiveInvalidQueryStopsTheAgent: a query the agent's check at load
// accepts but Windows refuses when subscribing (ERROR_EVT_INVALID_QUERY)
// stops the agent with a configuration error naming channel and query,
// instead of subscribing again forever; once the query is corrected, the
// next start ships everything, the other source's events included.
func TestLiveInvalidQueryStopsTheAgent(t *testing.T) {
	w := newFakeWorkspace(t)
	l := newLiveLog()
	sec := l.Channel("Security")
	exe := l.Channel("Microsoft-Windows-AppLocker/EXE and DLL")
	c := liveConfig(t, w, "Security")
	query := "*[System[EventID=8004]]" // evtsim refuses every query but "*"
	c.Sources = append(c.Sources, SourceConfig{Kind: KindEventLog, Channels: []string{exe.Name()}, Query: query})
	l.write(sec, 20, true)
	a := startLive(t, c, l)
	select {
	case err := <-a.done:
		if !errors.Is(err, source.ErrConfig) || !strings.Contains(err.Error(), query) || !strings.Contains(err.Error(), exe.Name()) {
			t.Fatalf("agent stopped with %v, want a configuration error naming %q and %q", err, exe.Name(), query)
		}
	case <-time.After(time.Minute):
		a.cancel()
		t.Fatalf("the agent still runs a minute after Windows refused a query (it returned %v when stopped)", <-a.done)
	}
	if n := exe.Stats().Subscribes; n != 0 {
		t.Errorf("the refused query subscribed %d times", n)
	}

	c.Sources[1].Query = ""
	l.write(exe, 5, true)
	a = startLive(t, c, l)
	checkExactlyOnce(t, w, l)
	a.stop()
}
