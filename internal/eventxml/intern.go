package eventxml

// interner shares the strings that repeat from event to event (provider,
// channel, computer, field names) so that a long stream does not hold one copy
// per event. It belongs to one Reader and is bounded by internMaxEntries and
// internMaxBytes; once full it stops adding.
type interner struct {
	m   map[string]string
	off bool // sharing is pointless for a one-event document (ParseEvent)
}

// lookup returns the shared copy of b, creating it while there is room.
func (in *interner) lookup(b []byte) (string, bool) {
	if in.off || len(b) > internMaxBytes {
		return "", false
	}
	if s, ok := in.m[string(b)]; ok {
		return s, true
	}
	if in.m == nil {
		in.m = make(map[string]string, 64)
	}
	if len(in.m) >= internMaxEntries {
		return "", false
	}
	s := string(b)
	in.m[s] = s
	return s, true
}
