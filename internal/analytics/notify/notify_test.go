package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// receiver answers fail for the first failures requests, then 200, and
// records what it got after checking each signature.
type receiver struct {
	t        *testing.T
	secret   string
	failures int
	fail     int // status of a failure
	mu       sync.Mutex
	got      []*http.Request
	bodies   [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts, err := strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64)
	if err != nil || r.Header.Get(HeaderSignature) != Sign(rc.secret, ts, body) {
		rc.t.Errorf("bad signature %q over %s", r.Header.Get(HeaderSignature), body)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, r)
	rc.bodies = append(rc.bodies, body)
	n := len(rc.got)
	rc.mu.Unlock()
	if n <= rc.failures {
		w.WriteHeader(rc.fail)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

const secret = "0123456789abcdef-secret"

func queued(t *testing.T, dir, sub string) int {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "ws1", sub))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(ents)
}

// TestRetriedUntilTaken: a receiver that fails the first two tries gets
// the alert a third time after the backoff, across a restart of the
// notifier, with the same idempotency key and a valid signature each time;
// a webhook for another rule gets nothing.
func TestRetriedUntilTaken(t *testing.T) {
	rc := &receiver{t: t, secret: secret, failures: 2, fail: http.StatusServiceUnavailable}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	other := &receiver{t: t, secret: secret}
	srv2 := httptest.NewServer(other)
	defer srv2.Close()
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)}
	newNotifier := func() *Notifier {
		n, err := New(Options{Dir: dir, Now: clk.Now, RetryBase: time.Second, RetryMax: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := newNotifier()
	if err := n.Put("ws1", Webhook{Name: "soc", URL: srv.URL, Secret: secret, Rules: []string{"Brute force"}}); err != nil {
		t.Fatal(err)
	}
	if err := n.Put("ws1", Webhook{Name: "other", URL: srv2.URL, Secret: secret, Rules: []string{"r9"}, Kinds: []string{KindAlert}}); err != nil {
		t.Fatal(err)
	}
	msg := Message{Kind: KindAlert, Key: "a-1", RuleIDs: []string{"r1"}, RuleNames: []string{"Brute force"}, Payload: map[string]string{"systemAlertId": "a-1"}}
	if err := n.Enqueue("ws1", msg, msg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	step := func(wantDone, wantRequests int) {
		t.Helper()
		done, err := n.DeliverDue(ctx, "ws1")
		if err != nil {
			t.Fatal(err)
		}
		if done != wantDone || rc.count() != wantRequests {
			t.Fatalf("at %v: %d delivered, %d requests; want %d, %d", clk.Now(), done, rc.count(), wantDone, wantRequests)
		}
	}
	step(0, 1) // 503
	step(0, 1) // not due yet
	clk.Add(time.Second)
	step(0, 2)        // 503; next in 2s
	n = newNotifier() // restart: the queue is on disk
	clk.Add(1500 * time.Millisecond)
	step(0, 2)
	clk.Add(500 * time.Millisecond)
	step(1, 3)
	if q := queued(t, dir, "queue"); q != 0 {
		t.Errorf("%d deliveries still queued", q)
	}
	for i, r := range rc.got {
		if r.Header.Get(HeaderIdempotency) != "a-1" || r.Header.Get(HeaderEvent) != KindAlert {
			t.Errorf("request %d: key %q event %q", i, r.Header.Get(HeaderIdempotency), r.Header.Get(HeaderEvent))
		}
		var body struct {
			Type, Workspace, Webhook string
			Alert                    map[string]string
		}
		if err := json.Unmarshal(rc.bodies[i], &body); err != nil || body.Type != KindAlert || body.Workspace != "ws1" || body.Alert["systemAlertId"] != "a-1" {
			t.Errorf("request %d body %s", i, rc.bodies[i])
		}
	}
	if other.count() != 0 {
		t.Errorf("the webhook of another rule got %d requests", other.count())
	}
}

// TestRefusedGoesToDead: a 400 is not retried; the delivery is kept in
// dead/ with the reason.
func TestRefusedGoesToDead(t *testing.T) {
	rc := &receiver{t: t, secret: secret, failures: 100, fail: http.StatusBadRequest}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dir := t.TempDir()
	n, _ := New(Options{Dir: dir})
	if err := n.Put("ws1", Webhook{Name: "soc", URL: srv.URL, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	if err := n.Enqueue("ws1", Message{Kind: KindIncident, Key: "inc-1", Payload: map[string]int{"incidentNumber": 1}}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := n.DeliverDue(context.Background(), "ws1"); err != nil {
			t.Fatal(err)
		}
	}
	if rc.count() != 1 || queued(t, dir, "queue") != 0 || queued(t, dir, "dead") != 1 {
		t.Errorf("%d requests, %d queued, %d dead; want 1, 0, 1", rc.count(), queued(t, dir, "queue"), queued(t, dir, "dead"))
	}
}

func TestWebhookValidate(t *testing.T) {
	for _, w := range []Webhook{
		{Name: "", URL: "https://x", Secret: secret},
		{Name: "a/b", URL: "https://x", Secret: secret},
		{Name: "a", URL: "ftp://x", Secret: secret},
		{Name: "a", URL: "https://x", Secret: "short"},
		{Name: "a", URL: "https://x", Secret: secret, Kinds: []string{"mail"}},
	} {
		if w.Validate() == nil {
			t.Errorf("%+v accepted", w)
		}
	}
}
