package filter

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"wsec/internal/event"
)

// Policy is what decides which events a host collects: an event set plus
// data-collection-rule queries. An event is kept when the set admits it or
// any query matches it (a union). The zero Policy keeps nothing.
type Policy struct {
	// Set is the event set; the zero value SetNone contributes nothing.
	Set Set `json:"set,omitempty"`
	// Queries are "Channel!XPath" strings, or QueryList XML documents
	// (text starting with "<").
	Queries []string `json:"xPathQueries,omitempty"`
}

// Rules is a compiled Policy. It is immutable and safe for concurrent use.
type Rules struct {
	policy   Policy
	groups   []channelGroup // "Channel!XPath" queries by channel
	lists    []*QueryList
	now      func() time.Time
	usesNow  bool
	channels []string
}

// channelGroup holds the queries of one channel, so an event is tested only
// against queries of its own channel.
type channelGroup struct {
	channel string
	queries []*Query
}

// Compile compiles a policy. Every query is compiled (and every error
// reported, joined, each naming its query's 1-based index), so a broken DCR
// fails at load time in full rather than one typo at a time.
func Compile(p Policy, opts Options) (*Rules, error) {
	if p.Set > SetAll {
		return nil, fmt.Errorf("compile policy: invalid event set %d", uint8(p.Set))
	}
	if max := opts.maxQueries(); max > 0 && len(p.Queries) > max {
		return nil, fmt.Errorf("compile policy: %d queries, over the limit of %d", len(p.Queries), max)
	}
	r := &Rules{policy: Policy{Set: p.Set, Queries: slices.Clone(p.Queries)}, now: opts.now()}
	var errs []error
	var channels []string
	channels = append(channels, p.Set.channels()...)
	for i, text := range p.Queries {
		if strings.HasPrefix(strings.TrimSpace(text), "<") {
			l, err := CompileQueryList(text, opts)
			if err != nil {
				errs = append(errs, fmt.Errorf("query %d: %w", i+1, err))
				continue
			}
			r.lists = append(r.lists, l)
			r.usesNow = r.usesNow || l.usesNow
			channels = append(channels, l.channels()...)
			continue
		}
		q, err := compileQuery(text, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("query %d: %w", i+1, err))
			continue
		}
		r.usesNow = r.usesNow || q.usesNow
		r.add(q)
		channels = append(channels, q.channel)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r.channels = dedupFold(channels)
	return r, nil
}

func (r *Rules) add(q *Query) {
	for i := range r.groups {
		if strings.EqualFold(r.groups[i].channel, q.channel) {
			r.groups[i].queries = append(r.groups[i].queries, q)
			return
		}
	}
	r.groups = append(r.groups, channelGroup{channel: q.channel, queries: []*Query{q}})
}

// dedupFold sorts channel names and drops case-insensitive duplicates,
// keeping the first spelling seen.
func dedupFold(in []string) []string {
	var out []string
	for _, c := range in {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, c) }) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// Keep reports whether the policy keeps e. It does not allocate; it reads
// the clock only when a query uses timediff().
func (r *Rules) Keep(e *event.Event) bool {
	if r.policy.Set.Admits(e) {
		return true
	}
	if len(r.groups) == 0 && len(r.lists) == 0 {
		return false
	}
	var now int64
	if r.usesNow {
		now = r.now().UnixNano()
	}
	ch := e.System.Channel
	for i := range r.groups {
		g := &r.groups[i]
		if !strings.EqualFold(g.channel, ch) {
			continue
		}
		for _, q := range g.queries {
			if q.fn == nil || q.fn(e, now, node{kind: kRoot}) {
				return true
			}
		}
	}
	for _, l := range r.lists {
		if l.match(e, now) {
			return true
		}
	}
	return false
}

// Channels returns the channels the agent must subscribe to for these
// rules: those of the event set and of every query (QueryList Selects),
// sorted case-insensitively, without case-insensitive duplicates. The
// slice is a copy.
func (r *Rules) Channels() []string { return slices.Clone(r.channels) }

// Policy returns the policy the rules were compiled from (a copy).
func (r *Rules) Policy() Policy {
	return Policy{Set: r.policy.Set, Queries: slices.Clone(r.policy.Queries)}
}
