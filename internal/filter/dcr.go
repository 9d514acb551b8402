package filter

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"wsec/internal/event"
)

// DCR is a data collection rule as the workspace stores it and sends it to
// agents (JSON): a named policy.
type DCR struct {
	Name string `json:"name"`
	// Set is the event set; omitted or "None" means the DCR collects only
	// what its queries select.
	Set          Set      `json:"set,omitempty"`
	XPathQueries []string `json:"xPathQueries,omitempty"`
}

// Policy returns the DCR's policy.
func (d DCR) Policy() Policy { return Policy{Set: d.Set, Queries: d.XPathQueries} }

// Association attaches a DCR to a host.
type Association struct {
	// Host is the computer name as events carry it (System/Computer),
	// compared case-insensitively. A name without a dot also matches the
	// fully qualified names that start with it ("FS03" matches
	// "FS03.offsec.lan"); an exact match wins over that.
	Host string `json:"host"`
	DCR  string `json:"dcr"`
}

// Assignment is the whole collection configuration of a workspace: the
// default policy, the DCRs, and which hosts they are associated with. A
// host associated with DCRs uses the union of those DCRs' policies instead
// of the default: the DCR wins for the hosts it is associated with.
type Assignment struct {
	Default      Policy        `json:"default"`
	DCRs         []DCR         `json:"dcrs,omitempty"`
	Associations []Association `json:"associations,omitempty"`
}

// Router gives each host its rules. It is immutable after Route and safe
// for concurrent use.
type Router struct {
	def    *Rules
	byHost map[string]*Rules // lower-cased host name
	cache  atomic.Pointer[routeEntry]
}

type routeEntry struct {
	host  string
	rules *Rules
}

// Route compiles an assignment. Every problem is reported (joined): bad
// queries (named by DCR and query index), duplicate or empty DCR names, and
// associations to unknown DCRs.
func Route(a Assignment, opts Options) (*Router, error) {
	var errs []error
	def, err := Compile(a.Default, opts)
	if err != nil {
		errs = append(errs, fmt.Errorf("default policy: %w", err))
	}
	dcrs := make(map[string]DCR, len(a.DCRs))
	for i, d := range a.DCRs {
		key := strings.ToLower(strings.TrimSpace(d.Name))
		if key == "" {
			errs = append(errs, fmt.Errorf("dcr %d: empty name", i+1))
			continue
		}
		if _, dup := dcrs[key]; dup {
			errs = append(errs, fmt.Errorf("dcr %q: name used twice", d.Name))
			continue
		}
		if _, err := Compile(d.Policy(), opts); err != nil {
			errs = append(errs, fmt.Errorf("dcr %q: %w", d.Name, err))
		}
		dcrs[key] = d
	}
	// host -> associated DCRs, in association order.
	hosts := map[string][]DCR{}
	var order []string
	for i, as := range a.Associations {
		host := strings.ToLower(strings.TrimSpace(as.Host))
		d, ok := dcrs[strings.ToLower(strings.TrimSpace(as.DCR))]
		switch {
		case host == "":
			errs = append(errs, fmt.Errorf("association %d: empty host", i+1))
			continue
		case !ok:
			errs = append(errs, fmt.Errorf("association %d: host %q: unknown dcr %q", i+1, as.Host, as.DCR))
			continue
		}
		if _, seen := hosts[host]; !seen {
			order = append(order, host)
		}
		hosts[host] = append(hosts[host], d)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r := &Router{def: def, byHost: make(map[string]*Rules, len(hosts))}
	for _, host := range order {
		rules, err := Compile(Union(hosts[host]), opts)
		if err != nil {
			return nil, fmt.Errorf("host %q: %w", host, err)
		}
		r.byHost[host] = rules
	}
	return r, nil
}

// Union merges DCR policies: the widest set (All ⊇ Common ⊇ Minimal ⊇
// None) and every query, each DCR's once (by name, case-insensitive). It is
// what a host with several DCRs collects.
func Union(ds []DCR) Policy {
	var p Policy
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[strings.ToLower(d.Name)] {
			continue
		}
		seen[strings.ToLower(d.Name)] = true
		p.Set = max(p.Set, d.Set)
		p.Queries = append(p.Queries, d.XPathQueries...)
	}
	return p
}

// For returns the rules for host: its DCRs' if it has any, else the
// default.
func (r *Router) For(host string) *Rules {
	if len(r.byHost) == 0 {
		return r.def
	}
	h := strings.ToLower(host)
	if rules, ok := r.byHost[h]; ok {
		return rules
	}
	if dot := strings.IndexByte(h, '.'); dot > 0 {
		if rules, ok := r.byHost[h[:dot]]; ok {
			return rules
		}
	}
	return r.def
}

// Keep applies the rules of the event's host (System/Computer). An agent
// sees one host, so the last lookup is cached and Keep does not allocate
// in steady state.
func (r *Router) Keep(e *event.Event) bool {
	host := e.System.Computer
	if c := r.cache.Load(); c != nil && c.host == host {
		return c.rules.Keep(e)
	}
	rules := r.For(host)
	r.cache.Store(&routeEntry{host: host, rules: rules})
	return rules.Keep(e)
}
