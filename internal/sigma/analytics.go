package sigma

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"wsec/internal/analytics/rule"
)

// AnalyticsFrequency is how often an imported Sigma rule runs, over a
// window of the same length: consecutive windows see each event once.
// Sentinel's shortest schedule.
const AnalyticsFrequency = 5 * time.Minute

// AnalyticsRule makes the analytics engine's rule of a compiled detection
// rule: its KQL (ToKQL), one alert per matching event, severity from level
// (critical is High, Sentinel's highest), tactics and techniques from the
// attack.* tags, and entities from the fields the query returns (Host from
// Computer; Account, IP, Process, File from the rule's key fields).
//
// Raw is the rule written as Sentinel YAML (rule.Parse reads it back to
// the same rule): the engine stores Raw and parses it again at start, so
// an imported Sigma rule lives on as an ordinary analytics rule.
func AnalyticsRule(c *Compiled) (*rule.Rule, error) {
	q, err := ToKQL(c)
	if err != nil {
		return nil, err
	}
	return analyticsRule(c.Rule, q, AnalyticsFrequency, c.KeyFields)
}

// CorrelationAnalyticsRule makes the analytics rule of a correlation
// rule: its KQL (CorrelationToKQL), one alert per group that meets the
// condition in a window, run every timespan over a window of the timespan
// (at least Sentinel's 5 minutes: a shorter timespan is counted in bins of
// it within the window).
func CorrelationAnalyticsRule(cr *CorrelationRule) (*rule.Rule, error) {
	q, err := CorrelationToKQL(cr)
	if err != nil {
		return nil, err
	}
	freq := cr.Window
	if freq < rule.MinFrequency {
		freq = cr.Window * ((rule.MinFrequency + cr.Window - 1) / cr.Window)
	}
	if freq > rule.MaxPeriod {
		return nil, &UnsupportedError{Reason: fmt.Sprintf("timespan %s is longer than an analytics rule's longest window (%s)", cr.Window, rule.MaxPeriod)}
	}
	return analyticsRule(cr.Rule, q, freq, cr.GroupBy)
}

// analyticsRule is the analytics rule of Sigma rule r running query every
// freq over a window of freq; keyFields are the columns entities may come
// from.
func analyticsRule(r *Rule, q string, freq time.Duration, keyFields []string) (*rule.Rule, error) {
	id := r.ID
	if id == "" {
		sum := sha256.Sum256([]byte(r.Path + "\x00" + r.Title))
		id = "sigma-" + hex.EncodeToString(sum[:8])
	}
	sev, ok := map[string]string{"informational": "Informational", "low": "Low", "medium": "Medium", "high": "High", "critical": "High"}[strings.ToLower(r.Level)]
	if !ok {
		sev = "Medium"
	}
	ar := &rule.Rule{
		ID: id, Name: r.Title, Description: r.Description, Kind: rule.Scheduled, Severity: sev, Query: q,
		QueryFrequency: freq, QueryPeriod: freq,
		TriggerOperator: rule.GreaterThan, TriggerThreshold: 0,
		Aggregation: rule.AlertPerResult, Incident: rule.IncidentConfiguration{CreateIncident: true},
		Source: "sigma",
	}
	ar.Tactics, ar.Techniques = Attack(r.Tags)
	ar.Entities = append(ar.Entities, rule.EntityMapping{EntityType: "Host", FieldMappings: []rule.FieldMapping{{Identifier: "HostName", ColumnName: "Computer"}}})
	for _, e := range []struct {
		typ, id string
		fields  []string
	}{
		{"Account", "Name", []string{"User", "TargetUserName", "SubjectUserName", "AccountName", "UserName"}},
		{"IP", "Address", []string{"IpAddress", "SourceIp", "DestinationIp", "SourceAddress", "ClientAddress"}},
		{"Process", "CommandLine", []string{"CommandLine"}},
		{"File", "Name", []string{"TargetFilename", "ImageLoaded"}},
	} {
		for _, f := range e.fields {
			if slices.Contains(keyFields, f) {
				ar.Entities = append(ar.Entities, rule.EntityMapping{EntityType: e.typ, FieldMappings: []rule.FieldMapping{{Identifier: e.id, ColumnName: f}}})
				break
			}
		}
	}
	if err := ar.Validate(); err != nil {
		return nil, fmt.Errorf("sigma rule %q as an analytics rule: %w", r.Title, err)
	}
	raw, err := sentinelYAML(ar, r)
	if err != nil {
		return nil, err
	}
	ar.Raw = raw
	return ar, nil
}

