package access

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
	"time"
)

// session is one browser login. Sessions live in memory: a server restart
// logs every browser out, which is the safe direction.
type session struct {
	user    string
	csrf    string
	created time.Time
	expires time.Time
}

// sessions holds the live sessions by ID (the cookie value).
type sessions struct {
	ttl  time.Duration
	now  func() time.Time
	rand io.Reader

	mu   sync.Mutex
	byID map[string]session
}

func newSessions(ttl time.Duration, now func() time.Time, rand io.Reader) *sessions {
	return &sessions{ttl: ttl, now: now, rand: rand, byID: map[string]session{}}
}

func randomString(rand io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// create starts a session for user and returns its ID.
func (ss *sessions) create(user string) (string, session, error) {
	id, err := randomString(ss.rand, 32)
	if err != nil {
		return "", session{}, err
	}
	csrf, err := randomString(ss.rand, 32)
	if err != nil {
		return "", session{}, err
	}
	now := ss.now()
	s := session{user: user, csrf: csrf, created: now, expires: now.Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byID) >= MaxSessions {
		ss.evictLocked(now)
	}
	ss.byID[id] = s
	return id, s, nil
}

// evictLocked drops expired sessions, and the oldest one if none expired.
func (ss *sessions) evictLocked(now time.Time) {
	var oldest string
	for id, s := range ss.byID {
		switch {
		case !now.Before(s.expires):
			delete(ss.byID, id)
		case oldest == "" || s.created.Before(ss.byID[oldest].created):
			oldest = id
		}
	}
	if len(ss.byID) >= MaxSessions {
		delete(ss.byID, oldest)
	}
}

// lookup returns the session with id; expired is true (and the session
// dropped) when it existed but its time is over.
func (ss *sessions) lookup(id string) (s session, ok, expired bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok = ss.byID[id]
	if ok && !ss.now().Before(s.expires) {
		delete(ss.byID, id)
		return session{}, false, true
	}
	return s, ok, false
}

func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	delete(ss.byID, id)
	ss.mu.Unlock()
}

// deleteUser ends every session of user (deleted, or password changed).
func (ss *sessions) deleteUser(user string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, s := range ss.byID {
		if s.user == user {
			delete(ss.byID, id)
		}
	}
}

func csrfMatches(s session, header string) bool {
	return header != "" && subtle.ConstantTimeCompare([]byte(s.csrf), []byte(header)) == 1
}
