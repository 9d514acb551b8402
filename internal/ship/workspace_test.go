package ship

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/ship/shiptest"
)

const testSender = "agent-7d1c0a52"

// testKey is a workspace key: base64 of 64 bytes.
var testKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a, 0xc3, 0x11, 0x7e}, 16))

// fakeWorkspace receives batches the way the workspace's ingest will:
// it checks the WsecKey signature (recomputed here from the scheme, not
// with internal/auth), decompresses, decodes every event with
// event.NewBatchDecoder, and stores a batch once per (sender, seq). It
// remembers every event it stored, so tests can assert none is missing and
// none is stored twice.
type fakeWorkspace struct {
	t   testing.TB
	id  string
	key string

	ln  net.Listener
	srv *http.Server

	// before, when set, may answer request n (from 1) itself: it returns a
	// status to send without storing anything, or 0 to go on.
	before func(n int, r *http.Request) int
	// after, when set, runs after batch n was stored and before the
	// response is written; returning a status replaces 200.
	after func(n int, w http.ResponseWriter, r *http.Request) int
	// retryAfter, when set, is the Retry-After header of the failures
	// before injects.
	retryAfter string

	mu        sync.Mutex
	requests  int
	stored    map[string][]byte // sender/seq -> body, for batches stored
	events    map[event.Key]int // how many times each event was stored
	order     []event.Key
	dups      int // batches dropped as already stored
	refused   int // requests refused by checks (signature, decoding, ...)
	aborted   int // requests whose body ended early: the sender went away mid-request
	lastError string
	encodings map[string]int
	changed   chan struct{}
}

func newFakeWorkspace(t testing.TB, id string) *fakeWorkspace {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &fakeWorkspace{t: t, id: id, key: testKey, stored: map[string][]byte{},
		events: map[event.Key]int{}, encodings: map[string]int{}, changed: make(chan struct{})}
	w.start(ln)
	t.Cleanup(w.stop)
	return w
}

func (w *fakeWorkspace) start(ln net.Listener) {
	w.ln = ln
	w.srv = &http.Server{Handler: http.HandlerFunc(w.serve), ReadHeaderTimeout: 10 * time.Second}
	go w.srv.Serve(ln)
}

func (w *fakeWorkspace) URL() string { return "http://" + w.ln.Addr().String() }

// stop closes the server: connections are refused until restart.
func (w *fakeWorkspace) stop() {
	if w.srv != nil {
		w.srv.Close()
		w.srv = nil
	}
}

// restart listens again on the same address.
func (w *fakeWorkspace) restart() {
	w.t.Helper()
	addr := w.ln.Addr().String()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		w.t.Fatalf("listen again on %s: %v", addr, err)
	}
	w.start(ln)
}

func (w *fakeWorkspace) refuse(rw http.ResponseWriter, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.mu.Lock()
	w.refused++
	w.lastError = msg
	w.mu.Unlock()
	http.Error(rw, msg, status)
}

