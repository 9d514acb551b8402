package incident

import (
	"encoding/json"
	"fmt"
	"time"

	"wsec/internal/schema"
)

// ProviderName is the SecurityIncident.ProviderName of wsec's incidents.
const ProviderName = "wsec"

// additionalData is SecurityIncident.AdditionalData: Sentinel's counts and
// tactics, plus the grouping state wsec needs to continue a group after a
// restart.
type additionalData struct {
	AlertsCount   int       `json:"alertsCount"`
	CommentsCount int       `json:"commentsCount"`
	Tactics       []string  `json:"tactics"`
	Techniques    []string  `json:"techniques"`
	GroupKey      string    `json:"groupKey,omitempty"`
	GroupStart    time.Time `json:"groupStart"`
}

// Row fills r with in's current version as a row of t (SecurityIncident).
func Row(t *schema.Table, in *Incident, r *schema.Row) {
	r.Reset()
	f := schema.Filler{T: t, R: r}
	str, tm, js := f.String, f.Time, f.JSON
	tm("TimeGenerated", in.Version)
	str("IncidentName", in.Name)
	str("Title", in.Title)
	str("Description", in.Description)
	str("Severity", in.Severity)
	str("Status", in.Status)
	str("Classification", in.Classification)
	str("ClassificationReason", in.ClassificationReason)
	str("ClassificationComment", in.ClassificationComment)
	js("Owner", in.Owner)
	str("ProviderName", ProviderName)
	str("ProviderIncidentId", fmt.Sprint(in.Number))
	tm("FirstActivityTime", in.FirstActivity)
	tm("LastActivityTime", in.LastActivity)
	tm("FirstModifiedTime", in.FirstModified)
	tm("LastModifiedTime", in.LastModified)
	tm("CreatedTime", in.Created)
	tm("ClosedTime", in.ClosedTime)
	r.SetInt(t.MustCol("IncidentNumber"), int64(in.Number))
	js("RelatedAnalyticRuleIds", nonNil(in.RuleIDs))
	js("AlertIds", nonNil(in.AlertIDs))
	js("BookmarkIds", []string{})
	js("Comments", in.Comments)
	js("Tasks", []string{})
	js("Labels", nonNil(in.Labels))
	js("AdditionalData", additionalData{AlertsCount: len(in.AlertIDs), CommentsCount: len(in.Comments),
		Tactics: nonNil(in.Tactics), Techniques: nonNil(in.Techniques), GroupKey: in.GroupKey, GroupStart: in.GroupStart})
	str("ModifiedBy", in.ModifiedBy)
	str("SourceSystem", "wsec")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Columns are the SecurityIncident columns Load reads, in the order it
// expects them.
var Columns = []string{
	"TimeGenerated", "IncidentNumber", "IncidentName", "Title", "Description", "Severity", "Status",
	"Classification", "ClassificationReason", "ClassificationComment", "Owner", "FirstActivityTime",
	"LastActivityTime", "FirstModifiedTime", "LastModifiedTime", "CreatedTime", "ClosedTime",
	"RelatedAnalyticRuleIds", "AlertIds", "Comments", "Labels", "AdditionalData", "ModifiedBy",
}

// Load builds a book from SecurityIncident rows (cells in Columns order,
// as a query result gives them): each incident's latest version.
func Load(rows [][]any, now func() time.Time) (*Book, error) {
	b := NewBook(now)
	latest := map[int]*Incident{}
	for i, row := range rows {
		in, err := fromRow(row)
		if err != nil {
			return nil, fmt.Errorf("read SecurityIncident row %d: %w", i, err)
		}
		if old, ok := latest[in.Number]; !ok || in.Version.After(old.Version) {
			latest[in.Number] = in
		}
	}
	for _, in := range latest {
		b.Restore(in)
	}
	return b, nil
}

func fromRow(row []any) (*Incident, error) {
	if len(row) != len(Columns) {
		return nil, fmt.Errorf("%d cells, want %d", len(row), len(Columns))
	}
	var err error
	str := func(i int) string { s, _ := row[i].(string); return s }
	tm := func(i int) time.Time { t, _ := row[i].(time.Time); return t.UTC() }
	js := func(i int, v any) {
		var b []byte
		switch x := row[i].(type) {
		case json.RawMessage:
			b = x
		case string:
			b = []byte(x)
		case nil:
			return
		}
		if e := json.Unmarshal(b, v); e != nil && err == nil {
			err = fmt.Errorf("column %s: %w", Columns[i], e)
		}
	}
	in := &Incident{Version: tm(0), Name: str(2), Title: str(3), Description: str(4), Severity: str(5), Status: str(6),
		Classification: str(7), ClassificationReason: str(8), ClassificationComment: str(9),
		FirstActivity: tm(11), LastActivity: tm(12), FirstModified: tm(13), LastModified: tm(14), Created: tm(15), ClosedTime: tm(16),
		ModifiedBy: str(22)}
	switch n := row[1].(type) {
	case int32:
		in.Number = int(n)
	case int64:
		in.Number = int(n)
	default:
		return nil, fmt.Errorf("IncidentNumber %v (%T) is not a number", row[1], row[1])
	}
	js(10, &in.Owner)
	js(17, &in.RuleIDs)
	js(18, &in.AlertIDs)
	js(19, &in.Comments)
	js(20, &in.Labels)
	var ad additionalData
	js(21, &ad)
	in.Tactics, in.Techniques, in.GroupKey, in.GroupStart = ad.Tactics, ad.Techniques, ad.GroupKey, ad.GroupStart
	return in, err
}
