package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/protocol"
	"wsec/internal/server"
)

const (
	wsA = "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a"
	wsB = "9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
)

// The relay stores a batch, answers 202, and forwards it unmodified: the
// workspace's real verifier accepts the agent's signature, and every event
// is stored once. Two workspaces each get their own.
func TestRelayForwardsSignedBatches(t *testing.T) {
	a, b := newWorkspace(t, wsA), newWorkspace(t, wsB)
	e := startRelay(t, RelayOptions{Dir: t.TempDir(), Upstreams: []Upstream{{wsA, a.srv.URL}, {wsB, b.srv.URL}}})
	ag, bg := newAgent(t, a.w, "agent-a"), newAgent(t, b.w, "agent-b")
	for i := range uint64(20) {
		if st, body, _ := ag.send(e.srv.URL, 100+i, i*50, (i+1)*50); st != http.StatusAccepted {
			t.Fatalf("batch %d to A: %d %s", i, st, body)
		}
		if st, body, _ := bg.send(e.srv.URL, 100+i, i*10, (i+1)*10); st != http.StatusAccepted {
			t.Fatalf("batch %d to B: %d %s", i, st, body)
		}
	}
	waitFor(t, "workspace A to hold 1000 events", func() bool { return a.store.distinct() == 1000 })
	waitFor(t, "workspace B to hold 200 events", func() bool { return b.store.distinct() == 200 })
	waitFor(t, "the spools to drain", func() bool { return e.r.Status()[0].QueuedRecords == 0 && e.r.Status()[1].QueuedRecords == 0 })
	if a.store.dupBatches != 0 || b.store.dupBatches != 0 {
		t.Errorf("duplicate batches %d, %d; want none without failures", a.store.dupBatches, b.store.dupBatches)
	}
	if st := e.r.Status()[0]; st.ForwardedBatches != 20 {
		t.Errorf("status: %+v, want 20 forwarded", st)
	}
}

// TestRelayRestartAndLostAnswers: batches the gateway acknowledged survive
// its restart, and after lost answers the same signed request is sent
// again (same nonce, older date) and stored once. Before the workspace
// verified batches with VerifyBatch, the resend was refused "replayed"
// (403) and the batch stuck in the gateway for ever.
func TestRelayRestartAndLostAnswers(t *testing.T) {
	ws := newWorkspace(t, wsA)
	dir := t.TempDir()
	ws.down.Store(true)
	e := startRelay(t, RelayOptions{Dir: dir, Upstreams: []Upstream{{wsA, ws.srv.URL}}})
	ag := newAgent(t, ws.w, "agent-1")
	for i := range uint64(30) {
		if st, body, _ := ag.send(e.srv.URL, i+1, i*40, (i+1)*40); st != http.StatusAccepted {
			t.Fatalf("batch %d: %d %s", i, st, body)
		}
	}
	e.stop() // the workspace never saw one
	if n := ws.store.distinct(); n != 0 {
		t.Fatalf("workspace down but holds %d events", n)
	}
	ws.down.Store(false)
	ws.lose.Store(10)
	e = startRelay(t, RelayOptions{Dir: dir, Upstreams: []Upstream{{wsA, ws.srv.URL}}})
	waitFor(t, "all 1200 events", func() bool { return ws.store.distinct() == 1200 })
	waitFor(t, "the spool to drain", func() bool { return e.r.Status()[0].QueuedRecords == 0 })
	ws.store.mu.Lock()
	defer ws.store.mu.Unlock()
	for k, n := range ws.store.events {
		if n != 1 {
			t.Fatalf("event %v stored %d times", k, n)
		}
	}
	if ws.store.dupBatches < 10 {
		t.Errorf("%d batches came twice; the 10 lost answers should each have been resent", ws.store.dupBatches)
	}
}

// A full spool answers 503 with Retry-After and stores nothing, so the
// agent keeps the batch; once the workspace drained it, batches are taken
// again.
func TestRelayBackPressure(t *testing.T) {
	ws := newWorkspace(t, wsA)
	ws.down.Store(true)
	e := startRelay(t, RelayOptions{Dir: t.TempDir(), Upstreams: []Upstream{{wsA, ws.srv.URL}}, MaxSpoolBytes: 64 << 10})
	ag := newAgent(t, ws.w, "agent-1")
	var accepted, seq uint64
	for ; seq < 200; seq++ {
		st, body, h := ag.send(e.srv.URL, seq+1, seq*20, (seq+1)*20)
		if st == http.StatusServiceUnavailable {
			if h.Get("Retry-After") == "" || !strings.Contains(body, "full") {
				t.Fatalf("503 without Retry-After or reason: %v %s", h, body)
			}
			break
		}
		if st != http.StatusAccepted {
			t.Fatalf("batch %d: %d %s", seq, st, body)
		}
		accepted++
	}
	if seq == 200 || accepted == 0 {
		t.Fatalf("accepted %d of %d batches into a 64 KiB spool; want some, then 503", accepted, seq)
	}
	if n := e.counter("wsec_gateway_batches_received_total", "spool_full"); n != 1 {
		t.Errorf("wsec_gateway_batches_received_total{outcome=spool_full} = %v, want 1", n)
	}
	ws.down.Store(false)
	waitFor(t, "the accepted batches to arrive", func() bool { return uint64(ws.store.distinct()) == accepted*20 })
	// The refused batch, retried by its agent, is taken once the relay has
	// recorded the workspace's acknowledgements (just after the workspace
	// stored the batches) and so freed its spool.
	waitFor(t, "the refused batch to be taken on retry", func() bool {
		st, body, _ := ag.send(e.srv.URL, seq+1, seq*20, (seq+1)*20)
		if st != http.StatusAccepted && st != http.StatusServiceUnavailable {
			t.Fatalf("retry after drain: %d %s", st, body)
		}
		return st == http.StatusAccepted
	})
	waitFor(t, "the retried batch", func() bool { return uint64(ws.store.distinct()) == (accepted+1)*20 })
}

