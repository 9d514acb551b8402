package access

import (
	"sync"
	"time"
)

// throttle counts failed logins per key (a user name, a client address)
// and refuses attempts while a key is locked out: MaxLoginFailures
// failures lock it for LoginLockout, each further failure doubles that, up
// to MaxLoginLockout.
type throttle struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*failures
}

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, entries: map[string]*failures{}}
}

// wait returns how long the longest lockout of keys still lasts (0: none).
func (t *throttle) wait(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var d time.Duration
	for _, k := range keys {
		if f, ok := t.entries[k]; ok {
			d = max(d, f.until.Sub(now))
		}
	}
	return d
}

// fail records a failed login for each key.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		f, ok := t.entries[k]
		if ok && now.Sub(f.last) > LoginFailureMemory {
			f.n = 0
		}
		if !ok {
			if len(t.entries) >= MaxThrottleEntries {
				t.evictLocked(now)
			}
			f = &failures{}
			t.entries[k] = f
		}
		f.n++
		f.last = now
		if over := f.n - MaxLoginFailures; over >= 0 {
			lock := LoginLockout << min(over, 10)
			f.until = now.Add(min(lock, MaxLoginLockout))
		}
	}
}

// forget clears a key's failures (after a successful login).
func (t *throttle) forget(key string) {
	t.mu.Lock()
	delete(t.entries, key)
	t.mu.Unlock()
}

// evictLocked drops entries no longer remembered, or else the stalest.
func (t *throttle) evictLocked(now time.Time) {
	var stalest string
	for k, f := range t.entries {
		if now.Sub(f.last) > LoginFailureMemory && !now.Before(f.until) {
			delete(t.entries, k)
			continue
		}
		if stalest == "" || f.last.Before(t.entries[stalest].last) {
			stalest = k
		}
	}
	if len(t.entries) >= MaxThrottleEntries && stalest != "" {
		delete(t.entries, stalest)
	}
}
