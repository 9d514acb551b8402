package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"wsec/internal/analytics/rule"
)

// Statuses of an incident.
const (
	New    = "New"
	Active = "Active"
	Closed = "Closed"
)

// Classifications of a closed incident (Sentinel's).
var Classifications = [...]string{"Undetermined", "TruePositive", "BenignPositive", "FalsePositive"}

// MaxAlerts is how many alerts one incident groups (Sentinel's limit); the
// next matching alert opens a new incident.
const MaxAlerts = 150

// Entity is one entity of an alert: its type and identifiers.
type Entity struct {
	Type        string            // Sentinel entity type: Account, Host, IP, ...
	Identifiers map[string]string // identifier → value
}

// Key is a canonical text of the entity, equal for equal entities
// (identifier values compare case-insensitively, as Sentinel matches).
func (e Entity) Key() string {
	ids := make([]string, 0, len(e.Identifiers))
	for k, v := range e.Identifiers {
		ids = append(ids, k+"="+strings.ToLower(v))
	}
	sort.Strings(ids)
	return e.Type + "{" + strings.Join(ids, ",") + "}"
}

// Alert is what grouping needs of an alert.
type Alert struct {
	ID            string
	RuleID        string
	RuleName      string
	DisplayName   string
	Description   string
	Severity      string
	Time          time.Time // the alert's TimeGenerated (its window's end)
	Start, End    time.Time // activity the alert covers
	Entities      []Entity
	CustomDetails map[string]string
	Tactics       []string
	Techniques    []string
}

// Owner is who an incident is assigned to.
type Owner struct {
	AssignedTo string `json:"assignedTo"`
	Email      string `json:"email,omitempty"`
}

// Comment is one comment on an incident.
type Comment struct {
	Message     string    `json:"message"`
	Author      string    `json:"author"`
	CreatedTime time.Time `json:"createdTimeUtc"`
}

// Incident is an incident's current state.
type Incident struct {
	Number                int       `json:"incidentNumber"`
	Name                  string    `json:"incidentName"` // stable GUID
	Title                 string    `json:"title"`
	Description           string    `json:"description"`
	Severity              string    `json:"severity"`
	Status                string    `json:"status"`
	Classification        string    `json:"classification,omitempty"`
	ClassificationReason  string    `json:"classificationReason,omitempty"`
	ClassificationComment string    `json:"classificationComment,omitempty"`
	Owner                 Owner     `json:"owner"`
	FirstActivity         time.Time `json:"firstActivityTime"`
	LastActivity          time.Time `json:"lastActivityTime"`
	Created               time.Time `json:"createdTime"`
	FirstModified         time.Time `json:"firstModifiedTime"`
	LastModified          time.Time `json:"lastModifiedTime"`
	ClosedTime            time.Time `json:"closedTime,omitzero"`
	RuleIDs               []string  `json:"relatedAnalyticRuleIds"`
	AlertIDs              []string  `json:"alertIds"`
	Comments              []Comment `json:"comments"`
	Labels                []string  `json:"labels"`
	Tactics               []string  `json:"tactics"`
	Techniques            []string  `json:"techniques"`
	ModifiedBy            string    `json:"modifiedBy"`
	// Version is the TimeGenerated of the row holding this state; every
	// change appends a row with a later one.
	Version time.Time `json:"version"`

	// grouping state: the key alerts must match and when the group's
	// first alert was raised (lookback counts from it).
	GroupKey   string    `json:"groupKey,omitempty"`
	GroupStart time.Time `json:"groupStart"`
}

// severityRank orders severities for an incident taking its highest.
func severityRank(s string) int { return slices.Index(rule.Severities[:], s) }

