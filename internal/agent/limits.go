package agent

import "time"

// Defaults and limits. Each default can be overridden in the Config.
const (
	// DefaultRulesInterval: how often each destination asks its workspace
	// for changed data collection rules. An unchanged answer is a 304 of a
	// few hundred bytes, and a rule change reaches the agent within this
	// interval (the promise is "within a minute").
	DefaultRulesInterval = 30 * time.Second

	// DefaultHeartbeatInterval: one Heartbeat row per minute per
	// destination, as Azure Monitor agents send.
	DefaultHeartbeatInterval = time.Minute

	// DefaultStatusInterval: how often the status file is rewritten
	// (replaced by rename, without fsync: it is information, not state).
	DefaultStatusInterval = 5 * time.Second

	// DefaultBookmarkInterval: how often acknowledged positions are saved
	// to the bookmark file (an atomic replace: two fsyncs). Saving is not
	// needed for correctness (the spools know their positions); it bounds
	// how much is re-read after the spools are reset.
	DefaultBookmarkInterval = 5 * time.Second

	// DefaultSpoolSyncInterval: appended events are fsynced together at
	// most this often (spool group commit) instead of once per append. At
	// 1,000 events/s this halves the agent's CPU time (an fsync is most of
	// an append's cost); events reach the workspace up to this much later;
	// a power loss (not a crash: kill -9 loses nothing) costs re-reading
	// the last half second from the source, which the spool's positions
	// make exact (doc.go).
	DefaultSpoolSyncInterval = 500 * time.Millisecond

	// FirstRulesTimeout bounds the wait for a destination's rules at start
	// before reading begins with the cached or configured ones, so a
	// workspace that is down does not hold the agent back.
	FirstRulesTimeout = 5 * time.Second

	// RulesRequestTimeout and HeartbeatTimeout bound one request.
	RulesRequestTimeout = 30 * time.Second
	HeartbeatTimeout    = 30 * time.Second

	// DetachedPoll: while a destination is detached (its spool filled up)
	// and the sources are idle or finished, the agent asks this often
	// whether it can take events again, so it catches up without waiting
	// for new input.
	DetachedPoll = 200 * time.Millisecond

	// StreamRetryMin and StreamRetryMax bound the backoff before a source
	// that failed (a file that cannot be read) is tried again.
	StreamRetryMin = time.Second
	StreamRetryMax = 5 * time.Minute

	// MaxOfferBytes bounds the events handed to the destinations at once
	// (estimated size): a destination appends an offer to its spool whole
	// (one fsync), so larger offers save fsyncs, but an offer must fit in
	// a spool that has drained to its resume mark; offers are also cut to
	// an eighth of the smallest spool.
	MaxOfferBytes = 4 << 20

	// MinSpoolBytes is the smallest spool accepted: it must hold a few
	// offers of the largest events (a Windows event is at most 64 KiB).
	MinSpoolBytes = 256 << 10

	// MaxConfigBytes bounds the configuration file.
	MaxConfigBytes = 1 << 20

	// MaxDestinations bounds the workspaces one agent sends to: each has a
	// spool (up to SpoolMaxBytes of disk) and a shipper goroutine.
	MaxDestinations = 16

	// MaxRulesCacheBytes bounds a cached rules file read at start.
	MaxRulesCacheBytes = 4 << 20

	// ShutdownTimeout bounds how long Run waits for shippers and readers
	// after ctx is done (a request in flight is abandoned; the spool keeps
	// the batch and it is sent again, under the same sequence number).
	ShutdownTimeout = 10 * time.Second
)