func (w *fakeWorkspace) serve(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	w.requests++
	n := w.requests
	w.mu.Unlock()
	if w.before != nil {
		if status := w.before(n, r); status != 0 {
			if w.retryAfter != "" {
				rw.Header().Set("Retry-After", w.retryAfter)
			}
			http.Error(rw, "injected failure", status)
			return
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/workspaces/"+w.id+"/events" {
		w.refuse(rw, http.StatusNotFound, "no route %s %s", r.Method, r.URL.Path)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBatchBytes+1))
	if err != nil {
		// The connection ended before Content-Length bytes (the sender was
		// killed or its link broke): nothing was sent to refuse, and no
		// one is left to answer.
		w.mu.Lock()
		w.aborted++
		w.mu.Unlock()
		return
	}
	if int64(len(body)) != r.ContentLength {
		w.refuse(rw, http.StatusBadRequest, "body %d bytes, Content-Length %d", len(body), r.ContentLength)
		return
	}
	if err := w.checkSignature(r, body); err != nil {
		w.refuse(rw, http.StatusForbidden, "%v", err)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-wsec-batch" {
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
	if c := r.Header.Get("X-Wsec-Count"); c != strconv.Itoa(len(evs)) {
		w.refuse(rw, http.StatusBadRequest, "X-Wsec-Count %s but %d events", c, len(evs))
		return
	}
	sender, seq := r.Header.Get("X-Wsec-Sender"), r.Header.Get("X-Wsec-Seq")
	if sender == "" || seq == "" {
		w.refuse(rw, http.StatusBadRequest, "missing sender or seq")
		return
	}
	id := sender + "/" + seq
	w.mu.Lock()
	w.encodings[r.Header.Get("Content-Encoding")]++
	if prev, dup := w.stored[id]; dup {
		w.dups++
		if !bytes.Equal(prev, raw) {
			// The sender reused a sequence number for different records:
			// dropping them would lose events.
			w.mu.Unlock()
			w.t.Errorf("batch %s sent again with different records (%d vs %d bytes)", id, len(raw), len(prev))
			http.Error(rw, "sequence reused", http.StatusConflict)
			return
		}
	} else {
		w.stored[id] = raw
		for _, e := range evs {
			k := e.Key()
			w.events[k]++
			w.order = append(w.order, k)
		}
	}
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
	status := http.StatusOK
	if w.after != nil {
		if s := w.after(n, rw, r); s != 0 {
			status = s
		}
	}
	rw.WriteHeader(status)
}

// checkSignature recomputes the WsecKey signature from the scheme
// (FORMAT.md), not with internal/auth, and checks the body digest.
func (w *fakeWorkspace) checkSignature(r *http.Request, body []byte) error {
	date := r.Header.Get("x-ms-date")
	t, err := http.ParseTime(date)
	if err != nil {
		return fmt.Errorf("x-ms-date %q: %v", date, err)
	}
	if d := time.Since(t); d > 15*time.Minute || d < -15*time.Minute {
		return fmt.Errorf("x-ms-date %q is %v off", date, d)
	}
	sum := sha256.Sum256(body)
	if got, want := r.Header.Get("x-ms-content-sha256"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("x-ms-content-sha256 %q, body's is %q", got, want)
	}
	if len(r.Header.Get("x-wsec-nonce")) < 16 {
		return fmt.Errorf("x-wsec-nonce %q too short", r.Header.Get("x-wsec-nonce"))
	}
	k, _ := base64.StdEncoding.DecodeString(w.key)
	h := hmac.New(sha256.New, k)
	fmt.Fprintf(h, "WsecKey\nPOST\n%s\n\n%s\n%s\nx-ms-date:%s\nx-ms-content-sha256:%s\n", r.URL.Path,
		r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"), date, r.Header.Get("x-ms-content-sha256"))
	var names []string
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-wsec-") {
			names = append(names, strings.ToLower(k))
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s:%s\n", n, strings.Join(r.Header.Values(n), ","))
	}
	want := "WsecKey " + w.id + ":" + base64.StdEncoding.EncodeToString(h.Sum(nil))
	if got := r.Header.Get("Authorization"); got != want {
		return fmt.Errorf("authorization %q, want %q", got, want)
	}
	return nil
}

// waitEvents blocks until at least n distinct events are stored.
func (w *fakeWorkspace) waitEvents(t testing.TB, n int) {
	t.Helper()
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		got, ch := len(w.events), w.changed
		w.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("workspace has %d events, waited for %d (last refusal: %s)", got, n, w.lastErr())
		}
	}
}

func (w *fakeWorkspace) lastErr() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastError
}

// checkExactlyOnce asserts that the workspace stored exactly the events
// want, each once.
func (w *fakeWorkspace) checkExactlyOnce(t testing.TB, want []event.Key) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, n := range w.events {
		if n != 1 {
			t.Errorf("event %v stored %d times", k, n)
		}
	}
	missing := 0
	for _, k := range want {
		if w.events[k] == 0 {
			if missing < 5 {
				t.Errorf("event %v (%s #%d) never stored", k, k.Channel, k.EventRecordID)
			}
			missing++
		}
	}
	if missing > 0 || len(w.events) != len(want) {
		t.Fatalf("stored %d distinct events, want %d (%d missing)", len(w.events), len(want), missing)
	}
}

func (w *fakeWorkspace) stats() (requests, batches, dups, refused int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.requests, len(w.stored), w.dups, w.refused
}
