package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"wsec/internal/atomicfile"
	"wsec/internal/client"
	"wsec/internal/dcr"
	"wsec/internal/event"
	"wsec/internal/filter"
)

// rulesFetcher is what the rules poller needs of a workspace client.
type rulesFetcher interface {
	FetchRules(ctx context.Context, groups []string, etag string) (client.Rules, error)
}

// rules is one destination's collection policy: the configured one until
// its workspace assigns data collection rules to one of the agent's
// groups, then the union of those rules (the DCR wins, as in Azure
// Monitor). Keep is called for every event; it reads one atomic pointer.
type rules struct {
	dest  string
	base  filter.Policy
	cache string // file of the last rules received
	log   *slog.Logger
	now   func() time.Time
	reads func(channel string) bool // whether a source reads the channel

	cur atomic.Pointer[compiledRules]

	mu      sync.Mutex
	etag    string // sent as If-None-Match
	badTag  string // the answer with this tag could not be applied
	lastErr string
}

// compiledRules is an immutable snapshot: what Keep uses and what status
// shows.
type compiledRules struct {
	r       *filter.Rules
	source  string   // "config" or "workspace"
	names   []string // DCR names, when from the workspace
	etag    string
	applied time.Time
}

// rulesCache is the cached answer, so a restart while the workspace is
// down keeps collecting what the workspace last asked for.
type rulesCache struct {
	ETag  string     `json:"etag"`
	Rules []dcr.Rule `json:"rules"`
}

func newRules(dest string, base filter.Policy, cache string, reads func(string) bool, log *slog.Logger, now func() time.Time) (*rules, error) {
	r := &rules{dest: dest, base: base, cache: cache, reads: reads, log: log, now: now}
	compiled, err := filter.Compile(base, filter.Options{Now: now})
	if err != nil {
		return nil, fmt.Errorf("destination %s: compile configured policy: %w", dest, err)
	}
	r.cur.Store(&compiledRules{r: compiled, source: "config", applied: now()})
	if cache == "" {
		return r, nil
	}
	c, err := readRulesCache(cache)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		log.Warn("ignore cached rules", "path", cache, "err", err)
	default:
		if err := r.apply(c.Rules, c.ETag); err != nil {
			log.Warn("ignore cached rules", "path", cache, "err", err)
		}
	}
	return r, nil
}

func readRulesCache(path string) (rulesCache, error) {
	var c rulesCache
	f, err := os.Open(path)
	if err != nil {
		return c, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxRulesCacheBytes+1))
	if err != nil {
		return c, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > MaxRulesCacheBytes {
		return c, fmt.Errorf("read %s: over %d bytes", path, MaxRulesCacheBytes)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("parse %s: %w", path, err)
	}
	return c, nil
}

// Keep reports whether the destination takes e.
func (r *rules) Keep(e *event.Event) bool { return r.cur.Load().r.Keep(e) }

// policyOfRules is the union of the rules' policies (filter.Union). No
// rules: the configured policy.
func (r *rules) policyOfRules(rs []dcr.Rule) (filter.Policy, []string, error) {
	if len(rs) == 0 {
		return r.base, nil, nil
	}
	ds := make([]filter.DCR, 0, len(rs))
	names := make([]string, 0, len(rs))
	for _, d := range rs {
		set, err := filter.ParseRuleSet(d.EventSet)
		if err != nil {
			return filter.Policy{}, nil, fmt.Errorf("rule %q: %w", d.Name, err)
		}
		// Compiled alone first, so an error names its rule.
		if _, err := filter.Compile(filter.Policy{Set: set, Queries: d.XPathQueries}, filter.Options{Now: r.now}); err != nil {
			return filter.Policy{}, nil, fmt.Errorf("rule %q: %w", d.Name, err)
		}
		ds = append(ds, filter.DCR{Name: d.Name, Set: set, XPathQueries: d.XPathQueries})
		names = append(names, d.Name)
	}
	return filter.Union(ds), names, nil
}

