package analytics

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"wsec/internal/analytics/incident"
	"wsec/internal/analytics/notify"
)

// TestWebhooksDeliverAlertsAndIncidents backfills three windows of a rule
// with a webhook whose receiver fails every first try: after the retries
// it has taken every stored alert and every incident version, each
// signed, and a closing of an incident too.
func TestWebhooksDeliverAlertsAndIncidents(t *testing.T) {
	const secret = "webhook-secret-0123456789"
	var mu sync.Mutex
	tries := map[string]int{}
	taken := map[string]string{} // key → event kind
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get(notify.HeaderTimestamp), 10, 64)
		if r.Header.Get(notify.HeaderSignature) != notify.Sign(secret, ts, body) {
			t.Errorf("bad signature on %s", body)
		}
		key := r.Header.Get(notify.HeaderIdempotency)
		mu.Lock()
		defer mu.Unlock()
		tries[key]++
		if tries[key] == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		taken[key] = r.Header.Get(notify.HeaderEvent)
	}))
	defer srv.Close()

	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	env := newEnv(t, t.TempDir(), t0.Add(time.Hour))
	env.synthetic(t, t0, time.Second, 1200, nil)
	ctx := context.Background()
	n, err := notify.New(notify.Options{Dir: env.dir + "/webhooks", Now: env.clk.Now, RetryBase: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Put(testWS, notify.Webhook{Name: "soc", URL: srv.URL, Secret: secret, Rules: []string{"Logons in the window"}}); err != nil {
		t.Fatal(err)
	}
	eng, err := New(Options{Dir: env.dir + "/analytics", Workspace: env.svc, Now: env.clk.Now, Notifier: n})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Import(ctx, testWS, []byte(everyWindowRule), true); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Backfill(ctx, testWS, "Logons in the window", t0, t0.Add(15*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Change(ctx, testWS, func(b *incident.Book) (*incident.Incident, error) {
		return b.Close(1, "BenignPositive", "SuspiciousButExpected", "", "alice")
	}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := n.DeliverDue(ctx, testWS); err != nil {
			t.Fatal(err)
		}
		env.clk.Set(env.clk.Now().Add(time.Second))
	}
	var want []string
	for _, r := range env.query(t, "SecurityAlert | project SystemAlertId") {
		want = append(want, cellText(r[0])+"=alert")
	}
	for _, r := range env.query(t, "SecurityIncident | project IncidentName, TimeGenerated") {
		want = append(want, cellText(r[0])+"@"+r[1].(time.Time).UTC().Format(time.RFC3339Nano)+"=incident")
	}
	var got []string
	for k, kind := range taken {
		got = append(got, k+"="+kind)
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) != 3+3+1 || !slices.Equal(got, want) {
		t.Errorf("receiver took\n%v\nwant every alert and incident version\n%v", got, want)
	}
	for k, n := range tries {
		if n != 2 {
			t.Errorf("%s tried %d times, want 2 (a failure, then taken)", k, n)
		}
	}
	b, _ := json.Marshal(taken)
	t.Logf("taken: %s", b)
}
