package sigma

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// CorrelationRule is a compiled correlation: the detection rules it
// counts or orders, grouped by field values within a time window.
type CorrelationRule struct {
	Rule    *Rule
	Type    string
	Base    []*Compiled
	GroupBy []string
	Window  time.Duration
	Field   string
	cond    map[string]int64
	// alias maps a group-by alias to each base rule's own field name.
	alias map[string]map[*Compiled]string
}

func (rs *Ruleset) compileCorrelation(r *Rule) (*CorrelationRule, error) {
	c := r.Correlation
	w, err := ParseTimespan(c.Timespan)
	if err != nil {
		return nil, err
	}
	cr := &CorrelationRule{Rule: r, Type: c.Type, GroupBy: c.GroupBy, Window: w, Field: c.Field, cond: c.Condition, alias: map[string]map[*Compiled]string{}}
	for _, ref := range c.Rules {
		var found *Compiled
		for _, b := range rs.Rules {
			if b.Rule.ID == ref || b.Rule.Name == ref {
				found = b
				break
			}
		}
		if found == nil {
			return nil, &UnsupportedError{Reason: fmt.Sprintf("correlation refers to rule %q, which is not among the compiled detection rules", ref)}
		}
		cr.Base = append(cr.Base, found)
	}
	for alias, perRule := range c.Aliases {
		m := map[*Compiled]string{}
		for ref, field := range perRule {
			for _, b := range cr.Base {
				if b.Rule.ID == ref || b.Rule.Name == ref {
					m[b] = field
				}
			}
		}
		cr.alias[alias] = m
	}
	if !c.Generate {
		if rs.quiet == nil {
			rs.quiet = map[*Compiled]bool{}
		}
		for _, b := range cr.Base {
			rs.quiet[b] = true
		}
	}
	return cr, nil
}

// Reports says whether hits of c are reported on their own: a rule only
// used by correlations without "generate: true" is not.
func (rs *Ruleset) Reports(c *Compiled) bool { return !rs.quiet[c] }

// CorrelationHit is one firing of a correlation rule.
type CorrelationHit struct {
	Rule        *CorrelationRule
	Group       []FieldValue
	First, Last time.Time
	Count       int // events (event_count, temporal) or distinct values (value_count)
}

type corrEvent struct {
	t     time.Time
	base  int
	value string
}

// Correlator collects the hits of base rules and evaluates correlation
// rules over them once all events are seen (EVTX files are not in time
// order across files). It holds one small record per base-rule hit, not
// the events; a rule past MaxCorrelationGroups groups stops tracking new
// ones and says so in Problems. Not safe for concurrent use.
type Correlator struct {
	rs       *Ruleset
	groups   []map[string][]corrEvent // by correlation, by group key
	keys     []map[string][]FieldValue
	full     []bool
	Problems []string
}

// NewCorrelator returns a collector for rs's correlation rules.
func (rs *Ruleset) NewCorrelator() *Correlator {
	c := &Correlator{rs: rs, full: make([]bool, len(rs.Correlations))}
	for range rs.Correlations {
		c.groups = append(c.groups, map[string][]corrEvent{})
		c.keys = append(c.keys, map[string][]FieldValue{})
	}
	return c
}

// Observation is what a correlation keeps of one base-rule hit. Making
// one (Ruleset.Observe) is safe for concurrent use; adding it to a
// Correlator is not.
type Observation struct {
	corr  int
	key   string
	group []FieldValue
	ev    corrEvent
}

// Observe appends to dst the observations for the correlation rules that
// count rule b, which matched the event d holds.
func (rs *Ruleset) Observe(dst []Observation, b *Compiled, d *Doc) []Observation {
	for i, cr := range rs.Correlations {
		bi := -1
		for j, x := range cr.Base {
			if x == b {
				bi = j
			}
		}
		if bi < 0 {
			continue
		}
		var key strings.Builder
		group := make([]FieldValue, 0, len(cr.GroupBy))
		for _, g := range cr.GroupBy {
			name := g
			if m, ok := cr.alias[g]; ok && m[b] != "" {
				name = m[b]
			}
			v, _ := d.Value(b, name)
			key.WriteString(v)
			key.WriteByte(0)
			group = append(group, FieldValue{g, v})
		}
		o := Observation{corr: i, key: key.String(), group: group, ev: corrEvent{t: d.e.System.TimeCreated, base: bi}}
		if cr.Field != "" {
			o.ev.value, _ = d.Value(b, cr.Field)
		}
		dst = append(dst, o)
	}
	return dst
}