// apply compiles rs and makes them current. On error the current rules
// stay.
func (r *rules) apply(rs []dcr.Rule, etag string) error {
	p, names, err := r.policyOfRules(rs)
	if err == nil {
		var compiled *filter.Rules
		if compiled, err = filter.Compile(p, filter.Options{Now: r.now}); err == nil {
			src := "workspace"
			if len(rs) == 0 {
				src = "config"
			}
			r.cur.Store(&compiledRules{r: compiled, source: src, names: names, etag: etag, applied: r.now()})
			r.warnUnread(rs)
			r.mu.Lock()
			r.etag = etag
			r.mu.Unlock()
			return nil
		}
	}
	return fmt.Errorf("rules of destination %s (etag %s) not applied, keeping the previous ones: %w", r.dest, etag, err)
}

// warnUnread logs each channel a rule asks for that no source of this
// agent reads: the rule is applied, but those events are never collected
// here (the workspace may mean another machine group, or the agent's
// configuration lacks the channel).
func (r *rules) warnUnread(rs []dcr.Rule) {
	for _, d := range rs {
		for _, q := range d.XPathQueries {
			ch, _, _ := strings.Cut(q, "!")
			if ch = strings.TrimSpace(ch); !r.reads(ch) {
				r.log.Warn("a data collection rule names a channel no source of this agent reads; its events are not collected here (add the channel to an eventlog source)",
					"destination", r.dest, "rule", d.Name, "channel", ch)
			}
		}
	}
}

// poll asks the workspace once and applies a changed answer.
func (r *rules) poll(ctx context.Context, c rulesFetcher, groups []string) error {
	r.mu.Lock()
	etag := r.etag
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, RulesRequestTimeout)
	defer cancel()
	got, err := c.FetchRules(ctx, groups, etag)
	if err != nil {
		return r.fail(fmt.Errorf("fetch rules of destination %s: %w", r.dest, err))
	}
	if got.NotModified {
		r.mu.Lock()
		if r.badTag == "" || r.badTag != etag {
			r.lastErr = "" // still the rules we run
		}
		r.mu.Unlock()
		return nil
	}
	if err := r.apply(got.Rules, got.ETag); err != nil {
		// Remember the bad answer's tag: asking again returns the same
		// rules until someone fixes them, and the error stays reported.
		r.mu.Lock()
		r.etag, r.badTag = got.ETag, got.ETag
		r.mu.Unlock()
		return r.fail(err)
	}
	r.mu.Lock()
	r.badTag, r.lastErr = "", ""
	r.mu.Unlock()
	cur := r.cur.Load()
	r.log.Info("data collection rules applied", "destination", r.dest, "source", cur.source,
		"rules", strings.Join(cur.names, ","), "event_set", cur.r.Policy().Set.String(),
		"queries", len(cur.r.Policy().Queries), "etag", got.ETag)
	if r.cache != "" {
		b, _ := json.MarshalIndent(rulesCache{ETag: got.ETag, Rules: got.Rules}, "", "  ")
		if err := atomicfile.WriteFile(r.cache, b, 0o600); err != nil {
			r.log.Warn("cache rules", "destination", r.dest, "err", err)
		}
	}
	return nil
}

func (r *rules) fail(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastErr = err.Error()
	return err
}

// RulesStatus is a destination's collection policy as status shows it.
type RulesStatus struct {
	Source    string    `json:"source"` // config or workspace
	Rules     []string  `json:"rules,omitempty"`
	EventSet  string    `json:"eventSet"`
	Queries   int       `json:"queries"`
	ETag      string    `json:"etag,omitempty"`
	Applied   time.Time `json:"applied"`
	LastError string    `json:"lastError,omitempty"`
}

func (r *rules) status() RulesStatus {
	cur := r.cur.Load()
	p := cur.r.Policy()
	r.mu.Lock()
	defer r.mu.Unlock()
	return RulesStatus{Source: cur.source, Rules: slices.Clone(cur.names), EventSet: p.Set.String(),
		Queries: len(p.Queries), ETag: cur.etag, Applied: cur.applied, LastError: r.lastErr}
}

func (r *rules) lastError() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}
