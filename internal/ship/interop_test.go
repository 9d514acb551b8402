package ship

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"wsec/internal/auth"
	"wsec/internal/event"
	"wsec/internal/ingest"
	"wsec/internal/spool"
)

// memStore is an ingest.Appender that keeps batches in memory and, like the
// contract says, stores a (workspace, sender, seq) once.
type memStore struct {
	mu      sync.Mutex
	batches map[string]bool
	events  map[event.Key]int
	dups    int
}

func (m *memStore) AppendEvents(_ context.Context, ws, sender string, seq uint64, evs []*event.Event, _ string) (ingest.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := fmt.Sprintf("%s/%s/%d", ws, sender, seq)
	if m.batches[id] {
		m.dups++
		return ingest.Result{DuplicateBatch: true}, nil
	}
	m.batches[id] = true
	for _, e := range evs {
		m.events[e.Key()]++
	}
	return ingest.Result{Stored: len(evs)}, nil
}

func (m *memStore) AppendCustom(context.Context, string, string, []map[string]any, string) (int, error) {
	return 0, nil
}

func (m *memStore) AppendHeartbeat(context.Context, string, *ingest.Heartbeat) error { return nil }

type oneWorkspace struct{ w auth.Workspace }

func (k oneWorkspace) Lookup(id string) (auth.Workspace, bool) { return k.w, id == k.w.ID }

// The shipper against the workspace's real ingest handler and SharedKey
// verifier: every event arrives once, including when a response is lost
// after the batch was stored.
func TestInteropWithIngest(t *testing.T) {
	store := &memStore{batches: map[string]bool{}, events: map[event.Key]int{}}
	h, err := ingest.New(ingest.Options{
		Appender: store,
		Verifier: auth.NewVerifier(oneWorkspace{auth.Workspace{ID: wsA, PrimaryKey: testKey, SecondaryKey: testKey}}, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Errorf("ingest answered %d: %s", rec.Code, rec.Body)
		}
		if n.Add(1)%3 == 0 {
			// Stored, but the answer is lost: the agent must resend.
			http.Error(w, "lost", http.StatusBadGateway)
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	compressions := []Compression{Zstd, S2, Gzip}
	for _, c := range compressions {
		q := openSpool(t, t.TempDir(), spool.Options{})
		o := Options{URL: srv.URL, WorkspaceID: wsA, Key: testKey, SenderID: "agent-" + string(c), Compression: c,
			FlushInterval: 10e6, RetryBase: 1e6, RetryMax: 20e6, MaxBatchRecords: 400}
		f := newFanout(t, newShipper(t, q, o))
		running(t, f)
		src := newTestSource(2000)
		src.feed(t, context.Background(), f, 2000, 250)
		waitDrained(t, f)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	want := newTestSource(2000).keys(0, 2000)
	for _, k := range want {
		if store.events[k] != len(compressions) { // once per sender (one per compression)
			t.Fatalf("event %v stored %d times, want once per sender", k, store.events[k])
		}
	}
	if len(store.events) != len(want) || store.dups == 0 {
		t.Fatalf("%d distinct events, %d duplicate batches dropped", len(store.events), store.dups)
	}
}
