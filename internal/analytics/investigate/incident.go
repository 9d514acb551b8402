package investigate

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"wsec/internal/analytics/incident"
)

// DefaultMargin is how far before its first activity and after its last
// an incident's timeline reaches.
const DefaultMargin = time.Hour

// MaxMargin bounds the margin a request may ask for.
const MaxMargin = 7 * 24 * time.Hour

// Alert is an alert of an incident as the investigation shows it.
type Alert struct {
	ID       string    `json:"systemAlertId"`
	Name     string    `json:"alertName"`
	Severity string    `json:"severity"`
	Time     time.Time `json:"timeGenerated"`
	Start    time.Time `json:"startTime"`
	End      time.Time `json:"endTime"`
	Tactics  []string  `json:"tactics"`
	Entities []Entity  `json:"entities"`
}

// Entity is an alert entity with its pivot, if it has one.
type Entity struct {
	Type        string            `json:"type"` // Sentinel entity type: Account, Host, IP, Process, ...
	Identifiers map[string]string `json:"identifiers"`
	Kind        string            `json:"kind,omitempty"` // account, host, ip; "": no pivot
	Value       string            `json:"value,omitempty"`
}

// Item is one entry of a timeline: an alert or an event.
type Item struct {
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"` // "alert" or "event"
	Alert  string    `json:"alert,omitempty"`
	Event  *Event    `json:"event,omitempty"`
	Behind []string  `json:"behind,omitempty"` // alerts whose span and entities cover the event
}

// Investigation is an incident with its alerts, entities and timeline.
type Investigation struct {
	Incident  incident.Incident `json:"incident"`
	Alerts    []Alert           `json:"alerts"`
	Entities  []Entity          `json:"entities"`
	From      time.Time         `json:"from"`
	To        time.Time         `json:"to"`
	Timeline  []Item            `json:"timeline"`
	Truncated bool              `json:"truncated"`
}

