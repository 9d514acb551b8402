package rule

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"wsec/internal/kql"
	kqlsql "wsec/internal/kql/sql"
)

// Limits of the format, as Sentinel enforces them.
const (
	MinFrequency = 5 * time.Minute     // shortest queryFrequency/queryPeriod
	MaxPeriod    = 14 * 24 * time.Hour // longest queryFrequency/queryPeriod
	MaxLookback  = 7 * 24 * time.Hour  // longest incident grouping lookback
	MaxEntities  = 10                  // entity mappings per rule
	MaxFields    = 3                   // identifiers per entity mapping
)

// EntityIdentifiers lists, per entity type, the identifiers a field
// mapping may name (Sentinel's entity reference).
var EntityIdentifiers = map[string][]string{
	"Account":          {"Name", "FullName", "NTDomain", "DnsDomain", "UPNSuffix", "Sid", "AadTenantId", "AadUserId", "PUID", "IsDomainJoined", "DisplayName", "ObjectGuid"},
	"Host":             {"DnsDomain", "NTDomain", "HostName", "FullName", "NetBiosName", "AzureID", "OMSAgentID", "OSFamily", "OSVersion", "IsDomainJoined"},
	"IP":               {"Address"},
	"Process":          {"ProcessId", "CommandLine", "ElevationToken", "CreationTimeUtc"},
	"File":             {"Directory", "Name"},
	"FileHash":         {"Algorithm", "Value"},
	"RegistryKey":      {"Hive", "Key"},
	"RegistryValue":    {"Name", "Value", "ValueType"},
	"URL":              {"Url"},
	"DNS":              {"DomainName"},
	"CloudApplication": {"AppId", "Name", "InstanceName"},
	"AzureResource":    {"ResourceId"},
	"Mailbox":          {"MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RecipientType"},
	"Malware":          {"Name", "Category"},
	"SecurityGroup":    {"DistinguishedName", "SID", "ObjectGuid"},
}