// Heartbeats and rule polls pass through live; what the relay cannot
// forward safely is refused before it is stored.
func TestRelayPassThroughAndRefusals(t *testing.T) {
	ws := newWorkspace(t, wsA)
	e := startRelay(t, RelayOptions{Dir: t.TempDir(), Upstreams: []Upstream{{wsA, ws.srv.URL}}})
	ag := newAgent(t, ws.w, "agent-1")

	hb := []byte(`{"Computer":"ws01"}`)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/workspaces/"+wsA+"/heartbeat", strings.NewReader(string(hb)))
	req.Header.Set("Content-Type", "application/json")
	if err := auth.SignContent(req, hb, wsA, ws.w.PrimaryKey, time.Now()); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("heartbeat through the relay: %v %v", resp, err)
	}
	if ws.store.heartbeats != 1 {
		t.Errorf("workspace got %d heartbeats, want 1", ws.store.heartbeats)
	}
	get, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v1/workspaces/"+wsA+"/rules?group=g1", nil)
	if resp, err := http.DefaultClient.Do(get); err != nil || resp.StatusCode != http.StatusOK || ws.gets.Load() != 1 {
		t.Fatalf("rule poll through the relay: %v %v (workspace saw %d)", resp, err, ws.gets.Load())
	}

	refused := func(name string, want int, req *http.Request) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, want)
		}
	}
	body := ag.batch(0, 5)
	r := ag.request(e.srv.URL, 1, body)
	r.URL.Path = "/v1/workspaces/" + wsB + "/events"
	refused("workspace not relayed", http.StatusNotFound, r)

	r = ag.request(e.srv.URL, 2, body)
	if err := auth.SignAt(r, wsA, ws.w.PrimaryKey, time.Now()); err != nil { // SharedKey
		t.Fatal(err)
	}
	r.Header.Del(auth.HeaderContentSHA256)
	refused("SharedKey batch", http.StatusForbidden, r)

	r = ag.request(e.srv.URL, 3, body)
	r.Header.Set(auth.HeaderContentSHA256, r.Header.Get(auth.HeaderContentSHA256)[1:]+"A")
	refused("body not matching its signed digest", http.StatusBadRequest, r)

	r = ag.request(e.srv.URL, 4, body)
	r.Header.Del(protocol.HeaderSender)
	refused("no sender", http.StatusBadRequest, r)

	if st := e.r.Status()[0]; st.QueuedRecords != 0 || st.ForwardedBatches != 0 {
		t.Errorf("refused batches were queued: %+v", st)
	}
}

// TestRelayRefusesSharedKeyBatches: what a relay cannot forward safely —
// a Data Collector API post, or an events batch signed with SharedKey
// (both sign only the body's length and expire after 15 minutes) — is
// refused with 403 and a reason naming what works instead, and nothing is
// queued. Before, a Data Collector post got 404 "no endpoint POST
// /api/logs", which said neither why nor what to do.
func TestRelayRefusesSharedKeyBatches(t *testing.T) {
	ws := newWorkspace(t, wsA)
	e := startRelay(t, RelayOptions{Dir: t.TempDir(), Upstreams: []Upstream{{wsA, ws.srv.URL}}})
	ag := newAgent(t, ws.w, "agent-1")
	refusal := func(req *http.Request) (int, server.ErrorDetail) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var eb server.ErrorBody
		if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil {
			t.Fatalf("%s %s answered %d without a JSON error: %v", req.Method, req.URL.Path, resp.StatusCode, err)
		}
		return resp.StatusCode, eb.Error
	}

	body := []byte(`[{"Computer":"ws01","Message":"hello"}]`)
	dc, _ := http.NewRequest(http.MethodPost, e.srv.URL+protocol.PathDataCollector+"?api-version=2016-04-01", bytes.NewReader(body))
	dc.Header.Set("Content-Type", "application/json")
	dc.Header.Set("Log-Type", "AppLog")
	if err := auth.SignAt(dc, wsA, ws.w.PrimaryKey, time.Now()); err != nil {
		t.Fatal(err)
	}
	st, ed := refusal(dc)
	if st != http.StatusForbidden || ed.Code != "DataCollectorNotRelayed" ||
		!strings.Contains(ed.Message, "SharedKey") || !strings.Contains(ed.Message, "proxy mode") {
		t.Errorf("Data Collector post: %d %+v, want 403 DataCollectorNotRelayed saying why and what to do", st, ed)
	}
	if n := e.counter("wsec_gateway_batches_received_total", "data_collector_not_relayed"); n != 1 {
		t.Errorf("wsec_gateway_batches_received_total{outcome=data_collector_not_relayed} = %v, want 1", n)
	}

	r := ag.request(e.srv.URL, 1, ag.batch(0, 5))
	r.Header.Del(auth.HeaderContentSHA256)
	if err := auth.SignAt(r, wsA, ws.w.PrimaryKey, time.Now()); err != nil {
		t.Fatal(err)
	}
	st, ed = refusal(r)
	if st != http.StatusForbidden || !strings.Contains(ed.Message, auth.SchemeContent) || !strings.Contains(ed.Message, "SharedKey") {
		t.Errorf("SharedKey events batch: %d %+v, want 403 naming the scheme the relay takes", st, ed)
	}
	if st := e.r.Status()[0]; st.QueuedRecords != 0 {
		t.Errorf("refused requests were queued: %+v", st)
	}
}
