package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/event"
	"wsec/internal/ingest"
	"wsec/internal/protocol"
	"wsec/internal/server"
	"wsec/internal/source/synthetic"
)

// memStore is an ingest.Appender keeping what the store promises: a
// (workspace, sender, seq) once, an event identity once.
type memStore struct {
	mu         sync.Mutex
	batches    map[string]bool
	events     map[event.Key]int
	dupBatches int
	heartbeats int
	appended   int    // events in batches taken (not duplicate batches), stored or not
	onAppend   func() // called after each batch taken, if set
}

func newMemStore() *memStore {
	return &memStore{batches: map[string]bool{}, events: map[event.Key]int{}}
}

func (m *memStore) AppendEvents(_ context.Context, ws, sender string, seq uint64, evs []*event.Event, _ string) (ingest.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := fmt.Sprintf("%s/%s/%d", ws, sender, seq)
	if m.batches[id] {
		m.dupBatches++
		return ingest.Result{DuplicateBatch: true, Duplicates: len(evs)}, nil
	}
	m.batches[id] = true
	m.appended += len(evs)
	var r ingest.Result
	for _, e := range evs {
		if m.events[e.Key()] > 0 {
			r.Duplicates++
			continue
		}
		m.events[e.Key()]++
		r.Stored++
	}
	if m.onAppend != nil {
		m.onAppend()
	}
	return r, nil
}

func (m *memStore) AppendCustom(context.Context, string, string, []map[string]any, string) (int, error) {
	return 0, nil
}

func (m *memStore) AppendHeartbeat(context.Context, string, *ingest.Heartbeat) error {
	m.mu.Lock()
	m.heartbeats++
	m.mu.Unlock()
	return nil
}

func (m *memStore) distinct() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events)
}

type keys map[string]auth.Workspace

func (k keys) Lookup(id string) (auth.Workspace, bool) { w, ok := k[id]; return w, ok }

func newWorkspaceKey(t testing.TB, id string) auth.Workspace {
	var b [auth.KeyBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	k := base64.StdEncoding.EncodeToString(b[:])
	return auth.Workspace{ID: id, PrimaryKey: k, SecondaryKey: k}
}

// workspace is a real ingest handler and verifier over a memStore, behind
// a switch that can take it down or lose its answers.
type workspace struct {
	w     auth.Workspace
	store *memStore
	srv   *httptest.Server
	down  atomic.Bool  // answer 503 without storing
	lose  atomic.Int64 // store, then lose the answer of this many requests
	gets  atomic.Int64 // rule polls seen
}

func newWorkspace(t testing.TB, id string) *workspace {
	ws := &workspace{w: newWorkspaceKey(t, id), store: newMemStore()}
	h, err := ingest.New(ingest.Options{Appender: ws.store, Verifier: auth.NewVerifier(keys{id: ws.w}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	mux.HandleFunc("GET "+protocol.PathRules, func(w http.ResponseWriter, r *http.Request) {
		ws.gets.Add(1)
		server.WriteJSON(w, http.StatusOK, map[string]any{"rules": []any{}})
	})
	ws.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ws.down.Load() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if ws.lose.Load() > 0 && r.Method == http.MethodPost {
			ws.lose.Add(-1)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, r)
			panic(http.ErrAbortHandler) // stored; the answer never arrives
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ws.srv.Close)
	return ws
}

// relayEnv is a Relay behind its HTTP server.
type relayEnv struct {
	t      testing.TB
	r      *Relay
	srv    *httptest.Server
	cancel context.CancelFunc
	done   chan error
	reg    *prometheus.Registry
}

func startRelay(t testing.TB, o RelayOptions) *relayEnv {
	t.Helper()
	e := &relayEnv{t: t, reg: prometheus.NewRegistry(), done: make(chan error, 1)}
	o.Registerer = e.reg
	if o.RetryBase == 0 {
		o.RetryBase, o.RetryMax = time.Millisecond, 20*time.Millisecond
	}
	r, err := NewRelay(o)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Options{Registerer: e.reg, Gatherer: e.reg}, r)
	if err != nil {
		t.Fatal(err)
	}
	e.r = r
	e.srv = httptest.NewServer(s.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() { e.done <- r.Run(ctx) }()
	t.Cleanup(e.stop)
	return e
}

// stop ends the relay as a crash would for the agents (no answer), then
// closes its spools.
func (e *relayEnv) stop() {
	if e.r == nil {
		return
	}
	e.srv.CloseClientConnections()
	e.srv.Close()
	e.cancel()
	if err := <-e.done; err != nil {
		e.t.Errorf("relay Run: %v", err)
	}
	e.r.Close()
	e.r = nil
}

// agent signs batches as wsec-agent does (WsecKey).
type agent struct {
	t      testing.TB
	w      auth.Workspace
	sender string
	gen    *synthetic.Generator
	client *http.Client
	zstd   *zstd.Encoder // compress bodies as the agent does; nil: identity
}

func newAgent(t testing.TB, w auth.Workspace, sender string) *agent {
	return &agent{t: t, w: w, sender: sender, gen: synthetic.New(synthetic.Options{}), client: &http.Client{Timeout: 10 * time.Second}}
}

// batch is events [lo, hi) of the synthetic stream as one body.
func (a *agent) batch(lo, hi uint64) []byte {
	var body []byte
	var e event.Event
	for n := lo; n < hi; n++ {
		e = event.Event{}
		a.gen.Event(n, &e)
		body = e.AppendFramed(body)
	}
	return body
}

func (a *agent) request(base string, seq uint64, body []byte) *http.Request {
	if a.zstd != nil {
		body = a.zstd.EncodeAll(body, nil)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/v1/workspaces/"+a.w.ID+"/events", bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", protocol.ContentTypeBatch)
	if a.zstd != nil {
		req.Header.Set("Content-Encoding", "zstd")
	}
	req.Header.Set(protocol.HeaderSender, a.sender)
	req.Header.Set(protocol.HeaderSeq, strconv.FormatUint(seq, 10))
	if err := auth.SignContent(req, body, a.w.ID, a.w.PrimaryKey, time.Now()); err != nil {
		a.t.Fatal(err)
	}
	return req
}

// send posts batch seq (events [lo, hi)) and returns the status and body.
func (a *agent) send(base string, seq, lo, hi uint64) (int, string, http.Header) {
	resp, err := a.client.Do(a.request(base, seq, a.batch(lo, hi)))
	if err != nil {
		return 0, err.Error(), nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// waitFor polls cond (bounded) and fails the test when it never holds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

var discard = slog.New(slog.DiscardHandler)

func mustMetrics(t testing.TB) *metrics {
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// withZstd makes a compress its bodies with zstd at the agent's level.
func (a *agent) withZstd() *agent {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		a.t.Fatal(err)
	}
	a.zstd = enc
	return a
}

// counter is the value of the counter name whose labels include value.
func (e *relayEnv) counter(name, value string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
