package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/event"
	"wsec/internal/server"
	"wsec/internal/source/synthetic"
)

// fakeStore is an Appender that behaves like the real one: it keeps a
// batch once per (workspace, sender, seq), an event once per event.Key,
// and stores nothing when it fails.
type fakeStore struct {
	mu         sync.Mutex
	batches    map[string]bool
	keys       map[string]map[event.Key]bool
	events     map[string][]*event.Event
	sources    map[string]string // workspace → last source system
	custom     map[string][]map[string]any
	timeFields map[string]string
	heartbeats map[string][]*Heartbeat
	calls      int
	fail       error
	block      chan struct{} // when set, appends wait on it
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		batches: map[string]bool{}, keys: map[string]map[event.Key]bool{}, events: map[string][]*event.Event{},
		sources: map[string]string{}, custom: map[string][]map[string]any{}, timeFields: map[string]string{},
		heartbeats: map[string][]*Heartbeat{},
	}
}

func (s *fakeStore) wait(ctx context.Context) error {
	s.mu.Lock()
	b := s.block
	s.mu.Unlock()
	if b == nil {
		return nil
	}
	select {
	case <-b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *fakeStore) AppendEvents(ctx context.Context, ws, sender string, seq uint64, evs []*event.Event, src string) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		return Result{}, s.fail
	}
	bk := ws + "|" + sender + "|" + strconv.FormatUint(seq, 10)
	if s.batches[bk] {
		return Result{DuplicateBatch: true, Duplicates: len(evs)}, nil // stored nothing: every event is in already
	}
	if s.keys[ws] == nil {
		s.keys[ws] = map[event.Key]bool{}
	}
	var r Result
	for _, e := range evs {
		k := e.Key()
		if s.keys[ws][k] {
			r.Duplicates++
			continue
		}
		s.keys[ws][k] = true
		s.events[ws] = append(s.events[ws], e)
		r.Stored++
	}
	s.batches[bk] = true
	s.sources[ws] = src
	return r, nil
}

func (s *fakeStore) AppendCustom(ctx context.Context, ws, table string, recs []map[string]any, timeField string) (int, error) {
	if err := s.wait(ctx); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		return 0, s.fail
	}
	k := ws + "/" + table
	s.custom[k] = append(s.custom[k], recs...)
	s.timeFields[k] = timeField
	return len(recs), nil
}

func (s *fakeStore) AppendHeartbeat(ctx context.Context, ws string, hb *Heartbeat) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		return s.fail
	}
	s.heartbeats[ws] = append(s.heartbeats[ws], hb)
	return nil
}

// snapshot is what the store holds, to prove a refusal stored nothing.
func (s *fakeStore) snapshot() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, evs := range s.events {
		n += len(evs)
	}
	c := 0
	for _, r := range s.custom {
		c += len(r)
	}
	h := 0
	for _, r := range s.heartbeats {
		h += len(r)
	}
	return fmt.Sprintf("calls=%d events=%d batches=%d custom=%d heartbeats=%d", s.calls, n, len(s.batches), c, h)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type env struct {
	t      *testing.T
	clk    *clock
	reg    *auth.Registry
	a, b   auth.Workspace
	store  *fakeStore
	prom   *prometheus.Registry
	url    string
	client *http.Client
	logs   *syncBuffer
	seq    uint64
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newEnv(t *testing.T, lim Limits) *env {
	t.Helper()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	reg, err := auth.Open(t.TempDir(), auth.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	a, err := reg.Create("workspace-a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := reg.Create("workspace-b")
	if err != nil {
		t.Fatal(err)
	}
	store := newFakeStore()
	prom := prometheus.NewRegistry()
	h, err := New(Options{Appender: store, Verifier: auth.NewVerifier(reg, clk.Now), Limits: lim, Registerer: prom, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv, err := server.New(server.Options{
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Registerer: prom, Gatherer: prom, Now: clk.Now,
	}, h)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, clk: clk, reg: reg, a: a, b: b, store: store, prom: prom, url: ts.URL, client: ts.Client(), logs: logs}
}

// do sends req and returns the status and body.
func (e *env) do(req *http.Request) (int, []byte, http.Header) {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// nativeReq builds a signed native batch request for workspace w.
func (e *env) nativeReq(w auth.Workspace, key, sender string, seq uint64, body []byte, ct, enc string) *http.Request {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.url+"/v1/workspaces/"+w.ID+"/events", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	req.Header.Set(HeaderSender, sender)
	req.Header.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	if err := auth.SignAt(req, w.ID, key, e.clk.Now()); err != nil {
		e.t.Fatal(err)
	}
	return req
}

// sendValid ships a fresh valid batch and fails the test unless it is
// stored: proof the server still serves.
func (e *env) sendValid() {
	e.t.Helper()
	e.seq++
	evs := synthEvents(1000+e.seq*10, 3)
	st, body, _ := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent-valid", e.seq, batchBody(evs), ContentTypeBatch, ""))
	if st != http.StatusOK || !strings.Contains(string(body), `"stored":3`) {
		e.t.Fatalf("valid batch after refusal: %d %s", st, body)
	}
}

// metric sums the samples of name whose labels include all of labels.
func (e *env) metric(name string, labels ...string) float64 {
	e.t.Helper()
	mfs, err := e.prom.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

// synthEvents returns n realistic Security events starting at position from.
func synthEvents(from uint64, n int) []*event.Event {
	g := synthetic.New(synthetic.Options{Seed: 7})
	evs := make([]*event.Event, n)
	for i := range evs {
		evs[i] = new(event.Event)
		g.Event(from+uint64(i), evs[i])
	}
	return evs
}

func batchBody(evs []*event.Event) []byte {
	var b []byte
	for _, e := range evs {
		b = e.AppendFramed(b)
	}
	return b
}

func ndjsonBody(evs []*event.Event) []byte {
	var b []byte
	for _, e := range evs {
		b = e.AppendJSON(b)
		b = append(b, '\n')
	}
	return b
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstded(t testing.TB, b []byte) []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// zstdStream compresses b as a stream whose frame does not declare its size.
func zstdStream(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(enc, struct{ io.Reader }{bytes.NewReader(b)}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var errStoreDown = errors.New("disk full")

func dataField(name, value string) event.Field { return event.Field{Name: name, Value: value} }
