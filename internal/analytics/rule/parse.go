package rule

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// file is the Sentinel YAML analytics rule format, as in Azure-Sentinel's
// Detections/ and Solutions/*/Analytic Rules/ (and Hunting Queries/).
type file struct {
	ID                    string          `yaml:"id"`
	Name                  string          `yaml:"name"`
	Description           string          `yaml:"description"`
	Kind                  string          `yaml:"kind"`
	Severity              string          `yaml:"severity"`
	Query                 string          `yaml:"query"`
	QueryFrequency        string          `yaml:"queryFrequency"`
	QueryPeriod           string          `yaml:"queryPeriod"`
	TriggerOperator       string          `yaml:"triggerOperator"`
	TriggerThreshold      *int            `yaml:"triggerThreshold"`
	Tactics               []string        `yaml:"tactics"`
	RelevantTechniques    []string        `yaml:"relevantTechniques"`
	EntityMappings        []EntityMapping `yaml:"entityMappings"`
	CustomDetails         yaml.Node       `yaml:"customDetails"`
	AlertDetailsOverride  AlertDetails    `yaml:"alertDetailsOverride"`
	EventGroupingSettings struct {
		AggregationKind string `yaml:"aggregationKind"`
	} `yaml:"eventGroupingSettings"`
	IncidentConfiguration *struct {
		CreateIncident        bool `yaml:"createIncident"`
		GroupingConfiguration struct {
			Enabled              bool     `yaml:"enabled"`
			ReopenClosedIncident bool     `yaml:"reopenClosedIncident"`
			LookbackDuration     string   `yaml:"lookbackDuration"`
			MatchingMethod       string   `yaml:"matchingMethod"`
			GroupByEntities      []string `yaml:"groupByEntities"`
			GroupByAlertDetails  []string `yaml:"groupByAlertDetails"`
			GroupByCustomDetails []string `yaml:"groupByCustomDetails"`
		} `yaml:"groupingConfiguration"`
	} `yaml:"incidentConfiguration"`
	SuppressionEnabled  bool   `yaml:"suppressionEnabled"`
	SuppressionDuration string `yaml:"suppressionDuration"`
	Version             string `yaml:"version"`
}

// interpreted are the top-level fields the engine acts on (file above).
// informational are fields of the format that describe a rule for people
// or for Sentinel's content hub and change nothing in how it runs; they are
// kept in Raw and not reported as unknown.
var (
	interpreted = []string{
		"id", "name", "description", "kind", "severity", "query", "queryFrequency", "queryPeriod",
		"triggerOperator", "triggerThreshold", "tactics", "relevantTechniques", "entityMappings",
		"customDetails", "alertDetailsOverride", "eventGroupingSettings", "incidentConfiguration",
		"suppressionEnabled", "suppressionDuration", "version",
	}
	informational = []string{
		"requiredDataConnectors", "status", "tags", "metadata", "description-detailed", "enabled",
		"displayName", "templateVersion",
	}
)

