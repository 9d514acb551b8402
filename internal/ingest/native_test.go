package ingest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"

	"wsec/internal/auth"
	"wsec/internal/protocol"
)

func decodeResp(t *testing.T, b []byte) protocol.BatchResult {
	t.Helper()
	var r protocol.BatchResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("response %q: %v", b, err)
	}
	return r
}

// A batch retried with the same (sender, seq) is stored once; the same
// events from another sender are recognised by their event key.
func TestNativeDedup(t *testing.T) {
	e := newEnv(t, Limits{})
	evs := synthEvents(0, 200)
	body := zstded(t, batchBody(evs))

	st, b, _ := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent-1", 41, body, ContentTypeBatch, "zstd"))
	if st != http.StatusOK {
		t.Fatalf("first send: %d %s", st, b)
	}
	if got := decodeResp(t, b); !reflect.DeepEqual(got, protocol.BatchResult{Accepted: 200, Stored: 200}) {
		t.Fatalf("first send: %+v", got)
	}
	// The agent did not see the 200 (say the connection dropped) and retries.
	st, b, _ = e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent-1", 41, body, ContentTypeBatch, "zstd"))
	if got := decodeResp(t, b); st != http.StatusOK || !reflect.DeepEqual(got, protocol.BatchResult{Accepted: 200, Duplicates: 200, DuplicateBatch: true}) {
		t.Fatalf("retry: %d %+v", st, got)
	}
	// A second agent behind a load balancer ships the same log.
	st, b, _ = e.do(e.nativeReq(e.a, e.a.SecondaryKey, "agent-2", 1, body, ContentTypeBatch, "zstd"))
	if got := decodeResp(t, b); st != http.StatusOK || !reflect.DeepEqual(got, protocol.BatchResult{Accepted: 200, Duplicates: 200}) {
		t.Fatalf("other sender: %d %+v", st, got)
	}

	stored := e.store.events[e.a.ID]
	if len(stored) != 200 {
		t.Fatalf("store holds %d events, want 200", len(stored))
	}
	for i := range evs {
		if !reflect.DeepEqual(stored[i], evs[i]) {
			t.Fatalf("event %d changed on the way:\n got %+v\nwant %+v", i, stored[i], evs[i])
		}
	}
	if e.store.sources[e.a.ID] != DefaultSourceSystem {
		t.Errorf("source system %q", e.store.sources[e.a.ID])
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"wsec_ingest_events_total", []string{"result", "accepted"}, 600},
		{"wsec_ingest_events_total", []string{"result", "stored"}, 200},
		{"wsec_ingest_events_total", []string{"result", "duplicate"}, 400}, // the retry's 200 and the other sender's
		{"wsec_ingest_duplicate_batches_total", nil, 1},
		{"wsec_ingest_requests_total", []string{"endpoint", "events", "outcome", "ok"}, 3},
		{"wsec_ingest_bytes_total", []string{"stage", "wire"}, float64(3 * len(body))},
	} {
		if got := e.metric(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := strings.Count(e.logs.String(), "msg=\"http request\""); n != 3 {
		t.Errorf("%d request log lines for 3 requests, want one each:\n%s", n, e.logs.String())
	}
}

// Every body form the agent may send arrives intact.
func TestNativeBodyForms(t *testing.T) {
	e := newEnv(t, Limits{})
	cases := []struct {
		name, ct, enc string
		body          func([]byte) []byte
		ndjson        bool
	}{
		{"batch identity", ContentTypeBatch, "", func(b []byte) []byte { return b }, false},
		{"batch gzip", ContentTypeBatch, "gzip", func(b []byte) []byte { return gzipped(t, b) }, false},
		{"batch zstd", ContentTypeBatch, "zstd", func(b []byte) []byte { return zstded(t, b) }, false},
		{"batch zstd stream", "application/octet-stream", "zstd", func(b []byte) []byte { return zstdStream(t, b) }, false},
		{"batch s2", ContentTypeBatch, "s2", func(b []byte) []byte { return s2.Encode(nil, b) }, false},
		{"ndjson identity", ContentTypeNDJSON, "", func(b []byte) []byte { return b }, true},
		{"ndjson gzip", ContentTypeNDJSON + "; charset=utf-8", "gzip", func(b []byte) []byte { return gzipped(t, b) }, true},
		{"ndjson zstd", ContentTypeNDJSON, "zstd", func(b []byte) []byte { return zstded(t, b) }, true},
		{"ndjson s2", ContentTypeNDJSON, "s2", func(b []byte) []byte { return s2.Encode(nil, b) }, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := synthEvents(uint64(i)*1000, 50)
			raw := batchBody(evs)
			if c.ndjson {
				raw = ndjsonBody(evs)
			}
			before := len(e.store.events[e.a.ID])
			st, b, _ := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", uint64(i), c.body(raw), c.ct, c.enc))
			if st != http.StatusOK || decodeResp(t, b).Stored != 50 {
				t.Fatalf("%d %s", st, b)
			}
			got := e.store.events[e.a.ID][before:]
			if !reflect.DeepEqual(got, evs) {
				t.Fatalf("events differ after the trip")
			}
		})
	}
}

