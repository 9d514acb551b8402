package auth

import (
	"errors"
	"sync"
	"time"
)

// Errors of ReplayCache.Claim.
var (
	// ErrReplayed: the key was claimed and settled before and has not
	// expired.
	ErrReplayed = errors.New("replayed")
	// ErrInProgress: the key is claimed and not yet settled: the request
	// it identifies is being carried out.
	ErrInProgress = errors.New("identical request in progress")
	// ErrReplayCacheFull: the cache holds its maximum of live keys.
	ErrReplayCacheFull = errors.New("replay cache full")
)

// ReplayCache remembers request identities (a nonce, a digest of a whole
// request) until they expire, so a second request with the same identity
// can be refused. A key is claimed when its request starts, then settled
// when it was carried out or forgotten when it was not, so that a retry of
// a failed request is not mistaken for a replay. It holds at most a fixed number of live keys and frees
// expired ones as new ones arrive. It is safe for concurrent use.
type ReplayCache struct {
	mu    sync.Mutex
	max   int
	keys  map[string]entry
	order []claim // in claim order; expired entries are dropped from the front
	head  int
}

type entry struct {
	until   time.Time
	settled bool
}

type claim struct {
	key   string
	until time.Time
}

// NewReplayCache returns a cache of at most max live keys.
func NewReplayCache(max int) *ReplayCache {
	return &ReplayCache{max: max, keys: make(map[string]entry)}
}

// Claim records key until the time until. It returns ErrReplayed when key
// is settled and not expired at now, ErrInProgress when it is claimed and
// not settled, ErrReplayCacheFull when max live keys are recorded.
func (c *ReplayCache) Claim(key string, until, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if e, ok := c.keys[key]; ok && e.until.After(now) {
		if e.settled {
			return ErrReplayed
		}
		return ErrInProgress
	}
	if len(c.keys) >= c.max {
		return ErrReplayCacheFull
	}
	c.keys[key] = entry{until: until}
	c.order = append(c.order, claim{key, until})
	return nil
}

// Settle marks a claimed key as carried out: from now on Claim reports
// ErrReplayed for it.
func (c *ReplayCache) Settle(key string) {
	c.mu.Lock()
	if e, ok := c.keys[key]; ok {
		e.settled = true
		c.keys[key] = e
	}
	c.mu.Unlock()
}

// Forget removes a claimed key, so it may be claimed again (the request it
// identified was not carried out).
func (c *ReplayCache) Forget(key string) {
	c.mu.Lock()
	delete(c.keys, key)
	c.mu.Unlock()
}

// expire drops keys from the front of the claim order while they have
// expired. Keys are claimed with until at most 2*MaxClockSkew ahead, so a
// key waits at most that long behind an older one.
func (c *ReplayCache) expire(now time.Time) {
	for c.head < len(c.order) && !c.order[c.head].until.After(now) {
		cl := c.order[c.head]
		if e, ok := c.keys[cl.key]; ok && e.until.Equal(cl.until) {
			delete(c.keys, cl.key)
		}
		c.order[c.head] = claim{}
		c.head++
	}
	if c.head > len(c.order)/2 && c.head > 1024 {
		c.order = append(c.order[:0], c.order[c.head:]...)
		c.head = 0
	}
	if c.head == len(c.order) {
		c.order, c.head = c.order[:0], 0
	}
}
