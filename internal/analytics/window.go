package analytics

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"wsec/internal/analytics/incident"
	"wsec/internal/analytics/rule"
	"wsec/internal/api"
	"wsec/internal/schema"
)

// Outcome is what evaluating one window did.
type Outcome struct {
	End        time.Time `json:"end"`
	Results    int       `json:"results"`    // rows the query returned
	Alerts     int       `json:"alerts"`     // alerts the window raised (stored now or before)
	Suppressed bool      `json:"suppressed"` // alerts were due but the rule was suppressed
	Incidents  []int     `json:"incidents,omitempty"`
}

// Steps of a window's evaluation, named for crash tests: a crash after
// any of them must leave no window evaluated twice or skipped.
const (
	stepQueried   = "queried"
	stepAlerts    = "alerts-stored"
	stepIncidents = "incidents-stored"
	stepSaved     = "state-saved"
)

func (e *Engine) step(name string) error {
	if e.opts.testStep == nil {
		return nil
	}
	return e.opts.testStep(name)
}

// window is the span of rows one evaluation reads.
type window struct {
	start, end time.Time
	// received: start < _TimeReceived <= end (an NRT rule's newly ingested
	// rows), not start <= TimeGenerated < end.
	received bool
}

// scheduled is the window of a scheduled rule that ends at end.
func scheduled(r *rule.Rule, end time.Time) window {
	return window{start: end.Add(-r.QueryPeriod), end: end}
}

func (w window) column() string {
	if w.received {
		return "_TimeReceived"
	}
	return "TimeGenerated"
}

// suppression is the part of a rule's state a window reads and moves.
type suppression struct{ until time.Time }

// evaluate runs rule r of w over the window ending at end, stores its
// alerts (those not stored by an earlier, interrupted evaluation of the
// same window) and groups them into incidents. The caller holds w.mu and
// moves the rule's cursor after it returns.
//
// Exactly once: alert IDs are a function of the window and its result
// rows, the alerts of a window are stored in one append, and an alert is
// grouped into an incident at most once; so a window evaluated again after
// a crash at any step stores nothing twice. (A result that changed in
// between — events arriving later than the ingestion delay — can add
// alerts for the new rows; none is lost.)
func (e *Engine) evaluate(ctx context.Context, w *wsState, r *rule.Rule, win window, sup *suppression) (Outcome, error) {
	start := time.Now()
	end := win.end
	out := Outcome{End: end}
	wsvc := e.opts.Workspace
	from := win.start
	if d := e.opts.Detectors[r.ID]; d != nil && !win.received {
		if err := d.Detect(ctx, w.id, from, end); err != nil {
			return out, fmt.Errorf("run the detector of rule %q over %s..%s: %w", r.Name, from.Format(time.RFC3339), end.Format(time.RFC3339), err)
		}
	}
	var t *api.Table
	var err error
	if win.received {
		t, err = wsvc.QueryReceived(ctx, w.id, r.Query, from, end, e.now())
	} else {
		t, err = wsvc.QueryAt(ctx, w.id, r.Query, from, end, end)
	}
	if err != nil {
		return out, fmt.Errorf("run rule %q over %s %s..%s: %w", r.Name, win.column(), from.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano), err)
	}
	out.Results = len(t.Rows)
	if err := e.step(stepQueried); err != nil {
		return out, err
	}
	if !r.TriggerOperator.Fires(len(t.Rows), r.TriggerThreshold) {
		e.observe(start, nil)
		return out, nil
	}
	if end.Before(sup.until) {
		out.Suppressed = true
		if m := e.opts.Metrics; m != nil {
			m.suppressed.Inc()
		}
		e.observe(start, nil)
		return out, nil
	}
	alerts := buildAlerts(w.id, r, t, from, end)
	out.Alerts = len(alerts)
	stored, err := e.storedAlerts(ctx, w.id, alerts)
	if err != nil {
		return out, err
	}
	processed := e.now().UTC()
	var rows []schema.Row
	for _, a := range alerts {
		if stored[a.ID] {
			continue
		}
		var row schema.Row
		a.row(e.cat.SecurityAlert, processed, &row)
		rows = append(rows, row)
	}
	if err := e.notifyAlerts(w.id, alerts); err != nil {
		return out, err
	}
	if err := wsvc.AppendRows(ctx, w.id, schema.SecurityAlertTable, rows); err != nil {
		return out, fmt.Errorf("store alerts of rule %q: %w", r.Name, err)
	}
	if m := e.opts.Metrics; m != nil {
		m.alerts.Add(float64(len(rows)))
	}
	if err := e.step(stepAlerts); err != nil {
		return out, err
	}
	book, err := e.book(ctx, w)
	if err != nil {
		return out, err
	}
	seen := map[int]bool{}
	for _, a := range alerts {
		if in := book.Add(r, &a.Alert); in != nil && !seen[in.Number] {
			seen[in.Number] = true
			out.Incidents = append(out.Incidents, in.Number)
		}
	}
	if err := e.storeIncidents(ctx, w, book); err != nil {
		return out, err
	}
	if err := e.step(stepIncidents); err != nil {
		return out, err
	}
	if r.SuppressionDuration > 0 {
		sup.until = end.Add(r.SuppressionDuration)
	}
	e.observe(start, nil)
	e.log.Info("analytics alerts", slog.String("workspace", w.id), slog.String("rule", r.Name),
		slog.Time("window_end", end), slog.Int("alerts", len(alerts)), slog.Int("new", len(rows)))
	return out, nil
}