// Validate checks a rule's fields (not its query: see Check) and reports
// every problem found. Front ends that build a Rule themselves call it.
func (r *Rule) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.ID == "" {
		bad("id is missing")
	}
	if r.Name == "" {
		bad("name is missing")
	}
	if strings.TrimSpace(r.Query) == "" {
		bad("query is missing")
	}
	switch r.Kind {
	case Scheduled:
		for _, d := range []struct {
			name string
			v    time.Duration
		}{{"queryFrequency", r.QueryFrequency}, {"queryPeriod", r.QueryPeriod}} {
			if d.v < MinFrequency || d.v > MaxPeriod {
				bad("%s %v: want between %v and %v", d.name, d.v, MinFrequency, MaxPeriod)
			}
		}
		r.checkTrigger(bad)
	case NRT:
		r.checkTrigger(bad)
	case Hunting:
	default:
		bad("kind %q: want Scheduled or NRT (or no kind and no trigger: a hunting query)", r.Kind)
	}
	if r.Kind != Hunting && !slices.Contains(Severities[:], r.Severity) {
		bad("severity %q: want one of %s", r.Severity, strings.Join(Severities[:], ", "))
	}
	if len(r.Entities) > MaxEntities {
		bad("entityMappings: %d entities, at most %d", len(r.Entities), MaxEntities)
	}
	for i, e := range r.Entities {
		ids, ok := EntityIdentifiers[e.EntityType]
		if !ok {
			bad("entityMappings[%d]: entity type %q is not one of Sentinel's", i, e.EntityType)
			continue
		}
		if len(e.FieldMappings) == 0 || len(e.FieldMappings) > MaxFields {
			bad("entityMappings[%d] (%s): %d field mappings, want 1 to %d", i, e.EntityType, len(e.FieldMappings), MaxFields)
		}
		for _, f := range e.FieldMappings {
			if !slices.Contains(ids, f.Identifier) {
				bad("entityMappings[%d] (%s): identifier %q is not one of %s", i, e.EntityType, f.Identifier, strings.Join(ids, ", "))
			}
			if f.ColumnName == "" {
				bad("entityMappings[%d] (%s): identifier %s has no columnName", i, e.EntityType, f.Identifier)
			}
		}
	}
	switch r.Aggregation {
	case SingleAlert, AlertPerResult:
	default:
		bad("eventGroupingSettings.aggregationKind %q: want SingleAlert or AlertPerResult", r.Aggregation)
	}
	if g := r.Incident.Grouping; g.Enabled {
		switch g.MatchingMethod {
		case AllEntities, AnyAlert:
		case Selected:
			if len(g.GroupByEntities)+len(g.GroupByAlertDetails)+len(g.GroupByCustomDetails) == 0 {
				bad("incident grouping by Selected names no entities, alert details or custom details")
			}
		default:
			bad("incident grouping matchingMethod %q: want AllEntities, AnyAlert or Selected", g.MatchingMethod)
		}
		if g.LookbackDuration <= 0 || g.LookbackDuration > MaxLookback {
			bad("incident grouping lookbackDuration %v: want more than 0 and at most %v", g.LookbackDuration, MaxLookback)
		}
		for _, d := range g.GroupByAlertDetails {
			if d != "DisplayName" && d != "Severity" {
				bad("incident grouping groupByAlertDetails %q: want DisplayName or Severity", d)
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Rule) checkTrigger(bad func(string, ...any)) {
	switch r.TriggerOperator {
	case GreaterThan, LessThan, Equal, NotEqual:
	default:
		bad("triggerOperator %q: want gt, lt, eq or ne", r.TriggerOperator)
	}
	if r.TriggerThreshold < 0 {
		bad("triggerThreshold %d: want 0 or more", r.TriggerThreshold)
	}
}

// QueryError is a rule query the KQL compiler refused. Line and Column
// point into the rule file when its QueryLine is known, else into the
// query.
type QueryError struct {
	Rule         string
	Line, Column int
	Err          error
	// Unsupported is true when every error is a table or function the
	// workspace does not have (a data source not collected, a KQL function
	// wsec lacks), not a mistake in the query: such a rule may be stored,
	// disabled, and enabled once the workspace can run it.
	Unsupported bool
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("rule %q: query does not compile: line %d, column %d: %v", e.Rule, e.Line, e.Column, e.Err)
}

// unsupported reports whether msg is a compiler error about a name the
// workspace lacks rather than about the query's text.
func unsupported(msg string) bool {
	return strings.HasPrefix(msg, "unknown table ") || strings.HasPrefix(msg, "unknown function ")
}

func (e *QueryError) Unwrap() error { return e.Err }

// Check compiles the rule's query against the workspace's tables and checks
// that every column the rule names (entity mappings, custom details,
// {{Column}} templates) is in its result. It returns the result columns.
func (r *Rule) Check(cat kql.Catalog) ([]kql.ColumnInfo, error) {
	q, err := kql.Parse(r.Query)
	if err == nil {
		var cols []kql.ColumnInfo
		if _, cols, err = kqlsql.Compile(q, cat, kqlsql.DuckDB{}, kqlsql.Options{}); err == nil {
			return cols, r.checkColumns(cols)
		}
	}
	qe := &QueryError{Rule: firstNonEmpty(r.Name, r.ID), Err: err}
	var list kql.ErrorList
	var one *kql.Error
	switch {
	case errors.As(err, &list) && len(list) > 0:
		qe.Line, qe.Column = list[0].Pos.Line, list[0].Pos.Column
		if len(list) == 1 {
			qe.Err = errors.New(list[0].Msg)
		}
		qe.Unsupported = !slices.ContainsFunc(list, func(e *kql.Error) bool { return !unsupported(e.Msg) })
	case errors.As(err, &one):
		qe.Line, qe.Column, qe.Err = one.Pos.Line, one.Pos.Column, errors.New(one.Msg)
		qe.Unsupported = unsupported(one.Msg)
	}
	if r.QueryLine > 0 && qe.Line > 0 {
		qe.Line += r.QueryLine - 1
		if r.Raw != nil {
			qe.Column += queryIndent(r.Raw, qe.Line)
		}
	}
	return nil, qe
}

// queryIndent is the indentation of line (1-based) of a block scalar in
// src, which YAML strips from the query text.
func queryIndent(src []byte, line int) int {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return 0
	}
	s := lines[line-1]
	return len(s) - len(strings.TrimLeft(s, " "))
}

func (r *Rule) checkColumns(cols []kql.ColumnInfo) error {
	has := func(name string) bool {
		return slices.ContainsFunc(cols, func(c kql.ColumnInfo) bool { return c.Name == name })
	}
	if len(cols) > 0 && cols[len(cols)-1].Expand {
		return nil // bag_unpack: columns known only at run time
	}
	var errs []error
	need := func(where, col string) {
		if !has(col) {
			errs = append(errs, fmt.Errorf("%s names column %q, which the query does not return", where, col))
		}
	}
	for _, e := range r.Entities {
		for _, f := range e.FieldMappings {
			need("entityMappings ("+e.EntityType+"."+f.Identifier+")", f.ColumnName)
		}
	}
	for _, d := range r.CustomDetails {
		need("customDetails."+d.Name, d.Column)
	}
	for _, t := range []string{r.AlertDetails.DisplayNameFormat, r.AlertDetails.DescriptionFormat} {
		for _, c := range TemplateColumns(t) {
			need("alertDetailsOverride", c)
		}
	}
	for _, c := range []string{r.AlertDetails.SeverityColumn, r.AlertDetails.TacticsColumn} {
		if c != "" {
			need("alertDetailsOverride", c)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rule %q: %w", firstNonEmpty(r.Name, r.ID), err)
	}
	return nil
}
