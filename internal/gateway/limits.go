package gateway

import "time"

// Defaults and limits. Options override the defaults; the Max* limits
// protect the gateway and cannot be raised.
const (
	// MaxBodyBytes bounds a relayed batch as sent: the workspace's own
	// limit (ingest.DefaultLimits MaxBodyBytes), so the gateway never
	// accepts a batch the workspace would refuse for its size.
	MaxBodyBytes = 30 << 20

	// MaxMetaBytes bounds a batch's path, query and kept headers, encoded.
	MaxMetaBytes = 16 << 10

	// DefaultMaxSpoolBytes bounds each upstream workspace's spool: hours of
	// a site's events (1 GiB holds about a million Security events,
	// compressed ten times fewer bytes). When it is full, agents are
	// answered 503 with Retry-After and keep their events.
	DefaultMaxSpoolBytes = 4 << 30

	// DefaultInFlight is how many batches a forwarder sends to its
	// workspace at once: the workspace stores batches in parallel, and a
	// gateway collects from many agents.
	DefaultInFlight = 4

	// FullRetryAfter is the Retry-After sent with a 503 when a spool is
	// full: long enough for the forwarder to drain some, short enough that
	// agents resume soon after.
	FullRetryAfter = 30 * time.Second

	// Retries of a batch: full-jitter exponential backoff between
	// DefaultRetryBase and DefaultRetryMax, for ever (the spool holds it).
	DefaultRetryBase = 500 * time.Millisecond
	DefaultRetryMax  = 30 * time.Second

	// DefaultRequestTimeout bounds one forwarding attempt.
	DefaultRequestTimeout = time.Minute

	// DefaultMaxDeadLetterBytes bounds the batches kept after the workspace
	// refused them for good (a 4xx other than 401, 403, 404, 408, 429).
	// When it is full the forwarder stalls instead of dropping.
	DefaultMaxDeadLetterBytes = 256 << 20

	// MaxResponseBytes is how much of a workspace's answer is kept for
	// logs and status.
	MaxResponseBytes = 4 << 10

	// DialTimeout bounds connecting to a workspace (relay) or to an allowed
	// host (proxy).
	DialTimeout = 10 * time.Second

	// DefaultMaxTunnels bounds the proxy's open CONNECT tunnels; more are
	// answered 503.
	DefaultMaxTunnels = 1024
)