func (e *Engine) observe(start time.Time, err error) {
	m := e.opts.Metrics
	if m == nil {
		return
	}
	if err != nil {
		m.windows.WithLabelValues("error").Inc()
		return
	}
	m.windows.WithLabelValues("ok").Inc()
	m.windowSeconds.Observe(time.Since(start).Seconds())
}

// storedAlerts returns which of the alerts' IDs SecurityAlert already has.
func (e *Engine) storedAlerts(ctx context.Context, ws string, alerts []*Alert) (map[string]bool, error) {
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = `"` + a.ID + `"` // IDs are hex and dashes: no quoting needed
	}
	q := "SecurityAlert | where SystemAlertId in (" + strings.Join(ids, ", ") + ") | project SystemAlertId"
	t, err := e.opts.Workspace.QueryAt(ctx, ws, q, time.Time{}, time.Time{}, e.now())
	if err != nil {
		return nil, fmt.Errorf("look up stored alerts: %w", err)
	}
	out := map[string]bool{}
	for _, row := range t.Rows {
		out[cellText(row[0])] = true
	}
	return out, nil
}

// book returns the workspace's incidents, loading them from
// SecurityIncident on first use. The caller holds w.mu.
func (e *Engine) book(ctx context.Context, w *wsState) (*incident.Book, error) {
	if w.book != nil {
		return w.book, nil
	}
	q := "SecurityIncident | project " + strings.Join(incident.Columns, ", ")
	t, err := e.opts.Workspace.QueryAt(ctx, w.id, q, time.Time{}, time.Time{}, e.now())
	if err != nil {
		return nil, fmt.Errorf("load incidents of workspace %s: %w", w.id, err)
	}
	b, err := incident.Load(t.Rows, e.now)
	if err != nil {
		return nil, err
	}
	w.book = b
	return b, nil
}

// storeIncidents appends the changed incidents' new versions. On failure
// the book is dropped, to be loaded again from what the table holds.
func (e *Engine) storeIncidents(ctx context.Context, w *wsState, b *incident.Book) error {
	changed := b.Flush()
	if len(changed) == 0 {
		return nil
	}
	if err := e.notifyIncidents(w, changed); err != nil {
		w.book = nil
		return err
	}
	rows := make([]schema.Row, len(changed))
	for i, in := range changed {
		incident.Row(e.cat.SecurityIncident, in, &rows[i])
	}
	if err := e.opts.Workspace.AppendRows(ctx, w.id, schema.SecurityIncidentTable, rows); err != nil {
		w.book = nil
		return fmt.Errorf("store incidents: %w", err)
	}
	if m := e.opts.Metrics; m != nil {
		m.incidents.Add(float64(len(rows)))
	}
	return nil
}