// groupKey is the text alerts of one group share under r's grouping; ok is
// false when the alert cannot be grouped (AllEntities or Selected
// entities with no entity at all start their own incident, as in
// Sentinel).
func groupKey(r *rule.Rule, a *Alert) (string, bool) {
	g := r.Incident.Grouping
	var parts []string
	switch g.MatchingMethod {
	case rule.AnyAlert:
		return "", true
	case rule.AllEntities:
		for _, e := range a.Entities {
			parts = append(parts, e.Key())
		}
		if len(parts) == 0 {
			return "", false
		}
	case rule.Selected:
		for _, e := range a.Entities {
			if slices.Contains(g.GroupByEntities, e.Type) {
				parts = append(parts, e.Key())
			}
		}
		if len(g.GroupByEntities) > 0 && len(parts) == 0 {
			return "", false
		}
		for _, d := range g.GroupByAlertDetails {
			switch d {
			case "DisplayName":
				parts = append(parts, "DisplayName="+a.DisplayName)
			case "Severity":
				parts = append(parts, "Severity="+a.Severity)
			}
		}
		for _, d := range g.GroupByCustomDetails {
			parts = append(parts, "custom:"+d+"="+strings.ToLower(a.CustomDetails[d]))
		}
	}
	sort.Strings(parts)
	parts = slices.Compact(parts)
	h := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(h[:16]), true
}

// Book holds the incidents of one workspace and groups alerts into them.
// It is not safe for concurrent use; the engine serialises access.
type Book struct {
	incidents map[int]*Incident
	byAlert   map[string]int
	next      int
	now       func() time.Time
	// Changed collects the incidents changed since the last Flush, in
	// order: the rows to append.
	changed []*Incident
}

// NewBook returns an empty book; now is the clock of changes.
func NewBook(now func() time.Time) *Book {
	return &Book{incidents: map[int]*Incident{}, byAlert: map[string]int{}, next: 1, now: now}
}

// Restore puts a stored incident state back (Load calls it per incident,
// latest version only).
func (b *Book) Restore(in *Incident) {
	b.incidents[in.Number] = in
	for _, id := range in.AlertIDs {
		b.byAlert[id] = in.Number
	}
	if in.Number >= b.next {
		b.next = in.Number + 1
	}
}

// Grouped reports whether the alert is already in an incident.
func (b *Book) Grouped(alertID string) bool {
	_, ok := b.byAlert[alertID]
	return ok
}

// Get returns an incident by number.
func (b *Book) Get(n int) (*Incident, bool) {
	in, ok := b.incidents[n]
	return in, ok
}

