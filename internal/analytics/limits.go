package analytics

import "time"

// Limits of the engine, each with why.
const (
	// MaxAlertsPerRun is how many alerts one window of an AlertPerResult
	// rule raises (Sentinel's limit); rows past it share the last alert.
	MaxAlertsPerRun = 150
	// MaxEntitiesPerAlert bounds an alert's entities (a SingleAlert of a
	// large result would otherwise list thousands).
	MaxEntitiesPerAlert = 150
	// DefaultIngestionDelay is how far the windows trail the clock, so
	// that events shipped late (agent spool, network) are in the store
	// when their window runs. Sentinel waits 5 minutes too.
	DefaultIngestionDelay = 5 * time.Minute
	// DefaultTick is how often the scheduler looks for due windows.
	DefaultTick = 10 * time.Second
	// DefaultNRTTick is how often NRT rules look for new rows when no
	// append signals (Options.Ingestion signals after every append).
	DefaultNRTTick = time.Second
	// DefaultLeaseTTL is how long a node's lease on a workspace's rules
	// lasts unrenewed (with several nodes): the longest pause of the rules
	// after the node running them dies.
	DefaultLeaseTTL = 30 * time.Second
	// NRTSettle is how far behind the clock NRT rules read when the
	// engine has no Ingestion to tell which appends are still in flight.
	NRTSettle = 5 * time.Second
	// MaxBackfillWindows bounds one backfill request (a year of 5-minute
	// windows is ~105k; more is a mistake in --from/--to).
	MaxBackfillWindows = 200_000
	// MaxRuleBytes bounds a rule file sent to the API.
	MaxRuleBytes = 1 << 20
)
