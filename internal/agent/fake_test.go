package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/dcr"
	"wsec/internal/event"
	"wsec/internal/filter"
	"wsec/internal/protocol"
	"wsec/internal/ship/shiptest"
)

// fakeWorkspace is a workspace as far as an agent can tell: it checks
// SharedKey signatures with the real verifier, decodes batches with the
// real decoder, stores a batch once per (sender, seq) and an event once
// per event key (as the real store does), serves the real rules API over
// a real rule store, and takes heartbeats. It runs in the test process,
// so it outlives agents that are killed and started again.
type fakeWorkspace struct {
	t     testing.TB
	ws    auth.Workspace
	reg   *auth.Registry
	v     *auth.Verifier
	rules *dcr.Store
	mux   *http.ServeMux

	mu         sync.Mutex
	ln         net.Listener
	srv        *http.Server
	addr       string
	batches    map[string][]byte // sender/seq -> decompressed body
	stored     map[event.Key]int // times an event was stored (must stay 1)
	ids        map[string]map[uint64]int
	byEventID  map[uint16]int
	dupBatches int // batches received again under the same (sender, seq): absorbed
	dupEvents  int // events received again in a new batch: absorbed by event key
	refused    int
	lastRefuse string
	cut        int // requests whose body ended early: the agent was killed mid-send
	heartbeats []heartbeat
	changed    chan struct{}
}

// heartbeat is the Heartbeat JSON as the workspace's ingest reads it.
type heartbeat struct {
	Computer         string
	OSType           string
	Version          string
	SourceComputerID string `json:"SourceComputerId"`
	EventsPerSecond  float64
	QueueDepth       int64
	LastError        string
}

func newFakeWorkspace(t testing.TB) *fakeWorkspace {
	t.Helper()
	reg, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := reg.Create("agent-test")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := dcr.Open(t.TempDir(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &fakeWorkspace{t: t, ws: ws, reg: reg, v: auth.NewVerifier(reg, time.Now), rules: rules,
		batches: map[string][]byte{}, stored: map[event.Key]int{}, ids: map[string]map[uint64]int{}, byEventID: map[uint16]int{},
		changed: make(chan struct{})}
	w.mux = http.NewServeMux()
	w.mux.HandleFunc("POST /v1/workspaces/{id}/events", w.events)
	w.mux.HandleFunc("POST /v1/workspaces/{id}/heartbeat", w.heartbeat)
	dcr.Routes{Store: rules, Verifier: w.v}.Register(w.mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.addr = ln.Addr().String()
	w.serve(ln)
	t.Cleanup(w.down)
	return w
}

func (w *fakeWorkspace) URL() string { return "http://" + w.addr }

func (w *fakeWorkspace) serve(ln net.Listener) {
	srv := &http.Server{Handler: w.mux, ReadHeaderTimeout: 10 * time.Second}
	w.mu.Lock()
	w.ln, w.srv = ln, srv
	w.mu.Unlock()
	go srv.Serve(ln)
}

// down stops the workspace: connections are refused, and those open are
// cut, until up.
func (w *fakeWorkspace) down() {
	w.mu.Lock()
	srv := w.srv
	w.srv = nil
	w.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// up listens again on the same address.
func (w *fakeWorkspace) up() {
	w.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the old socket may linger for a moment
		if ln, err = net.Listen("tcp", w.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		w.t.Fatalf("listen again on %s: %v", w.addr, err)
	}
	w.serve(ln)
}

func (w *fakeWorkspace) refuse(rw http.ResponseWriter, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.mu.Lock()
	w.refused++
	w.lastRefuse = msg
	w.mu.Unlock()
	http.Error(rw, msg, status)
}

func (w *fakeWorkspace) authorize(rw http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// the agent died mid-request (TestKill9): not a request it got
		// wrong; were it alive, the error would make it send again
		w.mu.Lock()
		w.cut++
		w.mu.Unlock()
		http.Error(rw, "read body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	if err != nil {
		w.refuse(rw, http.StatusBadRequest, "read body: %v", err)
		return nil, false
	}
	ws, err := w.v.Verify(r, int64(len(body)), r.URL.Path)
	if err != nil || ws != w.ws.ID || r.PathValue("id") != w.ws.ID {
		w.refuse(rw, http.StatusForbidden, "signature: %v (workspace %s)", err, ws)
		return nil, false
	}
	return body, true
}

func (w *fakeWorkspace) events(rw http.ResponseWriter, r *http.Request) {
	body, ok := w.authorize(rw, r)
	if !ok {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != protocol.ContentTypeBatch {
		w.refuse(rw, http.StatusUnsupportedMediaType, "content type %q", ct)
		return
	}
	raw, err := shiptest.Decompress(r.Header.Get("Content-Encoding"), body)
	if err != nil {
		w.refuse(rw, http.StatusBadRequest, "decompress: %v", err)
		return
	}
	evs, err := shiptest.DecodeBatch(raw)
	if err != nil {
		w.refuse(rw, http.StatusBadRequest, "decode: %v", err)
		return
	}
	sender, seq := r.Header.Get("X-Wsec-Sender"), r.Header.Get("X-Wsec-Seq")
	if sender == "" || seq == "" {
		w.refuse(rw, http.StatusBadRequest, "no sender or sequence number")
		return
	}
	id := sender + "/" + seq
	w.mu.Lock()
	if prev, dup := w.batches[id]; dup {
		w.dupBatches++
		if !bytes.Equal(prev, raw) {
			w.mu.Unlock()
			w.t.Errorf("batch %s sent again with other events (%d vs %d bytes): the workspace would drop them", id, len(raw), len(prev))
			http.Error(rw, "sequence number reused", http.StatusConflict)
			return
		}
	} else {
		w.batches[id] = raw
		for _, e := range evs {
			k := e.Key()
			if w.stored[k] > 0 {
				w.dupEvents++
				continue
			}
			w.stored[k]++
			m := w.ids[e.System.Channel]
			if m == nil {
				m = map[uint64]int{}
				w.ids[e.System.Channel] = m
			}
			m[e.System.EventRecordID]++
			w.byEventID[e.System.EventID]++
		}
	}
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(map[string]int{"accepted": len(evs)})
}

func (w *fakeWorkspace) heartbeat(rw http.ResponseWriter, r *http.Request) {
	body, ok := w.authorize(rw, r)
	if !ok {
		return
	}
	var hb heartbeat
	if err := json.Unmarshal(body, &hb); err != nil || hb.Computer == "" {
		w.refuse(rw, http.StatusBadRequest, "heartbeat: %v", err)
		return
	}
	w.mu.Lock()
	w.heartbeats = append(w.heartbeats, hb)
	w.mu.Unlock()
	json.NewEncoder(rw).Encode(map[string]int{"stored": 1})
}

// count returns the events stored.
func (w *fakeWorkspace) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.stored)
}

// waitCount waits until at least n events are stored, or fails the test
// after limit.
func (w *fakeWorkspace) waitCount(t testing.TB, n int, limit time.Duration) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		got, ch := len(w.stored), w.changed
		w.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("workspace holds %d events after %v, want %d", got, limit, n)
		}
	}
}

