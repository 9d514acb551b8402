package analytics

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"wsec/internal/analytics/incident"
	"wsec/internal/analytics/rule"
	"wsec/internal/api"
	"wsec/internal/schema"
)

// Alert is one alert of a rule's window: what grouping needs (embedded)
// plus what the SecurityAlert row carries.
type Alert struct {
	incident.Alert
	Workspace   string
	Kind        rule.Kind
	WindowStart time.Time
	WindowEnd   time.Time
	Query       string
	ResultCount int // rows of the whole window
	Rule        *rule.Rule
	// CustomValues are the custom details with every value of the alert's
	// rows (Sentinel's "Custom Details" extended property).
	CustomValues map[string][]string
}

// Values Sentinel gives scheduled alerts; rules and workbooks filter on
// them, so wsec's alerts carry the same.
const (
	alertProvider  = "ASI Scheduled Alerts"
	alertProduct   = "Azure Sentinel"
	alertVendor    = "wsec"
	alertSource    = "Detection"
	alertStatusNew = "New"
)

// entityTypeNames are the Type values Sentinel writes in
// SecurityAlert.Entities for each entity type.
var entityTypeNames = map[string]string{
	"Account": "account", "Host": "host", "IP": "ip", "Process": "process", "File": "file",
	"FileHash": "filehash", "RegistryKey": "registry-key", "RegistryValue": "registry-value",
	"URL": "url", "DNS": "dns", "CloudApplication": "cloud-application", "AzureResource": "azure-resource",
	"Mailbox": "mailbox", "Malware": "malware", "SecurityGroup": "security-group",
}

// startColumns and endColumns are result columns that say when a result's
// activity began and ended, in order of preference; without any, an
// alert covers its window.
var (
	startColumns = []string{"StartTime", "StartTimeUtc", "StartTimeUTC", "timestamp", "TimeGenerated"}
	endColumns   = []string{"EndTime", "EndTimeUtc", "EndTimeUTC", "timestamp", "TimeGenerated"}
)

// result is a window's query result with column lookup.
type result struct {
	t   *api.Table
	idx map[string]int
}

func newResult(t *api.Table) *result {
	r := &result{t: t, idx: map[string]int{}}
	for i, c := range t.Columns {
		r.idx[c.Name] = i
	}
	return r
}

