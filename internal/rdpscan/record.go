package rdpscan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"wsec/internal/api"
	"wsec/internal/schema"
)

// RuleID is the ID of the built-in analytics rule "Anomalous RDP Login
// Detection" (package pack ships its YAML): the analytics engine runs
// Recorder.Detect before each of its windows.
const RuleID = "9f1e2d7c-5b4a-4e0f-8a6d-2c3b4a5d6e7f"

// Store is what Recorder needs of the workspace service.
type Store interface {
	api.Querier
	AppendRows(ctx context.Context, ws, table string, rows []schema.Row) error
}

// Recorder scores a window of RDP logons and stores its anomalies in the
// Anomalies table, each once: an anomaly's Id is derived from the user,
// the source address and the day of its first logon (the detector's
// suppression is one anomaly per user and novel value per day, and
// windows scored one by one would otherwise repeat it each hour), and the
// Ids already stored are skipped.
type Recorder struct {
	Scanner *Scanner
	Store   Store
	Now     func() time.Time // nil: time.Now
}

// Detect scores [from, to) of workspace ws and stores the new anomalies;
// their TimeGenerated is their first logon, so the analytics rule's window
// over Anomalies is the scored window.
func (r *Recorder) Detect(ctx context.Context, ws string, from, to time.Time) error {
	res, err := r.Scanner.Scan(ctx, ws, from, to)
	if err != nil {
		return err
	}
	if len(res.Anomalies) == 0 {
		return nil
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	rows := Rows(res.Anomalies, now().UTC())
	ids := make([]string, len(rows))
	quoted := make([]string, len(rows))
	for i := range rows {
		ids[i] = anomalyID(&rows[i])
		quoted[i] = `"` + ids[i] + `"` // hex: no quoting needed
	}
	t, err := r.Store.Query(ctx, ws, "Anomalies | where Id in ("+strings.Join(quoted, ", ")+") | project Id", time.Time{}, time.Time{})
	if err != nil {
		return fmt.Errorf("look up stored anomalies: %w", err)
	}
	stored := map[string]bool{}
	for _, row := range t.Rows {
		if s, ok := row[0].(string); ok {
			stored[s] = true
		}
	}
	tab := schema.New().Anomalies
	var out []schema.Row
	for i := range rows {
		if stored[ids[i]] {
			continue
		}
		var sr schema.Row
		rows[i].schemaRow(tab, ws, ids[i], &sr)
		out = append(out, sr)
		stored[ids[i]] = true
	}
	if err := r.Store.AppendRows(ctx, ws, schema.AnomaliesTable, out); err != nil {
		return fmt.Errorf("store %d anomalies: %w", len(out), err)
	}
	return nil
}

func anomalyID(r *Row) string {
	h := sha256.Sum256([]byte(TemplateName + "\x00" + strings.ToLower(r.UserName) + "\x00" + r.SourceIPAddress + "\x00" +
		r.StartTime.UTC().Format(time.DateOnly)))
	s := hex.EncodeToString(h[:16])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// schemaRow fills row with r's Anomalies row.
func (r *Row) schemaRow(t *schema.Table, ws, id string, row *schema.Row) {
	row.Reset()
	f := schema.Filler{T: t, R: row}
	str, js := f.String, f.JSON
	row.SetTime(t.MustCol("TimeGenerated"), r.StartTime)
	str("Id", id)
	str("WorkspaceId", ws)
	str("VendorName", "wsec")
	str("AnomalyTemplateId", RuleID)
	str("AnomalyTemplateName", r.AnomalyTemplateName)
	str("AnomalyTemplateVersion", "1.0.0")
	str("RuleId", RuleID)
	str("RuleStatus", "Production")
	str("RuleName", r.RuleName)
	row.SetReal(t.MustCol("Score"), float64(r.Score))
	str("Description", r.Description)
	row.SetTime(t.MustCol("StartTime"), r.StartTime)
	row.SetTime(t.MustCol("EndTime"), r.EndTime)
	str("Tactics", strings.Join(r.Tactics, ","))
	str("Techniques", strings.Join(r.Techniques, ","))
	str("UserName", r.UserName)
	str("SourceIpAddress", r.SourceIPAddress)
	js("SourceLocation", r.SourceLocation)
	str("DestinationDevice", r.DestinationDevice)
	js("AnomalyReasons", r.AnomalyReasons)
	js("Entities", r.Entities)
	js("ExtendedProperties", r.ExtendedProperties)
	str("SourceSystem", "Detection")
	str("Type", schema.AnomaliesTable)
}
