package agent

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/event"
	"wsec/internal/ingest"
)

// memStore is an ingest.Appender that keeps what the workspace's real
// front door hands it, deduplicating as the store does: a batch once per
// (workspace, sender, seq), an event once per event key.
type memStore struct {
	mu      sync.Mutex
	batches map[string]bool
	ids     map[string]map[uint64]int
	keys    map[event.Key]bool
	hbs     int
}

func (m *memStore) AppendEvents(_ context.Context, ws, sender string, seq uint64, evs []*event.Event, _ string) (ingest.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := ws + "/" + sender + "/" + strconv.FormatUint(seq, 10)
	if m.batches[id] {
		return ingest.Result{DuplicateBatch: true}, nil
	}
	m.batches[id] = true
	var r ingest.Result
	for _, e := range evs {
		if m.keys[e.Key()] {
			r.Duplicates++
			continue
		}
		m.keys[e.Key()] = true
		if m.ids[e.System.Channel] == nil {
			m.ids[e.System.Channel] = map[uint64]int{}
		}
		m.ids[e.System.Channel][e.System.EventRecordID]++
		r.Stored++
	}
	return r, nil
}

func (m *memStore) AppendCustom(context.Context, string, string, []map[string]any, string) (int, error) {
	return 0, errors.New("not used")
}

func (m *memStore) AppendHeartbeat(context.Context, string, *ingest.Heartbeat) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hbs++
	return nil
}

// TestRealIngestHandler sends to the workspace's real ingestion handler
// (signature check, content type, decompression, decoding, limits), so a
// protocol disagreement between the shipper and the workspace fails here.
func TestRealIngestHandler(t *testing.T) {
	reg, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := reg.Create("ingest")
	store := &memStore{batches: map[string]bool{}, ids: map[string]map[uint64]int{}, keys: map[event.Key]bool{}}
	h, err := ingest.New(ingest.Options{Appender: store, Verifier: auth.NewVerifier(reg, time.Now)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	count := e2eCount(t, 30_000)
	c := syntheticConfig(t.TempDir(), count, 0, DestinationConfig{Name: "real", URL: srv.URL, Workspace: ws.ID, Key: ws.PrimaryKey, EventSet: "Common"})
	runAgent(t, c, 5*time.Minute)
	want := expectSynthetic(t, gen(), count, policy(t, "Common"))
	store.mu.Lock()
	defer store.mu.Unlock()
	got := 0
	for ch, ids := range store.ids {
		for id, n := range ids {
			got++
			if !want[ch][id] || n != 1 {
				t.Fatalf("%s record %d stored %d times, wanted %v", ch, id, n, want[ch][id])
			}
		}
	}
	if got != want.total() || store.hbs == 0 {
		t.Errorf("the workspace stored %d events (want %d) and %d heartbeats", got, want.total(), store.hbs)
	}
	if st, _ := ReadStatus(c.DataDir); st.Destinations[0].Rejected != 0 {
		t.Errorf("%d batches rejected", st.Destinations[0].Rejected)
	}
}