// Parse reads one rule in the Sentinel YAML format, unmodified. It checks
// the rule's fields (Validate) but not its query, which needs the
// workspace's tables (Check). Every problem found is reported, joined.
func Parse(src []byte) (*Rule, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("read rule YAML: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("read rule YAML: the document is not a mapping of rule fields")
	}
	var f file
	if err := doc.Content[0].Decode(&f); err != nil {
		return nil, fmt.Errorf("read rule YAML: %w", err)
	}
	r := &Rule{
		ID: strings.TrimSpace(f.ID), Name: strings.TrimSpace(f.Name), Description: strings.TrimSpace(f.Description),
		Severity: f.Severity, Query: f.Query, Tactics: f.Tactics, Techniques: f.RelevantTechniques,
		Entities: f.EntityMappings, AlertDetails: f.AlertDetailsOverride, Version: f.Version,
		TriggerOperator: Operator(strings.ToLower(f.TriggerOperator)), Source: "sentinel", Raw: src,
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i].Value
		switch {
		case k == "query":
			r.QueryLine = m.Content[i+1].Line
			if s := m.Content[i+1].Style; s == yaml.LiteralStyle || s == yaml.FoldedStyle {
				r.QueryLine++ // the text starts below the "|"
			}
		case !slices.Contains(interpreted, k) && !slices.Contains(informational, k):
			r.Unknown = append(r.Unknown, k)
		}
	}
	// Sentinel's own op names in ARM exports.
	switch f.TriggerOperator {
	case "GreaterThan":
		r.TriggerOperator = GreaterThan
	case "LessThan":
		r.TriggerOperator = LessThan
	case "Equal":
		r.TriggerOperator = Equal
	case "NotEqual":
		r.TriggerOperator = NotEqual
	}
	if f.TriggerThreshold != nil {
		r.TriggerThreshold = *f.TriggerThreshold
	}
	dur := func(field, s string) time.Duration {
		if s == "" {
			return 0
		}
		d, err := ParseDuration(s)
		if err != nil {
			bad("%s: %v", field, err)
		}
		return d
	}
	r.QueryFrequency = dur("queryFrequency", f.QueryFrequency)
	r.QueryPeriod = dur("queryPeriod", f.QueryPeriod)
	switch {
	case strings.EqualFold(f.Kind, string(Scheduled)):
		r.Kind = Scheduled
	case strings.EqualFold(f.Kind, string(NRT)):
		r.Kind = NRT
		if f.TriggerOperator == "" { // NRT rules fire on any result
			r.TriggerOperator = GreaterThan
		}
	case f.Kind != "":
		r.Kind = Kind(f.Kind)
	case f.QueryFrequency == "" && f.TriggerOperator == "":
		r.Kind = Hunting
	default:
		r.Kind = Scheduled
	}
	if f.CustomDetails.Kind == yaml.MappingNode {
		c := f.CustomDetails.Content
		for i := 0; i+1 < len(c); i += 2 {
			r.CustomDetails = append(r.CustomDetails, CustomDetail{Name: c[i].Value, Column: c[i+1].Value})
		}
	} else if f.CustomDetails.Kind != 0 {
		bad("customDetails: want a mapping of detail name to column, line %d", f.CustomDetails.Line)
	}
	r.Aggregation = Aggregation(f.EventGroupingSettings.AggregationKind)
	if r.Aggregation == "" {
		r.Aggregation = SingleAlert
	}
	// Without incidentConfiguration Sentinel creates one incident per
	// alert, grouping off.
	r.Incident.CreateIncident = true
	if ic := f.IncidentConfiguration; ic != nil {
		g := ic.GroupingConfiguration
		r.Incident = IncidentConfiguration{CreateIncident: ic.CreateIncident, Grouping: Grouping{
			Enabled: g.Enabled, ReopenClosedIncident: g.ReopenClosedIncident,
			LookbackDuration: dur("incidentConfiguration.groupingConfiguration.lookbackDuration", g.LookbackDuration),
			MatchingMethod:   g.MatchingMethod, GroupByEntities: g.GroupByEntities,
			GroupByAlertDetails: g.GroupByAlertDetails, GroupByCustomDetails: g.GroupByCustomDetails,
		}}
	}
	if f.SuppressionEnabled {
		r.SuppressionDuration = dur("suppressionDuration", f.SuppressionDuration)
		if r.SuppressionDuration <= 0 {
			bad("suppressionEnabled is true but suppressionDuration %q is not a positive duration", f.SuppressionDuration)
		}
	}
	if err := r.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("rule %q: %w", firstNonEmpty(r.Name, r.ID), err)
	}
	return r, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// durationRE is a Sentinel YAML duration: a count and a unit (5m, 1h, 14d).
var durationRE = regexp.MustCompile(`^(\d+)\s*([smhd])$`)

// isoDurationRE is the ISO 8601 form ARM templates use (PT5M, P1D, P1DT2H).
var isoDurationRE = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// ParseDuration reads a duration as rule files write it: "5m", "1h",
// "14d" or ISO 8601 ("PT5M", "P1D").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	units := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	if m := durationRE.FindStringSubmatch(strings.ToLower(s)); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		return time.Duration(n) * units[m[2]], nil
	}
	if m := isoDurationRE.FindStringSubmatch(strings.ToUpper(s)); m != nil && s != "P" && !strings.HasSuffix(strings.ToUpper(s), "T") {
		var d time.Duration
		for i, u := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
			if m[i+1] == "" {
				continue
			}
			n, err := strconv.ParseInt(m[i+1], 10, 32)
			if err != nil {
				return 0, fmt.Errorf("duration %q: %w", s, err)
			}
			d += time.Duration(n) * u
		}
		return d, nil
	}
	return 0, fmt.Errorf("duration %q: want a count and a unit (5m, 1h, 14d) or ISO 8601 (PT5M)", s)
}
