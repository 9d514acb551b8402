package rule

import (
	"time"
)

// Kind is how a rule runs.
type Kind string

const (
	// Scheduled rules run every QueryFrequency over the last QueryPeriod.
	Scheduled Kind = "Scheduled"
	// NRT (near-real-time) rules run on newly ingested events.
	NRT Kind = "NRT"
	// Hunting queries have no trigger: they import as saved searches and
	// never raise alerts.
	Hunting Kind = "Hunting"
)

// Severities are the alert severities Sentinel accepts, lowest first.
var Severities = [...]string{"Informational", "Low", "Medium", "High"}

// Operator compares a window's result count with TriggerThreshold.
type Operator string

// The trigger operators of the Sentinel YAML format.
const (
	GreaterThan Operator = "gt"
	LessThan    Operator = "lt"
	Equal       Operator = "eq"
	NotEqual    Operator = "ne"
)

// Fires reports whether a window with n result rows raises alerts.
func (o Operator) Fires(n, threshold int) bool {
	switch o {
	case GreaterThan:
		return n > threshold
	case LessThan:
		return n < threshold
	case Equal:
		return n == threshold
	case NotEqual:
		return n != threshold
	}
	return false
}

// Aggregation is eventGroupingSettings.aggregationKind.
type Aggregation string

const (
	// SingleAlert: one alert per window, whatever the result count.
	SingleAlert Aggregation = "SingleAlert"
	// AlertPerResult: one alert per result row.
	AlertPerResult Aggregation = "AlertPerResult"
)

// Matching methods of incident grouping.
const (
	AllEntities = "AllEntities" // group alerts whose grouped entities all match
	AnyAlert    = "AnyAlert"    // group every alert of the rule
	Selected    = "Selected"    // group by GroupByEntities/AlertDetails/CustomDetails
)

// Rule is one analytics rule: a KQL query with when to run it and what an
// alert of it carries. It is what the engine schedules, whatever the rule
// was written in: Parse fills it from Sentinel YAML; other front ends (a
// Sigma compiler) fill it directly and call Validate.
type Rule struct {
	ID          string
	Name        string
	Description string
	Kind        Kind
	Severity    string
	Query       string
	// QueryFrequency is how often a scheduled rule runs; QueryPeriod how
	// far back each run looks (the window ends at the run's end time).
	QueryFrequency, QueryPeriod time.Duration
	TriggerOperator             Operator
	TriggerThreshold            int
	Tactics                     []string
	Techniques                  []string
	Entities                    []EntityMapping
	// CustomDetails map alert detail names to result columns, in file
	// order.
	CustomDetails []CustomDetail
	// AlertDetails overrides the alert's display name, description,
	// severity, tactics from columns ({{Column}} templates); zero: none.
	AlertDetails AlertDetails
	Aggregation  Aggregation
	Incident     IncidentConfiguration
	// SuppressionDuration, when > 0, stops the rule from raising alerts for
	// that long after it raised one.
	SuppressionDuration time.Duration
	Version             string
	// Source says where the rule came from ("sentinel", "sigma", a file).
	Source string

	// Unknown lists the top-level fields of the source the engine does not
	// interpret, in file order; they are kept in Raw, never dropped.
	Unknown []string
	// Raw is the rule as written (the YAML file), stored with the rule.
	Raw []byte
	// QueryLine is the line of Raw on which Query starts (0: unknown); KQL
	// error lines are shifted by it so they point into the file.
	QueryLine int
}

// EntityMapping is one entity of an alert, taken from result columns.
type EntityMapping struct {
	EntityType    string         `yaml:"entityType" json:"entityType"`
	FieldMappings []FieldMapping `yaml:"fieldMappings" json:"fieldMappings"`
}

// FieldMapping fills an identifier of an entity from a column.
type FieldMapping struct {
	Identifier string `yaml:"identifier" json:"identifier"`
	ColumnName string `yaml:"columnName" json:"columnName"`
}

// CustomDetail is one customDetails entry: a detail name and its column.
type CustomDetail struct {
	Name   string `json:"name"`
	Column string `json:"column"`
}

// AlertDetails is alertDetailsOverride.
type AlertDetails struct {
	DisplayNameFormat string `yaml:"alertDisplayNameFormat" json:"alertDisplayNameFormat,omitempty"`
	DescriptionFormat string `yaml:"alertDescriptionFormat" json:"alertDescriptionFormat,omitempty"`
	SeverityColumn    string `yaml:"alertSeverityColumnName" json:"alertSeverityColumnName,omitempty"`
	TacticsColumn     string `yaml:"alertTacticsColumnName" json:"alertTacticsColumnName,omitempty"`
}

// IncidentConfiguration says whether and how alerts become incidents.
type IncidentConfiguration struct {
	CreateIncident bool     `json:"createIncident"`
	Grouping       Grouping `json:"grouping"`
}

// Grouping is incidentConfiguration.groupingConfiguration.
type Grouping struct {
	Enabled              bool          `json:"enabled"`
	ReopenClosedIncident bool          `json:"reopenClosedIncident"`
	LookbackDuration     time.Duration `json:"lookbackDuration"`
	MatchingMethod       string        `json:"matchingMethod"`
	GroupByEntities      []string      `json:"groupByEntities,omitempty"`
	GroupByAlertDetails  []string      `json:"groupByAlertDetails,omitempty"`
	GroupByCustomDetails []string      `json:"groupByCustomDetails,omitempty"`
}