// text returns a cell as text: strings as they are, times in RFC 3339,
// JSON strings unquoted, other JSON compact.
func (r *result) text(row []any, col string) string {
	i, ok := r.idx[col]
	if !ok || i >= len(row) {
		return ""
	}
	return cellText(row[i])
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case json.RawMessage:
		var s string
		if json.Unmarshal(x, &s) == nil {
			return s
		}
		return string(x)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func (r *result) time(row []any, cols []string) (time.Time, bool) {
	for _, c := range cols {
		if i, ok := r.idx[c]; ok && i < len(row) {
			if t, ok := row[i].(time.Time); ok {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// buildAlerts turns a window's result into alerts under the rule's event
// grouping: one alert for the window (SingleAlert) or one per row
// (AlertPerResult; rows past MaxAlertsPerRun-1 share the last alert, as in
// Sentinel). IDs are derived from the workspace, rule, window and rows, so
// evaluating the same window again gives the same IDs.
func buildAlerts(ws string, r *rule.Rule, t *api.Table, start, end time.Time) []*Alert {
	res := newResult(t)
	var groups [][][]any
	if r.Aggregation == rule.AlertPerResult {
		for i, row := range t.Rows {
			if i == MaxAlertsPerRun-1 {
				groups = append(groups, t.Rows[i:])
				break
			}
			groups = append(groups, [][]any{row})
		}
	} else {
		groups = [][][]any{t.Rows}
	}
	var out []*Alert
	seen := map[string]int{}
	for _, rows := range groups {
		a := buildAlert(ws, r, res, rows, start, end)
		a.ResultCount = len(t.Rows)
		base := a.ID
		seen[base]++
		if n := seen[base]; n > 1 { // identical rows: still one alert each
			a.ID = alertID(base, strconv.Itoa(n))
		}
		out = append(out, a)
	}
	return out
}

func alertID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	s := hex.EncodeToString(h[:16])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

func buildAlert(ws string, r *rule.Rule, res *result, rows [][]any, start, end time.Time) *Alert {
	a := &Alert{Workspace: ws, Kind: r.Kind, WindowStart: start, WindowEnd: end, Query: r.Query, Rule: r,
		CustomValues: map[string][]string{}}
	rowsJSON, _ := json.Marshal(rows)
	a.ID = alertID(ws, r.ID, end.UTC().Format(time.RFC3339Nano), string(rowsJSON))
	a.RuleID, a.RuleName, a.Time = r.ID, r.Name, end
	a.DisplayName, a.Description, a.Severity = r.Name, r.Description, r.Severity
	a.Tactics, a.Techniques = r.Tactics, r.Techniques
	var first []any
	if len(rows) > 0 {
		first = rows[0]
	}
	value := func(col string) string { return res.text(first, col) }
	ad := r.AlertDetails
	if ad.DisplayNameFormat != "" && first != nil {
		a.DisplayName = rule.Expand(ad.DisplayNameFormat, value)
	}
	if ad.DescriptionFormat != "" && first != nil {
		a.Description = rule.Expand(ad.DescriptionFormat, value)
	}
	if s := value(ad.SeverityColumn); ad.SeverityColumn != "" && slices.Contains(rule.Severities[:], s) {
		a.Severity = s
	}
	if s := value(ad.TacticsColumn); ad.TacticsColumn != "" && s != "" {
		a.Tactics = strings.Split(s, ",")
	}
	a.Start, a.End = start, end
	var gotStart bool
	for _, row := range rows {
		if t, ok := res.time(row, startColumns); ok && (!gotStart || t.Before(a.Start)) {
			a.Start, gotStart = t, true
		}
	}
	var gotEnd bool
	for _, row := range rows {
		if t, ok := res.time(row, endColumns); ok && (!gotEnd || t.After(a.End)) {
			a.End, gotEnd = t, true
		}
	}
	keys := map[string]bool{}
	for _, row := range rows {
		for _, m := range r.Entities {
			e := incident.Entity{Type: m.EntityType, Identifiers: map[string]string{}}
			for _, f := range m.FieldMappings {
				if v := res.text(row, f.ColumnName); v != "" {
					e.Identifiers[f.Identifier] = v
				}
			}
			if len(e.Identifiers) == 0 {
				continue
			}
			splitFullName(&e)
			if k := e.Key(); !keys[k] && len(a.Entities) < MaxEntitiesPerAlert {
				keys[k] = true
				a.Entities = append(a.Entities, e)
			}
		}
		for _, d := range r.CustomDetails {
			if v := res.text(row, d.Column); v != "" && !slices.Contains(a.CustomValues[d.Name], v) {
				a.CustomValues[d.Name] = append(a.CustomValues[d.Name], v)
			}
		}
	}
	a.CustomDetails = map[string]string{}
	for k, vs := range a.CustomValues {
		a.CustomDetails[k] = strings.Join(vs, ",")
	}
	return a
}

// splitFullName adds the components of an Account or Host FullName
// (DOMAIN\name, name@upn.suffix, host.dns.domain), as Sentinel does, when
// the mapping did not give them.
func splitFullName(e *incident.Entity) {
	full := e.Identifiers["FullName"]
	if full == "" {
		return
	}
	set := func(k, v string) {
		if _, ok := e.Identifiers[k]; !ok && v != "" {
			e.Identifiers[k] = v
		}
	}
	switch e.Type {
	case "Account":
		if dom, name, ok := strings.Cut(full, `\`); ok {
			set("NTDomain", dom)
			set("Name", name)
		} else if name, suffix, ok := strings.Cut(full, "@"); ok {
			set("Name", name)
			set("UPNSuffix", suffix)
		} else {
			set("Name", full)
		}
	case "Host":
		if host, dom, ok := strings.Cut(full, "."); ok {
			set("HostName", host)
			set("DnsDomain", dom)
		} else {
			set("HostName", full)
		}
	}
}

// entitiesJSON is SecurityAlert.Entities: Sentinel's array of entity
// objects with $id and a lower-case Type.
func entitiesJSON(ents []incident.Entity) string {
	out := make([]map[string]string, 0, len(ents))
	for i, e := range ents {
		m := map[string]string{"$id": strconv.Itoa(i + 2), "Type": entityTypeNames[e.Type]}
		for k, v := range e.Identifiers {
			m[k] = v
		}
		out = append(out, m)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// compromisedEntity is the alert's first host name, else account name.
func compromisedEntity(ents []incident.Entity) string {
	for _, typ := range []string{"Host", "Account"} {
		for _, e := range ents {
			if e.Type != typ {
				continue
			}
			for _, k := range []string{"HostName", "FullName", "Name"} {
				if v := e.Identifiers[k]; v != "" {
					return v
				}
			}
		}
	}
	return ""
}

var operatorNames = map[rule.Operator]string{
	rule.GreaterThan: "GreaterThan", rule.LessThan: "LessThan", rule.Equal: "Equal", rule.NotEqual: "NotEqual",
}

// row fills row with a's SecurityAlert row; processed is when the alert
// was made.
func (a *Alert) row(t *schema.Table, processed time.Time, row *schema.Row) {
	row.Reset()
	f := schema.Filler{T: t, R: row}
	str, js := f.String, f.JSON
	ruleIDs, _ := json.Marshal([]string{a.RuleID})
	ext := map[string]string{
		"Query":                              a.Query,
		"Query Period":                       a.WindowEnd.Sub(a.WindowStart).String(),
		"Query Start Time UTC":               a.WindowStart.UTC().Format(time.RFC3339Nano),
		"Query End Time UTC":                 a.WindowEnd.UTC().Format(time.RFC3339Nano),
		"Search Query Results Overall Count": strconv.Itoa(a.ResultCount),
		"Trigger Operator":                   operatorNames[a.Rule.TriggerOperator],
		"Trigger Threshold":                  strconv.Itoa(a.Rule.TriggerThreshold),
		"Analytic Rule Ids":                  string(ruleIDs),
		"Analytic Rule Name":                 a.RuleName,
		"Event Grouping":                     string(a.Rule.Aggregation),
		"ProcessedBySentinel":                "True",
		"Alert generation status":            "Full alert created",
	}
	if len(a.CustomValues) > 0 {
		b, _ := json.Marshal(a.CustomValues)
		ext["Custom Details"] = string(b)
	}
	component := "Scheduled Alerts"
	if a.Kind == rule.NRT {
		component = "NRT Alerts"
	}
	row.SetTime(t.MustCol("TimeGenerated"), a.Time)
	str("DisplayName", a.DisplayName)
	str("AlertName", a.DisplayName)
	str("AlertSeverity", a.Severity)
	str("Description", a.Description)
	str("ProviderName", alertProvider)
	str("VendorName", alertVendor)
	str("VendorOriginalId", a.ID)
	str("SystemAlertId", a.ID)
	str("AlertType", a.Workspace+"_"+a.RuleID)
	str("ConfidenceLevel", "Unknown")
	row.SetInt(t.MustCol("IsIncident"), 0)
	row.SetTime(t.MustCol("StartTime"), a.Start)
	row.SetTime(t.MustCol("EndTime"), a.End)
	row.SetTime(t.MustCol("ProcessingEndTime"), processed)
	js("ExtendedProperties", ext)
	str("Entities", entitiesJSON(a.Entities))
	str("SourceSystem", alertSource)
	str("ProductName", alertProduct)
	str("ProductComponentName", component)
	str("Status", alertStatusNew)
	str("CompromisedEntity", compromisedEntity(a.Entities))
	str("Tactics", strings.Join(a.Tactics, ","))
	var techniques, subs []string
	for _, t := range a.Techniques {
		if base, _, ok := strings.Cut(t, "."); ok {
			subs = append(subs, t)
			t = base
		}
		if !slices.Contains(techniques, t) {
			techniques = append(techniques, t)
		}
	}
	js("Techniques", nonNil(techniques))
	js("SubTechniques", nonNil(subs))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