// Incident investigates in: its alerts, their entities and the timeline
// of the entities' events from margin before the incident's first activity
// to margin after its last (margin 0: DefaultMargin), at most limit events
// (0: DefaultLimit).
func (iv *Investigator) Incident(ctx context.Context, ws string, in incident.Incident, margin time.Duration, limit int) (*Investigation, error) {
	limit, err := checkLimit(limit)
	if err != nil {
		return nil, err
	}
	switch {
	case margin == 0:
		margin = DefaultMargin
	case margin < 0 || margin > MaxMargin:
		return nil, fmt.Errorf("%w: margin %v: want up to %v", ErrBadRequest, margin, MaxMargin)
	}
	alerts, err := iv.alerts(ctx, ws, in.AlertIDs)
	if err != nil {
		return nil, err
	}
	out := &Investigation{Incident: in, Alerts: alerts, Entities: []Entity{}, Timeline: []Item{},
		From: in.FirstActivity.Add(-margin).UTC(), To: in.LastActivity.Add(margin).UTC()}
	seen := map[string]bool{}
	for _, a := range alerts {
		out.Timeline = append(out.Timeline, Item{Time: a.Time, Kind: "alert", Alert: a.ID})
		for _, e := range a.Entities {
			if k := entityKey(e); !seen[k] {
				seen[k] = true
				out.Entities = append(out.Entities, e)
			}
		}
	}
	if !out.From.Before(out.To) {
		out.To = out.From.Add(time.Second)
	}
	events := map[Event][]string{} // event → the pivots (kind|value) it matched
	var order []Event
	for _, e := range out.Entities {
		if e.Kind == "" {
			continue
		}
		p, err := iv.Pivot(ctx, ws, e.Kind, e.Value, out.From, out.To, limit)
		if err != nil {
			return nil, err
		}
		out.Truncated = out.Truncated || p.Truncated
		for _, ev := range p.Events {
			if _, ok := events[ev]; !ok {
				order = append(order, ev)
			}
			events[ev] = append(events[ev], e.Kind+"|"+strings.ToLower(e.Value))
		}
	}
	sortEvents(order)
	if len(order) > limit {
		order, out.Truncated = order[:limit], true
	}
	for _, ev := range order {
		it := Item{Time: ev.Time, Kind: "event", Event: &ev}
		for _, a := range alerts {
			if !ev.Time.Before(a.Start) && !ev.Time.After(a.End) && a.covers(events[ev]) {
				it.Behind = append(it.Behind, a.ID)
			}
		}
		out.Timeline = append(out.Timeline, it)
	}
	slices.SortStableFunc(out.Timeline, func(a, b Item) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// covers reports whether one of the alert's entities is one of pivots.
func (a *Alert) covers(pivots []string) bool {
	for _, e := range a.Entities {
		if e.Kind != "" && slices.Contains(pivots, e.Kind+"|"+strings.ToLower(e.Value)) {
			return true
		}
	}
	return false
}

func entityKey(e Entity) string {
	return incident.Entity{Type: e.Type, Identifiers: e.Identifiers}.Key()
}

// alerts reads the incident's alerts from SecurityAlert, oldest first.
func (iv *Investigator) alerts(ctx context.Context, ws string, ids []string) ([]Alert, error) {
	if len(ids) == 0 {
		return []Alert{}, nil
	}
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = lit(id)
	}
	q := "SecurityAlert\n| where SystemAlertId in (" + strings.Join(quoted, ", ") + ")" +
		"\n| summarize arg_max(ProcessingEndTime, AlertName, AlertSeverity, TimeGenerated, StartTime, EndTime, Tactics, Entities) by SystemAlertId" +
		"\n| project SystemAlertId, AlertName, AlertSeverity, TimeGenerated, StartTime, EndTime, Tactics, Entities = tostring(Entities)" +
		"\n| order by TimeGenerated asc"
	t, err := iv.Querier.Query(ctx, ws, q, time.Time{}, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("read the incident's alerts: %w", err)
	}
	out := make([]Alert, 0, len(t.Rows))
	for _, row := range t.Rows {
		a := Alert{ID: text(row[0]), Name: text(row[1]), Severity: text(row[2]), Tactics: []string{}}
		a.Time, _ = row[3].(time.Time)
		a.Start, _ = row[4].(time.Time)
		a.End, _ = row[5].(time.Time)
		if s := text(row[6]); s != "" {
			a.Tactics = strings.Split(s, ",")
		}
		a.Entities = parseEntities(text(row[7]))
		out = append(out, a)
	}
	return out, nil
}

// entityTypes maps the lower-case Type of SecurityAlert.Entities back to
// Sentinel's entity type names.
var entityTypes = map[string]string{
	"account": "Account", "host": "Host", "ip": "IP", "process": "Process", "file": "File",
	"filehash": "FileHash", "registry-key": "RegistryKey", "registry-value": "RegistryValue",
	"url": "URL", "dns": "DNS", "cloud-application": "CloudApplication", "azure-resource": "AzureResource",
	"mailbox": "Mailbox", "malware": "Malware", "security-group": "SecurityGroup",
}

// parseEntities reads SecurityAlert.Entities (an array of objects with a
// lower-case Type and the identifiers) and gives each its pivot.
func parseEntities(js string) []Entity {
	var raw []map[string]any
	if json.Unmarshal([]byte(js), &raw) != nil {
		return []Entity{}
	}
	out := make([]Entity, 0, len(raw))
	for _, m := range raw {
		typ, _ := m["Type"].(string)
		e := Entity{Type: entityTypes[strings.ToLower(typ)], Identifiers: map[string]string{}}
		if e.Type == "" {
			e.Type = typ
		}
		for k, v := range m {
			if s, ok := v.(string); ok && k != "Type" && k != "$id" {
				e.Identifiers[k] = s
			}
		}
		e.Kind, e.Value = pivotOf(e)
		out = append(out, e)
	}
	return out
}

// pivotOf is the pivot of an entity: Account FullName (else
// NTDomain\Name, else Name), Host HostName (else FullName), IP Address.
func pivotOf(e Entity) (kind, value string) {
	id := e.Identifiers
	switch e.Type {
	case "Account":
		switch {
		case id["FullName"] != "":
			return Account, id["FullName"]
		case id["Name"] != "" && id["NTDomain"] != "":
			return Account, id["NTDomain"] + `\` + id["Name"]
		case id["Name"] != "":
			return Account, id["Name"]
		}
	case "Host":
		if v := cmp.Or(id["HostName"], id["FullName"]); v != "" {
			return Host, v
		}
	case "IP":
		if v := id["Address"]; v != "" {
			return IP, v
		}
	}
	return "", ""
}
