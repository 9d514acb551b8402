package ingest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"wsec/internal/auth"
)

// captured is a request as an eavesdropper saw it, to send again.
type captured struct {
	url  string
	hdr  http.Header
	body []byte
}

func capture(r *http.Request, body []byte) captured {
	return captured{url: r.URL.String(), hdr: r.Header.Clone(), body: body}
}

func (c captured) request(mod func(h http.Header, body []byte) []byte) *http.Request {
	hdr, body := c.hdr.Clone(), bytes.Clone(c.body)
	if mod != nil {
		body = mod(hdr, body)
	}
	r, _ := http.NewRequest("POST", c.url, bytes.NewReader(body))
	r.Header = hdr
	return r
}

// TestDataCollectorReplayStoredOnce (issue 9 item 6): a captured Data
// Collector request sent again within the signature window is not stored
// again. The copies are answered 200 (a client retrying after a lost
// answer must not see a failure for data that was stored).
func TestDataCollectorReplayStoredOnce(t *testing.T) {
	e := newEnv(t, Limits{})
	body := []byte(`[{"Computer":"web01","Message":"login ok"}]`)
	r, _ := http.NewRequest("POST", e.url+"/api/logs?api-version=2016-04-01", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(HeaderLogType, "Login")
	if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	c := capture(r, body)
	for i := range 3 {
		if st, b, _ := e.do(c.request(nil)); st != http.StatusOK {
			t.Fatalf("copy %d: %d %s", i, st, b)
		}
	}
	if n := len(e.store.custom[e.a.ID+"/Login_CL"]); n != 1 {
		t.Errorf("three copies of one request stored %d records, want 1", n)
	}
	if got := e.metric("wsec_ingest_refused_total", "reason", "replayed"); got != 2 {
		t.Errorf("replays counted %v, want 2", got)
	}
	// Another Log-Type under the same signature is another request.
	if st, b, _ := e.do(c.request(func(h http.Header, b []byte) []byte { h.Set(HeaderLogType, "Other"); return b })); st != http.StatusOK {
		t.Fatalf("same signature, other Log-Type: %d %s", st, b)
	}
	if n := len(e.store.custom[e.a.ID+"/Other_CL"]); n != 1 {
		t.Errorf("other Log-Type stored %d records, want 1", n)
	}
}

// A copy of a request whose store failed is a retry, not a replay: it is
// stored.
func TestDataCollectorRetryAfterFailure(t *testing.T) {
	e := newEnv(t, Limits{})
	body := []byte(`[{"a":"b"}]`)
	r, _ := http.NewRequest("POST", e.url+"/api/logs?api-version=2016-04-01", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(HeaderLogType, "Retry")
	if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	c := capture(r, body)
	e.store.fail = errStoreDown
	if st, _, _ := e.do(c.request(nil)); st != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d", st)
	}
	e.store.fail = nil
	if st, b, _ := e.do(c.request(nil)); st != http.StatusOK || len(e.store.custom[e.a.ID+"/Retry_CL"]) != 1 {
		t.Fatalf("retry of a failed request: %d %s, %d stored", st, b, len(e.store.custom[e.a.ID+"/Retry_CL"]))
	}
}

// TestNativeBodySigned (issue 9 item 6): a WsecKey-signed batch, as the
// agent sends it, cannot be changed in body (even keeping its length),
// nonce, batch identity or encoding, and a body that does not match the
// digest its signature covers is refused. (Sent again unchanged it stores
// nothing: TestNativeBatchRelayed.)
func TestNativeBodySigned(t *testing.T) {
	e := newEnv(t, Limits{})
	body := batchBody(synthEvents(0, 3))
	r := e.nativeReq(e.a, e.a.PrimaryKey, "agent", 1, body, ContentTypeBatch, "")
	if err := auth.SignContent(r, body, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	c := capture(r, body)
	if st, b, _ := e.do(c.request(nil)); st != http.StatusOK {
		t.Fatalf("signed batch: %d %s", st, b)
	}
	flip := func(b []byte) []byte { b[len(b)-1] ^= 1; return b }
	for _, tc := range []struct {
		name, reason string
		mod          func(http.Header, []byte) []byte
	}{
		{"same length, other body", "body_mismatch", func(h http.Header, b []byte) []byte { return flip(b) }},
		{"same length, other body, new nonce", "bad_signature", func(h http.Header, b []byte) []byte {
			h.Set(auth.HeaderNonce, "fresh-nonce-0123456789")
			return flip(b)
		}},
		{"other seq", "bad_signature", func(h http.Header, b []byte) []byte { h.Set(HeaderSeq, "2"); return b }},
		{"other sender", "bad_signature", func(h http.Header, b []byte) []byte { h.Set(HeaderSender, "evil"); return b }},
		{"other encoding", "bad_signature", func(h http.Header, b []byte) []byte { h.Set("Content-Encoding", "gzip"); return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.store.snapshot()
			reasonBefore := e.metric("wsec_ingest_refused_total", "reason", tc.reason)
			st, b, _ := e.do(c.request(tc.mod))
			if st != http.StatusForbidden || e.metric("wsec_ingest_refused_total", "reason", tc.reason) != reasonBefore+1 {
				t.Fatalf("%d %s, want 403 %s", st, b, tc.reason)
			}
			if after := e.store.snapshot(); after != before {
				t.Errorf("store changed: %s → %s", before, after)
			}
		})
	}
	other := flip(bytes.Clone(body))
	r, _ = http.NewRequest("POST", c.url, bytes.NewReader(other))
	r.Header = c.hdr.Clone()
	r.Header.Set(HeaderSeq, "3")
	if err := auth.SignContent(r, body, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil { // signs the digest of body
		t.Fatal(err)
	}
	if st, b, _ := e.do(r); st != http.StatusForbidden || !strings.Contains(string(b), "SHA-256") {
		t.Fatalf("body not matching its signed digest: %d %s", st, b)
	}
}

// With RequireSignedBody the native endpoints refuse SharedKey.
func TestRequireSignedBody(t *testing.T) {
	e := newEnv(t, Limits{})
	h, err := New(Options{Appender: e.store, Verifier: auth.NewVerifier(e.reg, e.clk.Now), Now: e.clk.Now, RequireSignedBody: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	body := batchBody(synthEvents(0, 2))
	for seq, bodySigned := range []bool{false, true} {
		r := e.nativeReq(e.a, e.a.PrimaryKey, "agent", uint64(seq), body, ContentTypeBatch, "")
		if bodySigned {
			if err := auth.SignContent(r, body, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		if want := map[bool]int{false: http.StatusForbidden, true: http.StatusOK}[bodySigned]; rec.Code != want {
			t.Errorf("body signed %v: %d %s, want %d", bodySigned, rec.Code, rec.Body, want)
		}
	}
}

// TestNativeBatchRelayed (issue 16): a relay gateway forwards the agent's
// signed batch unchanged, late and perhaps twice. The events endpoint takes
// it up to auth.MaxBatchAge after it was signed, and a copy stores nothing;
// a heartbeat (whose replay would add a row) keeps the 15-minute window
// and the nonce rule. Before VerifyBatch, the second copy was refused as
// "replayed" and the late one as "stale_date", so a gateway restarted
// mid-forward could never deliver its batch.
func TestNativeBatchRelayed(t *testing.T) {
	e := newEnv(t, Limits{})
	signedAt := e.clk.Now()
	body := batchBody(synthEvents(0, 3))
	r := e.nativeReq(e.a, e.a.PrimaryKey, "agent", 1, body, ContentTypeBatch, "")
	if err := auth.SignContent(r, body, e.a.ID, e.a.PrimaryKey, signedAt); err != nil {
		t.Fatal(err)
	}
	c := capture(r, body)
	e.clk.Set(signedAt.Add(3 * time.Hour))
	st, b, _ := e.do(c.request(nil))
	if st != http.StatusOK || !strings.Contains(string(b), `"stored":3`) {
		t.Fatalf("batch signed 3 h ago: %d %s, want 200 stored 3", st, b)
	}
	st, b, _ = e.do(c.request(nil))
	if st != http.StatusOK || !strings.Contains(string(b), `"duplicateBatch":true`) || !strings.Contains(string(b), `"stored":0`) {
		t.Fatalf("the same signed batch again: %d %s, want 200 duplicateBatch stored 0", st, b)
	}
	if n := len(e.store.events[e.a.ID]); n != 3 {
		t.Errorf("two copies stored %d events, want 3", n)
	}

	refused := func(name, reason string, r *http.Request) {
		t.Helper()
		before := e.metric("wsec_ingest_refused_total", "reason", reason)
		if st, b, _ := e.do(r); st != http.StatusForbidden || e.metric("wsec_ingest_refused_total", "reason", reason) != before+1 {
			t.Errorf("%s: %d %s, want 403 %s", name, st, b, reason)
		}
	}
	e.clk.Set(signedAt.Add(auth.MaxBatchAge + time.Minute))
	refused("batch older than MaxBatchAge", "stale_date", c.request(nil))
	e.clk.Set(signedAt.Add(-auth.MaxClockSkew - time.Minute))
	refused("batch from the future", "stale_date", c.request(nil))

	e.clk.Set(signedAt)
	hb, _ := http.NewRequest("POST", e.url+"/v1/workspaces/"+e.a.ID+"/heartbeat", strings.NewReader(`{"Computer":"web01"}`))
	hb.Header.Set("Content-Type", "application/json")
	if err := auth.SignContent(hb, []byte(`{"Computer":"web01"}`), e.a.ID, e.a.PrimaryKey, signedAt); err != nil {
		t.Fatal(err)
	}
	hc := capture(hb, []byte(`{"Computer":"web01"}`))
	if st, b, _ := e.do(hc.request(nil)); st != http.StatusOK && st != http.StatusNoContent {
		t.Fatalf("heartbeat: %d %s", st, b)
	}
	refused("heartbeat replayed", "replayed", hc.request(nil))
	e.clk.Set(signedAt.Add(time.Hour))
	hb2, _ := http.NewRequest("POST", e.url+"/v1/workspaces/"+e.a.ID+"/heartbeat", strings.NewReader(`{"Computer":"web01"}`))
	hb2.Header.Set("Content-Type", "application/json")
	if err := auth.SignContent(hb2, []byte(`{"Computer":"web01"}`), e.a.ID, e.a.PrimaryKey, signedAt); err != nil {
		t.Fatal(err)
	}
	refused("heartbeat signed 1 h ago", "stale_date", hb2)
}

// TestLegacyHeartbeatReplayStoredOnce (issue 9 item 6): a heartbeat
// signed with SharedKey (which covers only the body's length) and
// captured is not stored again within the signature window, neither as
// sent nor with another body of the same length (another Computer: a
// stranger keeping a dead host "alive", or inventing one). The copies
// are answered 200 with nothing stored.
func TestLegacyHeartbeatReplayStoredOnce(t *testing.T) {
	e := newEnv(t, Limits{})
	body := []byte(`{"Computer":"web01","OSType":"Windows","Version":"1.0"}`)
	r, _ := http.NewRequest("POST", e.url+"/v1/workspaces/"+e.a.ID+"/heartbeat", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	c := capture(r, body)
	for i := range 3 {
		if st, b, _ := e.do(c.request(nil)); st != http.StatusOK {
			t.Fatalf("copy %d: %d %s", i, st, b)
		}
	}
	forged := func(h http.Header, b []byte) []byte { return bytes.Replace(b, []byte("web01"), []byte("dc-99"), 1) }
	if st, b, _ := e.do(c.request(forged)); st != http.StatusOK {
		t.Fatalf("same length, other computer: %d %s", st, b)
	}
	var computers []string
	for _, hb := range e.store.heartbeats[e.a.ID] {
		computers = append(computers, hb.Computer)
	}
	if len(computers) != 1 || computers[0] != "web01" {
		t.Errorf("one captured heartbeat sent 4 times (once with another Computer) stored %q, want [web01]", computers)
	}
	if got := e.metric("wsec_ingest_refused_total", "reason", "replayed"); got != 3 {
		t.Errorf("replays counted %v, want 3", got)
	}
	// The agent's next heartbeat, signed a second later, is stored.
	e.clk.Set(e.clk.Now().Add(time.Second))
	r, _ = http.NewRequest("POST", c.url, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if st, b, _ := e.do(r); st != http.StatusOK || len(e.store.heartbeats[e.a.ID]) != 2 {
		t.Fatalf("next heartbeat: %d %s, %d stored, want 2", st, b, len(e.store.heartbeats[e.a.ID]))
	}
}
