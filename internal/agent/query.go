package agent

import (
	"fmt"
	"strings"

	"wsec/internal/filter"
)

// checkEventLogQuery compiles an eventlog source's query as Windows will
// get it, so that a query EvtSubscribe would refuse (15001) is a
// configuration error at load rather than a stream failing on the host.
// Each channel gets a stream of its own subscribed with the same query:
// an XPath applies to each, but a QueryList names its own channels (its
// Paths), so it is taken only for a source of one channel that every Path
// names, or every stream would read all of them.
func checkEventLogQuery(s SourceConfig) error {
	q := strings.TrimSpace(s.Query)
	if !strings.HasPrefix(q, "<") {
		// An XPath without channel: compiled as the query of the first
		// channel (the XPath is the same for all).
		if _, err := filter.CompileQuery("Security!"+q, filter.Options{}); err != nil {
			return fmt.Errorf("query %q: %w (Windows would refuse it: ERROR_EVT_INVALID_QUERY)", s.Query, err)
		}
		return nil
	}
	ql, err := filter.CompileQueryList(q, filter.Options{})
	if err != nil {
		return fmt.Errorf("query: %w (Windows would refuse it: ERROR_EVT_INVALID_QUERY)", err)
	}
	if len(s.Channels) != 1 {
		return fmt.Errorf("query is a QueryList, which names its own channels; give the source exactly one channel (it has %d), and one source per channel", len(orChannels(s.Channels)))
	}
	for _, ch := range ql.Channels() {
		if !strings.EqualFold(ch, s.Channels[0]) {
			return fmt.Errorf("query is a QueryList selecting from %q, but the source reads channel %q; give each channel a source of its own", ch, s.Channels[0])
		}
	}
	return nil
}

func orChannels(chs []string) []string {
	if len(chs) == 0 {
		return DefaultChannels()
	}
	return chs
}

// readsChannel reports whether a source may deliver events of channel: an
// eventlog source naming it (or reading the default channels that hold
// it), or any file or synthetic source, whose events carry whatever
// channel they were written with.
func (c *Config) readsChannel(channel string) bool {
	for _, s := range c.Sources {
		if s.Kind != KindEventLog {
			return true
		}
		for _, ch := range orChannels(s.Channels) {
			if strings.EqualFold(ch, channel) {
				return true
			}
		}
	}
	return false
}
