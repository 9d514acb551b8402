package ship

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestTransientStatusIsRetriedNotParked: throttling, timeouts, server
// errors and configuration problems an operator fixes (key, URL) keep the
// batch in the spool and retry it; only a refusal of the batch itself is
// parked.
func TestTransientStatusIsRetriedNotParked(t *testing.T) {
	for _, status := range []int{
		http.StatusTooManyRequests, http.StatusRequestTimeout, http.StatusUnauthorized,
		http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable,
		http.StatusMultipleChoices, // a 3xx (a proxy's page): not stored, so not acknowledged
	} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ws := newFakeWorkspace(t, wsA)
			ws.before = func(n int, _ *http.Request) int {
				if n <= 2 {
					return status
				}
				return 0
			}
			_, f := shipTo(t, ws)
			running(t, f)
			src := newTestSource(500)
			src.feed(t, context.Background(), f, 500, 500)
			waitDrained(t, f)
			ws.checkExactlyOnce(t, src.keys(0, 500))
			if st := f.Status()[0]; st.Rejected != 0 || st.Retries < 2 {
				t.Fatalf("status %+v: want 2 retries and nothing parked", st)
			}
		})
	}
}

// TestRetryAfterIsHonoured: a workspace that answers 429 or 503 with
// Retry-After is not asked again sooner, whatever the backoff would say
// (the test's backoff is at most 20 ms).
func TestRetryAfterIsHonoured(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ws := newFakeWorkspace(t, wsA)
			ws.retryAfter = "1"
			var (
				mu   sync.Mutex
				seen []time.Time
			)
			ws.before = func(n int, _ *http.Request) int {
				mu.Lock()
				seen = append(seen, time.Now())
				mu.Unlock()
				if n == 1 {
					return status
				}
				return 0
			}
			_, f := shipTo(t, ws)
			running(t, f)
			src := newTestSource(100)
			src.feed(t, context.Background(), f, 100, 100)
			waitDrained(t, f)
			ws.checkExactlyOnce(t, src.keys(0, 100))
			mu.Lock()
			defer mu.Unlock()
			// The timer of the wait started after the 429 was sent, so the
			// gap between the requests is at least Retry-After.
			if gap := seen[1].Sub(seen[0]); gap < time.Second {
				t.Fatalf("retried %v after a Retry-After: 1 answer", gap)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-3", 0},
		{"7", 7 * time.Second},
		{"86400", MaxRetryAfter},
		{"9227000000", MaxRetryAfter},           // n s overflows a Duration
		{"10000000000000000000", MaxRetryAfter}, // beyond uint64
		{"+5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(24 * time.Hour).Format(http.TimeFormat), MaxRetryAfter},
	} {
		if got := ParseRetryAfter(c.v, now); got != c.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", c.v, got, c.want)
		}
	}
}
