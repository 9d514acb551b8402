package api

import "time"

// Limits bound what one query request may cost. Zero fields take the
// DefaultLimits value.
type Limits struct {
	// MaxBodyBytes bounds the request body (the JSON with the query).
	// Default 1 MiB.
	MaxBodyBytes int64
	// MaxQueryBytes bounds the query text. Default 256 KiB, far above any
	// hand-written or rule query.
	MaxQueryBytes int
	// MaxRows is the most rows sent back; more are cut and reported as a
	// PartialError. Default 500,000, Log Analytics' limit.
	MaxRows int
	// QueryTimeout is how long a query may run unless the client asks for
	// less or more with "Prefer: wait=N". Default 3 minutes.
	QueryTimeout time.Duration
	// MaxQueryTimeout caps "Prefer: wait=N". Default 10 minutes, Log
	// Analytics' limit.
	MaxQueryTimeout time.Duration
	// MaxInFlight bounds queries running at once; others wait up to
	// BusyWait and then get 503. Default 8 (the store is the bottleneck).
	MaxInFlight int
	// BusyWait is how long a query waits for a slot. Default 30 s.
	BusyWait time.Duration
}

// DefaultLimits returns the defaults described on Limits.
func DefaultLimits() Limits {
	return Limits{
		MaxBodyBytes:    1 << 20,
		MaxQueryBytes:   256 << 10,
		MaxRows:         500_000,
		QueryTimeout:    3 * time.Minute,
		MaxQueryTimeout: 10 * time.Minute,
		MaxInFlight:     8,
		BusyWait:        30 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	setDef(&l.MaxBodyBytes, d.MaxBodyBytes)
	setDef(&l.MaxQueryBytes, d.MaxQueryBytes)
	setDef(&l.MaxRows, d.MaxRows)
	setDef(&l.QueryTimeout, d.QueryTimeout)
	setDef(&l.MaxQueryTimeout, d.MaxQueryTimeout)
	setDef(&l.MaxInFlight, d.MaxInFlight)
	setDef(&l.BusyWait, d.BusyWait)
	return l
}

func setDef[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// maxTimespan bounds a parsed ISO 8601 duration (no overflow, no absurd
// ranges): 200 years.
const maxTimespan = 200 * 365 * 24 * time.Hour