// A failing store acknowledges nothing; the retry of the same batch is
// then stored (not taken for a duplicate).
func TestNativeStoreFailure(t *testing.T) {
	e := newEnv(t, Limits{})
	e.store.fail = errStoreDown
	body := batchBody(synthEvents(0, 10))
	st, b, hdr := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 7, body, ContentTypeBatch, ""))
	if st != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || !strings.Contains(string(b), "ServiceUnavailable") {
		t.Fatalf("store down: %d %s (Retry-After %q)", st, b, hdr.Get("Retry-After"))
	}
	if strings.Contains(string(b), "disk full") {
		t.Errorf("internal error text leaked to the client: %s", b)
	}
	if got := e.metric("wsec_ingest_requests_total", "outcome", "failed"); got != 1 {
		t.Errorf("failed requests = %v", got)
	}
	e.store.mu.Lock()
	e.store.fail = nil
	e.store.mu.Unlock()
	st, b, _ = e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 7, body, ContentTypeBatch, ""))
	if got := decodeResp(t, b); st != http.StatusOK || got.Stored != 10 || got.DuplicateBatch {
		t.Fatalf("retry after failure: %d %+v", st, got)
	}
}

// With every slot taken, a request waits BusyWait and is refused with 503,
// without reading its body into memory.
func TestNativeBusy(t *testing.T) {
	e := newEnv(t, Limits{MaxInFlight: 1, BusyWait: 20e6})
	block := make(chan struct{})
	e.store.mu.Lock()
	e.store.block = block
	e.store.mu.Unlock()
	body := batchBody(synthEvents(0, 5))
	done := make(chan int)
	go func() {
		resp, err := e.client.Do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 1, body, ContentTypeBatch, ""))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// Wait until the first request holds the slot.
	for e.metric("wsec_ingest_in_flight_requests") != 1 {
		select {
		case st := <-done:
			t.Fatalf("first request finished early: %d", st)
		default:
			runtime.Gosched()
		}
	}
	st, b, hdr := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 2, body, ContentTypeBatch, ""))
	if st != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Fatalf("second request: %d %s", st, b)
	}
	close(block)
	if st := <-done; st != http.StatusOK {
		t.Fatalf("first request: %d", st)
	}
	if got := e.metric("wsec_ingest_refused_total", "reason", "busy"); got != 1 {
		t.Errorf("busy refusals = %v", got)
	}
}

func TestNativeTruncatesLongValues(t *testing.T) {
	e := newEnv(t, Limits{MaxFieldBytes: 100})
	evs := synthEvents(0, 2)
	long := strings.Repeat("é", 80) // 160 bytes
	evs[1].Data = append(evs[1].Data, dataField("CommandLine", long))
	st, b, _ := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 1, batchBody(evs), ContentTypeBatch, ""))
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, b)
	}
	got := e.store.events[e.a.ID][1].Value("CommandLine")
	if got != strings.Repeat("é", 50) {
		t.Errorf("truncated value %q (%d bytes), want 50 whole characters", got, len(got))
	}
	if n := e.metric("wsec_ingest_fields_truncated_total"); n != 1 {
		t.Errorf("truncated fields = %v", n)
	}
}

// The 200 is sent only after the store's append returned: while the
// append is in progress the client has no answer.
func TestNativeAnswersAfterAppend(t *testing.T) {
	e := newEnv(t, Limits{})
	block := make(chan struct{})
	e.store.mu.Lock()
	e.store.block = block
	e.store.mu.Unlock()
	answered := make(chan int, 1)
	go func() {
		resp, err := e.client.Do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 1, batchBody(synthEvents(0, 4)), ContentTypeBatch, ""))
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for e.metric("wsec_ingest_in_flight_requests") != 1 {
		runtime.Gosched()
	}
	select {
	case st := <-answered:
		t.Fatalf("answered %d while the append was still running", st)
	default:
	}
	if n := len(e.store.events[e.a.ID]); n != 0 {
		t.Fatalf("store holds %d events before the append returned", n)
	}
	close(block)
	if st := <-answered; st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	e.store.mu.Lock()
	n := len(e.store.events[e.a.ID])
	e.store.mu.Unlock()
	if n != 4 {
		t.Fatalf("acknowledged batch not in the store: %d events", n)
	}
}

// A chunked body (length unknown until read) is refused unread when
// signed with SharedKey, whose signature covers the length; signed with
// WsecKey it is verified before it is read and stored. No refusal keeps a
// slot.
func TestNativeChunked(t *testing.T) {
	e := newEnv(t, Limits{MaxInFlight: 1})
	body := batchBody(synthEvents(0, 4))
	chunked := func(key string, bodySigned bool) *http.Request {
		r := e.nativeReq(e.a, key, "agent-chunked", 1, body, ContentTypeBatch, "")
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = -1
		if bodySigned {
			if err := auth.SignContent(r, body, e.a.ID, key, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	for _, c := range []struct {
		name       string
		key        string
		bodySigned bool
		status     int
	}{
		{"SharedKey", e.a.PrimaryKey, false, http.StatusLengthRequired},
		{"WsecKey, wrong key", e.b.PrimaryKey, true, http.StatusForbidden},
		{"WsecKey", e.a.PrimaryKey, true, http.StatusOK},
	} {
		st, b, _ := e.do(chunked(c.key, c.bodySigned))
		if st != c.status {
			t.Fatalf("chunked, %s: %d %s, want %d", c.name, st, b, c.status)
		}
		if got := e.metric("wsec_ingest_in_flight_requests"); got != 0 {
			t.Fatalf("in flight after chunked %s = %v, want 0", c.name, got)
		}
		if st == http.StatusOK && decodeResp(t, b).Stored != 4 {
			t.Fatalf("chunked, %s: %s", c.name, b)
		}
	}
}