// sentinelYAML writes ar in the Sentinel analytics rule format.
func sentinelYAML(ar *rule.Rule, r *Rule) ([]byte, error) {
	type grouping struct {
		AggregationKind string `yaml:"aggregationKind"`
	}
	f := struct {
		ID                    string               `yaml:"id"`
		Name                  string               `yaml:"name"`
		Description           string               `yaml:"description,omitempty"`
		Kind                  string               `yaml:"kind"`
		Severity              string               `yaml:"severity"`
		QueryFrequency        string               `yaml:"queryFrequency"`
		QueryPeriod           string               `yaml:"queryPeriod"`
		TriggerOperator       string               `yaml:"triggerOperator"`
		TriggerThreshold      int                  `yaml:"triggerThreshold"`
		Tactics               []string             `yaml:"tactics,omitempty"`
		RelevantTechniques    []string             `yaml:"relevantTechniques,omitempty"`
		Query                 string               `yaml:"query"`
		EntityMappings        []rule.EntityMapping `yaml:"entityMappings,omitempty"`
		EventGroupingSettings grouping             `yaml:"eventGroupingSettings"`
		Version               string               `yaml:"version"`
	}{
		ID: ar.ID, Name: ar.Name, Description: ar.Description, Kind: string(ar.Kind), Severity: ar.Severity,
		QueryFrequency: fmt.Sprintf("%dm", int(ar.QueryFrequency.Minutes())), QueryPeriod: fmt.Sprintf("%dm", int(ar.QueryPeriod.Minutes())),
		TriggerOperator: string(ar.TriggerOperator), TriggerThreshold: ar.TriggerThreshold,
		Tactics: ar.Tactics, RelevantTechniques: ar.Techniques, Query: ar.Query, EntityMappings: ar.Entities,
		EventGroupingSettings: grouping{string(ar.Aggregation)}, Version: "1.0.0",
	}
	body, err := yaml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("write sigma rule %q as Sentinel YAML: %w", r.Title, err)
	}
	head := fmt.Sprintf("# Converted by wsec from the Sigma rule %q (%s).\n", r.Title, r.Path)
	return append([]byte(head), body...), nil
}

// Attack reads MITRE ATT&CK tags: attack.credential-access is the tactic
// CredentialAccess (Sentinel's spelling), attack.t1003.001 the technique
// T1003.001. Other tags (groups, software, CAR) are not returned.
func Attack(tags []string) (tactics, techniques []string) {
	for _, t := range tags {
		name, ok := strings.CutPrefix(strings.ToLower(t), "attack.")
		if !ok {
			continue
		}
		if len(name) > 1 && name[0] == 't' && name[1] >= '0' && name[1] <= '9' {
			techniques = append(techniques, strings.ToUpper(name))
			continue
		}
		if tactic, ok := attackTactic(name); ok && !slices.Contains(tactics, tactic) {
			tactics = append(tactics, tactic)
		}
	}
	return tactics, techniques
}

// attackTactic maps a Sigma tactic tag to Sentinel's tactic name.
func attackTactic(tag string) (string, bool) {
	switch tag {
	case "reconnaissance", "resource-development", "initial-access", "execution", "persistence",
		"privilege-escalation", "defense-evasion", "credential-access", "discovery", "lateral-movement",
		"collection", "command-and-control", "exfiltration", "impact", "defense-impairment":
	default:
		return "", false
	}
	var b strings.Builder
	for _, w := range strings.Split(tag, "-") {
		if w == "and" {
			b.WriteString("And")
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String(), true
}

// AnalyticsRules reads a Sigma rule file and returns the analytics rules of
// its detection rules; the ones that cannot run in the workspace
// (unmapped log source, a feature KQL here lacks, a correlation
// CorrelationToKQL cannot express) are Problems with their reason. A base
// rule that only feeds correlations (no "generate: true") is not a rule
// of its own, as in wsec hunt. An error means the file is not Sigma.
// Rule.Path in the converted rules' Raw is path.
func AnalyticsRules(path string, src []byte) ([]*rule.Rule, []Problem, error) {
	rules, err := Parse(path, src)
	if err != nil {
		return nil, nil, err
	}
	rs := Compile(rules, Options{})
	problems := rs.Problems
	var out []*rule.Rule
	for _, c := range rs.Rules {
		if !rs.Reports(c) {
			continue // counted by its correlations only
		}
		r, err := AnalyticsRule(c)
		if err != nil {
			problems = append(problems, problem(c.Rule, err))
			continue
		}
		out = append(out, r)
	}
	for _, c := range rs.Correlations {
		r, err := CorrelationAnalyticsRule(c)
		if err != nil {
			problems = append(problems, problem(c.Rule, err))
			continue
		}
		out = append(out, r)
	}
	return out, problems, nil
}

// IsRuleFile reports whether src reads as Sigma rather than as a Sentinel
// analytics rule: its first YAML document has a detection or correlation
// section and no query.
func IsRuleFile(src []byte) bool {
	var top map[string]yaml.Node
	if yaml.Unmarshal(src, &top) != nil {
		return false
	}
	_, query := top["query"]
	_, det := top["detection"]
	_, corr := top["correlation"]
	return !query && (det || corr)
}
