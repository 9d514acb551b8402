package ingest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
// agent sends it, cannot be replayed, nor changed in body (even keeping
// its length), nonce, batch identity or encoding, and a body that does not
// match the digest its signature covers is refused.
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
		{"replayed as is", "replayed", nil},
		{"same length, other body", "replayed", func(h http.Header, b []byte) []byte { return flip(b) }},
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
