package access

import "time"

// Limits and defaults. Each says what happens when it is reached.
const (
	// DefaultSessionTTL is how long a browser session lasts after login;
	// past it every request with its cookie is refused with 401
	// (session_expired) and the user logs in again.
	DefaultSessionTTL = 12 * time.Hour
	// MaxSessions bounds the sessions held in memory. When full, expired
	// sessions are dropped, then the oldest one (its user logs in again).
	MaxSessions = 10000

	// MaxLoginFailures is how many wrong logins a user name, or a client
	// address, may make before it is throttled: further attempts are
	// refused with 429 and Retry-After, without checking the password.
	MaxLoginFailures = 5
	// LoginLockout is the first throttle period; it doubles with every
	// further failure up to MaxLoginLockout.
	LoginLockout    = 30 * time.Second
	MaxLoginLockout = 15 * time.Minute
	// LoginFailureMemory is how long a failure is remembered; a success
	// forgets the user name's failures at once.
	LoginFailureMemory = 15 * time.Minute
	// MaxThrottleEntries bounds the remembered failures; when full, the
	// entry whose last failure is oldest is forgotten.
	MaxThrottleEntries = 10000

	// MaxUsers and MaxTokens bound the access file; creating one more is
	// refused with an error saying so.
	MaxUsers  = 1000
	MaxTokens = 10000
	// MaxAccessFileBytes bounds the access file read at start and reload.
	MaxAccessFileBytes = 16 << 20
	// MaxNameBytes bounds user and token names.
	MaxNameBytes = 64
	// MinPasswordBytes and MaxPasswordBytes bound passwords; a longer one
	// is refused before hashing (argon2 cost does not grow with length,
	// but request bodies are bounded anyway).
	MinPasswordBytes = 8
	MaxPasswordBytes = 1024
	// MaxBodyBytes bounds the JSON bodies of the session, users and
	// tokens APIs.
	MaxBodyBytes = 64 << 10

	// ReloadInterval is how often a running server checks whether the CLI
	// changed the access file (users, roles, tokens).
	ReloadInterval = 2 * time.Second

	// DefaultAuditLimit and MaxAuditLimit bound one audit query's answer.
	DefaultAuditLimit = 100
	MaxAuditLimit     = 5000
)