// List returns every incident, newest number first.
func (b *Book) List() []*Incident {
	out := make([]*Incident, 0, len(b.incidents))
	for _, in := range b.incidents {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	return out
}

// touch stamps a change of in by who and queues its new version.
func (b *Book) touch(in *Incident, who string) {
	now := b.now().UTC().Truncate(time.Microsecond)
	if !now.After(in.Version) {
		now = in.Version.Add(time.Microsecond) // versions strictly increase
	}
	in.Version, in.LastModified, in.ModifiedBy = now, now, who
	if in.FirstModified.IsZero() {
		in.FirstModified = now
	}
	if !slices.Contains(b.changed, in) {
		b.changed = append(b.changed, in)
	}
}

// Flush returns the incidents changed since the last Flush and forgets
// them. The caller stores their rows (Row); if that fails, the book is
// ahead of the store and the caller must load a new one (Load).
func (b *Book) Flush() []*Incident {
	out := b.changed
	b.changed = nil
	return out
}

// Add groups alert a of rule r into an incident under r's incident
// configuration: a new incident, or an open one of the same rule whose
// group started within the lookback and whose key matches (a closed one
// when reopenClosedIncident says so, reopening it). It returns the
// incident, or nil when the rule creates none. An alert already grouped is
// left where it is.
func (b *Book) Add(r *rule.Rule, a *Alert) *Incident {
	if !r.Incident.CreateIncident {
		return nil
	}
	if n, ok := b.byAlert[a.ID]; ok {
		return b.incidents[n]
	}
	g := r.Incident.Grouping
	var target *Incident
	key, groupable := "", false
	if g.Enabled {
		key, groupable = groupKey(r, a)
	}
	if groupable {
		for _, in := range b.incidents {
			if !slices.Contains(in.RuleIDs, r.ID) || in.GroupKey != key || len(in.AlertIDs) >= MaxAlerts {
				continue
			}
			if a.Time.Before(in.GroupStart) || a.Time.Sub(in.GroupStart) > g.LookbackDuration {
				continue
			}
			if in.Status == Closed && !g.ReopenClosedIncident {
				continue
			}
			if target == nil || in.GroupStart.After(target.GroupStart) {
				target = in
			}
		}
	}
	if target == nil {
		target = b.open(r, a, key)
	} else if target.Status == Closed {
		target.Status, target.Classification, target.ClassificationReason, target.ClassificationComment = Active, "", "", ""
		target.ClosedTime = time.Time{}
	}
	b.attach(target, a)
	b.touch(target, "Analytics: "+r.Name)
	return target
}

func (b *Book) open(r *rule.Rule, a *Alert, key string) *Incident {
	n := b.next
	b.next++
	h := sha256.Sum256([]byte(fmt.Sprintf("incident|%s|%d", a.ID, n)))
	id := hex.EncodeToString(h[:16])
	in := &Incident{
		Number: n, Name: id[0:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:32],
		Title: a.DisplayName, Description: a.Description, Severity: a.Severity, Status: New,
		Created: b.now().UTC().Truncate(time.Microsecond), GroupKey: key, GroupStart: a.Time,
		RuleIDs: []string{r.ID}, Comments: []Comment{}, Labels: []string{},
	}
	if in.Title == "" {
		in.Title = r.Name
	}
	b.incidents[n] = in
	return in
}

func (b *Book) attach(in *Incident, a *Alert) {
	in.AlertIDs = append(in.AlertIDs, a.ID)
	b.byAlert[a.ID] = in.Number
	if severityRank(a.Severity) > severityRank(in.Severity) {
		in.Severity = a.Severity
	}
	if in.FirstActivity.IsZero() || a.Start.Before(in.FirstActivity) {
		in.FirstActivity = a.Start
	}
	if a.End.After(in.LastActivity) {
		in.LastActivity = a.End
	}
	for _, t := range a.Tactics {
		if !slices.Contains(in.Tactics, t) {
			in.Tactics = append(in.Tactics, t)
		}
	}
	for _, t := range a.Techniques {
		if !slices.Contains(in.Techniques, t) {
			in.Techniques = append(in.Techniques, t)
		}
	}
}

// Assign sets the owner.
func (b *Book) Assign(n int, owner Owner, who string) (*Incident, error) {
	in, err := b.find(n)
	if err != nil {
		return nil, err
	}
	in.Owner = owner
	if in.Status == New {
		in.Status = Active
	}
	b.touch(in, who)
	return in, nil
}

// Comment adds a comment.
func (b *Book) Comment(n int, msg, who string) (*Incident, error) {
	in, err := b.find(n)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(msg) == "" {
		return nil, fmt.Errorf("comment on incident %d: the message is empty", n)
	}
	in.Comments = append(in.Comments, Comment{Message: msg, Author: who, CreatedTime: b.now().UTC()})
	b.touch(in, who)
	return in, nil
}

// Close closes an incident with a classification (one of Classifications)
// and an optional reason and comment.
func (b *Book) Close(n int, classification, reason, comment, who string) (*Incident, error) {
	in, err := b.find(n)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(Classifications[:], classification) {
		return nil, fmt.Errorf("close incident %d: classification %q: want one of %s", n, classification, strings.Join(Classifications[:], ", "))
	}
	if in.Status == Closed {
		return nil, fmt.Errorf("close incident %d: it is already closed", n)
	}
	in.Status, in.Classification, in.ClassificationReason, in.ClassificationComment = Closed, classification, reason, comment
	in.ClosedTime = b.now().UTC().Truncate(time.Microsecond)
	b.touch(in, who)
	return in, nil
}

// Reopen makes a closed incident Active again.
func (b *Book) Reopen(n int, who string) (*Incident, error) {
	in, err := b.find(n)
	if err != nil {
		return nil, err
	}
	if in.Status != Closed {
		return nil, fmt.Errorf("reopen incident %d: it is %s, not closed", n, in.Status)
	}
	in.Status, in.Classification, in.ClassificationReason, in.ClassificationComment = Active, "", "", ""
	in.ClosedTime = time.Time{}
	b.touch(in, who)
	return in, nil
}

// ErrNotFound: no incident has the number.
var ErrNotFound = fmt.Errorf("no such incident")

func (b *Book) find(n int) (*Incident, error) {
	in, ok := b.incidents[n]
	if !ok {
		return nil, fmt.Errorf("incident %d: %w", n, ErrNotFound)
	}
	return in, nil
}