// Add records an observation.
func (c *Correlator) Add(o Observation) {
	g := c.groups[o.corr]
	if _, ok := g[o.key]; !ok {
		if len(g) >= MaxCorrelationGroups {
			if c.full[o.corr] {
				return
			}
			c.full[o.corr] = true
			c.Problems = append(c.Problems, fmt.Sprintf("%s: more than %d groups; later groups are not tracked", c.rs.Correlations[o.corr].Rule.Title, MaxCorrelationGroups))
			return
		}
		c.keys[o.corr][o.key] = o.group
	}
	g[o.key] = append(g[o.key], o.ev)
}

// Finish evaluates every correlation rule and returns its hits, by rule and
// time.
func (c *Correlator) Finish() []CorrelationHit {
	var out []CorrelationHit
	for i, cr := range c.rs.Correlations {
		keys := make([]string, 0, len(c.groups[i]))
		for k := range c.groups[i] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			evs := c.groups[i][k]
			sort.SliceStable(evs, func(a, b int) bool { return evs[a].t.Before(evs[b].t) })
			for _, h := range cr.evaluate(evs) {
				h.Group = c.keys[i][k]
				out = append(out, h)
			}
		}
	}
	return out
}

// evaluate slides the window over one group's events, sorted by time. A
// window starts at each event; after a firing the next window starts past
// it, so one burst gives one hit.
func (cr *CorrelationRule) evaluate(evs []corrEvent) []CorrelationHit {
	var out []CorrelationHit
	for start := 0; start < len(evs); start++ {
		end := start
		for end < len(evs) && evs[end].t.Sub(evs[start].t) <= cr.Window {
			end++
		}
		win := evs[start:end]
		n, last, ok := cr.fires(win)
		if !ok {
			continue
		}
		out = append(out, CorrelationHit{Rule: cr, First: win[0].t, Last: last, Count: n})
		for start+1 < len(evs) && !evs[start+1].t.After(last) {
			start++
		}
	}
	return out
}

// fires tests one window; it returns the count the condition saw and the
// time of the last event the firing used.
func (cr *CorrelationRule) fires(win []corrEvent) (int, time.Time, bool) {
	switch cr.Type {
	case "event_count":
		return len(win), win[len(win)-1].t, cr.holds(int64(len(win)))
	case "value_count":
		seen := map[string]bool{}
		for _, e := range win {
			if e.value != "" {
				seen[e.value] = true
			}
		}
		return len(seen), win[len(win)-1].t, cr.holds(int64(len(seen)))
	case "temporal":
		seen := make([]bool, len(cr.Base))
		k := 0
		for _, e := range win {
			if !seen[e.base] {
				seen[e.base] = true
				if k++; k == len(cr.Base) {
					return k, e.t, cr.holdsOrDefault(k)
				}
			}
		}
	case "temporal_ordered":
		next := 0
		if win[0].base != 0 {
			return 0, time.Time{}, false
		}
		for _, e := range win {
			if e.base == next {
				if next++; next == len(cr.Base) {
					return next, e.t, cr.holdsOrDefault(next)
				}
			}
		}
	}
	return 0, time.Time{}, false
}

func (cr *CorrelationRule) holdsOrDefault(n int) bool {
	if len(cr.cond) == 0 {
		return true
	}
	return cr.holds(int64(n))
}

func (cr *CorrelationRule) holds(n int64) bool {
	for op, x := range cr.cond {
		var ok bool
		switch op {
		case "gt":
			ok = n > x
		case "gte":
			ok = n >= x
		case "lt":
			ok = n < x
		case "lte":
			ok = n <= x
		case "eq":
			ok = n == x
		case "neq":
			ok = n != x
		}
		if !ok {
			return false
		}
	}
	return true
}
