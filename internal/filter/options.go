package filter

import "time"

// Options configure compilation. The zero value is ready to use.
type Options struct {
	// Now is the clock timediff() measures against. nil means time.Now.
	// Tests inject a fixed clock; it is called at most once per Keep call,
	// and only when some query uses timediff().
	Now func() time.Time

	// MaxQueryBytes bounds one query's text. 0 means DefaultMaxQueryBytes;
	// negative means no limit (trusted, local configuration only).
	MaxQueryBytes int

	// MaxQueries bounds the queries in one policy. 0 means
	// DefaultMaxQueries; negative means no limit.
	MaxQueries int
}

// DefaultOptions returns Options with every default spelt out.
func DefaultOptions() Options {
	return Options{Now: time.Now, MaxQueryBytes: DefaultMaxQueryBytes, MaxQueries: DefaultMaxQueries}
}

func (o Options) now() func() time.Time {
	if o.Now == nil {
		return time.Now
	}
	return o.Now
}

func (o Options) maxQueryBytes() int {
	if o.MaxQueryBytes == 0 {
		return DefaultMaxQueryBytes
	}
	return o.MaxQueryBytes
}

func (o Options) maxQueries() int {
	if o.MaxQueries == 0 {
		return DefaultMaxQueries
	}
	return o.MaxQueries
}