// expected is what a workspace must hold: record IDs per channel.
type expected map[string]map[uint64]bool

func (e expected) add(channel string, id uint64) {
	m := e[channel]
	if m == nil {
		m = map[uint64]bool{}
		e[channel] = m
	}
	m[id] = true
}

func (e expected) total() int {
	n := 0
	for _, m := range e {
		n += len(m)
	}
	return n
}

// check compares what the workspace holds with want: by count, by record
// IDs per channel (as ranges, for the report), and by duplicates.
func (w *fakeWorkspace) check(t testing.TB, name string, want expected) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	lost, extra, twice := 0, 0, 0
	for ch, ids := range want {
		for id := range ids {
			if w.ids[ch][id] == 0 {
				lost++
			}
		}
	}
	for ch, ids := range w.ids {
		for id, n := range ids {
			if !want[ch][id] {
				extra++
			}
			if n > 1 {
				twice++
			}
		}
	}
	for _, n := range w.stored {
		if n > 1 {
			twice++
		}
	}
	t.Logf("%s: holds %d events (want %d): %s; lost %d, unexpected %d, stored twice %d; re-sent batches absorbed by (sender, seq): %d, events absorbed by event key: %d; requests cut short: %d",
		name, len(w.stored), want.total(), w.rangesLocked(), lost, extra, twice, w.dupBatches, w.dupEvents, w.cut)
	if lost != 0 || extra != 0 || twice != 0 || len(w.stored) != want.total() {
		t.Errorf("%s: %d lost, %d unexpected, %d stored twice (holds %d, want %d); want 0, 0, 0", name, lost, extra, twice, len(w.stored), want.total())
	}
	if w.dupEvents != 0 {
		t.Errorf("%s: %d events arrived twice in different batches: the agent spooled them twice", name, w.dupEvents)
	}
	if w.refused != 0 {
		t.Errorf("%s: refused %d requests, last: %s", name, w.refused, w.lastRefuse)
	}
}

// rangesLocked renders the stored record IDs per channel as ranges.
func (w *fakeWorkspace) rangesLocked() string {
	var chans []string
	for ch := range w.ids {
		chans = append(chans, ch)
	}
	sort.Strings(chans)
	var b strings.Builder
	for _, ch := range chans {
		ids := make([]uint64, 0, len(w.ids[ch]))
		for id := range w.ids[ch] {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		fmt.Fprintf(&b, "%s ", ch)
		for i := 0; i < len(ids); {
			j := i
			for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
				j++
			}
			if j-i > 3 || len(ids) < 6 {
				fmt.Fprintf(&b, "[%d-%d]", ids[i], ids[j])
			} else {
				fmt.Fprintf(&b, "{%d ids from %d}", j-i+1, ids[i])
			}
			i = j + 1
			if b.Len() > 400 {
				b.WriteString("...")
				break
			}
		}
		b.WriteString("; ")
	}
	return b.String()
}

// expectSynthetic computes what a workspace with policy p must hold after
// the synthetic stream's events 0..count-1: an independent oracle, since it
// runs the generator and the filter directly, not the agent.
func expectSynthetic(t testing.TB, g generator, count uint64, p filter.Policy) expected {
	t.Helper()
	rules, err := filter.Compile(p, filter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := expected{}
	var e event.Event
	for n := range count {
		g.Event(n, &e)
		if rules.Keep(&e) {
			want.add(e.System.Channel, e.System.EventRecordID)
		}
	}
	return want
}

// generator is the synthetic generator's one method the oracle needs.
type generator interface {
	Event(n uint64, e *event.Event)
}

// eventIDs returns how many events of each EventID are stored.
func (w *fakeWorkspace) eventIDs() map[uint16]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.byEventID)
}

// lastHeartbeat returns the newest heartbeat, if any.
func (w *fakeWorkspace) lastHeartbeat() (heartbeat, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.heartbeats) == 0 {
		return heartbeat{}, false
	}
	return w.heartbeats[len(w.heartbeats)-1], true
}
