package ship

import (
	"strconv"
	"testing"
	"time"
)

// FuzzParseRetryAfter: Retry-After comes from the workspace's answer (or a
// proxy's). Any value gives a wait in [0, MaxRetryAfter], never a negative
// one that would retry at once; delay-seconds n > 0 gives min(n s, cap).
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"", "0", "7", "-3", "+5", "86400", "9223372036", "99999999999", "10000000000000000000",
		"Sat, 05 Dec 2026 12:01:30 GMT", "Sat, 05 Dec 2026 11:59:00 GMT", "soon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d := ParseRetryAfter(v, now)
		if d < 0 || d > MaxRetryAfter {
			t.Fatalf("ParseRetryAfter(%q) = %v, outside [0, %v]", v, d, MaxRetryAfter)
		}
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			want := MaxRetryAfter
			if n < uint64(MaxRetryAfter/time.Second) {
				want = time.Duration(n) * time.Second
			}
			if d != want {
				t.Fatalf("ParseRetryAfter(%q) = %v, want %v", v, d, want)
			}
		}
	})
}
