package analytics

import (
	"encoding/json"
	"fmt"
	"time"

	"wsec/internal/analytics/incident"
	"wsec/internal/analytics/notify"
)

// AlertPayload is an alert as webhooks receive it (the "alert" object).
type AlertPayload struct {
	SystemAlertID string            `json:"systemAlertId"`
	AlertName     string            `json:"alertName"`
	Severity      string            `json:"severity"`
	Description   string            `json:"description"`
	TimeGenerated time.Time         `json:"timeGenerated"`
	StartTime     time.Time         `json:"startTime"`
	EndTime       time.Time         `json:"endTime"`
	RuleID        string            `json:"ruleId"`
	RuleName      string            `json:"ruleName"`
	Entities      json.RawMessage   `json:"entities"` // as SecurityAlert.Entities
	Tactics       []string          `json:"tactics"`
	Techniques    []string          `json:"techniques"`
	CustomDetails map[string]string `json:"customDetails,omitempty"`
	ResultCount   int               `json:"resultCount"`
}

// notifyAlerts queues the alerts of a window for the webhooks (before they
// are stored: a crash in between evaluates the window again, and the same
// alert IDs are queued at most once more).
func (e *Engine) notifyAlerts(ws string, alerts []*Alert) error {
	if e.opts.Notifier == nil || len(alerts) == 0 {
		return nil
	}
	msgs := make([]notify.Message, len(alerts))
	for i, a := range alerts {
		msgs[i] = notify.Message{Kind: notify.KindAlert, Key: a.ID, RuleIDs: []string{a.RuleID}, RuleNames: []string{a.RuleName},
			Payload: AlertPayload{SystemAlertID: a.ID, AlertName: a.DisplayName, Severity: a.Severity, Description: a.Description,
				TimeGenerated: a.Time, StartTime: a.Start, EndTime: a.End, RuleID: a.RuleID, RuleName: a.RuleName,
				Entities: json.RawMessage(entitiesJSON(a.Entities)), Tactics: nonNil(a.Tactics), Techniques: nonNil(a.Techniques),
				CustomDetails: a.CustomDetails, ResultCount: a.ResultCount}}
	}
	if err := e.opts.Notifier.Enqueue(ws, msgs...); err != nil {
		return fmt.Errorf("queue alerts for webhooks: %w", err)
	}
	return nil
}

// notifyIncidents queues incident versions for the webhooks; the key is
// the incident's name and version. The caller holds w.mu.
func (e *Engine) notifyIncidents(w *wsState, changed []*incident.Incident) error {
	if e.opts.Notifier == nil {
		return nil
	}
	msgs := make([]notify.Message, len(changed))
	for i, in := range changed {
		var names []string
		for _, id := range in.RuleIDs {
			if ent, ok := w.rules[id]; ok && ent.Rule != nil {
				names = append(names, ent.Rule.Name)
			}
		}
		msgs[i] = notify.Message{Kind: notify.KindIncident, Key: in.Name + "@" + in.Version.UTC().Format(time.RFC3339Nano),
			RuleIDs: in.RuleIDs, RuleNames: names, Payload: *in}
	}
	if err := e.opts.Notifier.Enqueue(w.id, msgs...); err != nil {
		return fmt.Errorf("queue incidents for webhooks: %w", err)
	}
	return nil
}
