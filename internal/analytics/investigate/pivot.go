package investigate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"wsec/internal/api"
	"wsec/internal/kql"
)

// Entity kinds that have a pivot.
const (
	Account = "account"
	Host    = "host"
	IP      = "ip"
)

// Limits of a pivot.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
	// MaxValueBytes bounds an entity value.
	MaxValueBytes = 512
)

// ErrBadRequest wraps a kind, value, range or limit the caller must fix.
var ErrBadRequest = errors.New("bad investigation request")

// Event is one event of a pivot or timeline.
type Event struct {
	Time        time.Time `json:"timeGenerated"`
	Table       string    `json:"table"`
	Computer    string    `json:"computer,omitempty"`
	Channel     string    `json:"channel,omitempty"`
	EventID     int64     `json:"eventId"`
	Activity    string    `json:"activity,omitempty"`
	Account     string    `json:"account,omitempty"`
	IPAddress   string    `json:"ipAddress,omitempty"`
	LogonType   int64     `json:"logonType,omitempty"`
	Process     string    `json:"process,omitempty"`
	CommandLine string    `json:"commandLine,omitempty"`
	EventData   string    `json:"eventData,omitempty"` // WindowsEvent's EventData as JSON text
}

// Count is how many events of one table and event ID an entity has.
type Count struct {
	Table    string `json:"table"`
	EventID  int64  `json:"eventId"`
	Activity string `json:"activity,omitempty"`
	Count    int64  `json:"count"`
}

// PivotResult is the activity of one entity.
type PivotResult struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Events    []Event   `json:"events"`
	Counts    []Count   `json:"counts"`
	Truncated bool      `json:"truncated"`
}

// Investigator reads a workspace for investigations.
type Investigator struct {
	Querier api.Querier // required
}

// Pivot returns the activity of entity kind/value in workspace ws with
// from ≤ TimeGenerated < to: at most limit events (0: DefaultLimit),
// oldest first, and exact counts per table and event ID.
func (iv *Investigator) Pivot(ctx context.Context, ws, kind, value string, from, to time.Time, limit int) (*PivotResult, error) {
	limit, err := checkLimit(limit)
	if err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("%w: from %s is not before to %s", ErrBadRequest, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	preds, err := predicates(kind, value)
	if err != nil {
		return nil, err
	}
	res := &PivotResult{Kind: kind, Value: value, From: from.UTC(), To: to.UTC(), Events: []Event{}, Counts: []Count{}}
	for _, p := range preds {
		evs, err := iv.events(ctx, ws, p, from, to, limit+1)
		if err != nil {
			return nil, err
		}
		res.Events = append(res.Events, evs...)
		counts, err := iv.counts(ctx, ws, p, from, to)
		if err != nil {
			return nil, err
		}
		res.Counts = append(res.Counts, counts...)
	}
	sortEvents(res.Events)
	if len(res.Events) > limit {
		res.Events, res.Truncated = res.Events[:limit], true
	}
	slices.SortFunc(res.Counts, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Table, b.Table), cmp.Compare(a.EventID, b.EventID))
	})
	return res, nil
}

func checkLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, fmt.Errorf("%w: limit %d: want 1 to %d", ErrBadRequest, limit, MaxLimit)
	}
	return limit, nil
}

func sortEvents(evs []Event) {
	slices.SortStableFunc(evs, func(a, b Event) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Table, b.Table))
	})
}

// predicate is the KQL filter of an entity over one table.
type predicate struct {
	table string
	where string
}

// lit is s as a KQL string literal.
func lit(s string) string { return kql.FormatExpr(&kql.BasicLit{Kind: kql.LitString, Value: s}) }

// predicates returns the filters of an entity over SecurityEvent and
// WindowsEvent (see the package doc for what matches).
func predicates(kind, value string) ([]predicate, error) {
	value = strings.TrimSpace(value)
	if value == "" || len(value) > MaxValueBytes {
		return nil, fmt.Errorf("%w: %s value %q: want 1 to %d bytes", ErrBadRequest, kind, value, MaxValueBytes)
	}
	v := lit(value)
	switch kind {
	case Account:
		name, hasDomain := value, false
		if _, n, ok := strings.Cut(value, `\`); ok {
			name, hasDomain = n, true
		} else if n, _, ok := strings.Cut(value, "@"); ok {
			name = n
		}
		if name == "" {
			return nil, fmt.Errorf("%w: account %q has no user name", ErrBadRequest, value)
		}
		se := "Account =~ " + v + " or TargetAccount =~ " + v + " or SubjectAccount =~ " + v
		if !hasDomain {
			se += " or TargetUserName =~ " + lit(name) + " or SubjectUserName =~ " + lit(name)
		}
		return []predicate{{"SecurityEvent", se}, {"WindowsEvent", "tostring(EventData) has " + lit(name)}}, nil
	case Host:
		short, _, dns := strings.Cut(value, ".")
		c := "Computer =~ " + v
		if dns {
			c += " or Computer =~ " + lit(short)
		} else {
			c += " or Computer startswith " + lit(value+".")
		}
		return []predicate{{"SecurityEvent", c + " or WorkstationName =~ " + lit(short)}, {"WindowsEvent", c}}, nil
	case IP:
		a, err := netip.ParseAddr(value)
		if err != nil {
			return nil, fmt.Errorf("%w: ip %q is not an IP address", ErrBadRequest, value)
		}
		v = lit(a.String())
		return []predicate{{"SecurityEvent", "IpAddress == " + v}, {"WindowsEvent", "tostring(EventData) has " + v}}, nil
	}
	return nil, fmt.Errorf("%w: entity kind %q: want account, host or ip", ErrBadRequest, kind)
}

// projections are the columns read of each table, in Event's order.
var projections = map[string]string{
	"SecurityEvent": "TimeGenerated, Computer, Channel, EventID, Activity, Account, IpAddress, LogonType, Process, CommandLine",
	"WindowsEvent":  "TimeGenerated, Computer, Channel, EventID, Provider, EventData = tostring(EventData)",
}

func (iv *Investigator) events(ctx context.Context, ws string, p predicate, from, to time.Time, limit int) ([]Event, error) {
	q := fmt.Sprintf("%s\n| where %s\n| project %s\n| order by TimeGenerated asc\n| take %d", p.table, p.where, projections[p.table], limit)
	t, err := iv.Querier.Query(ctx, ws, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p.table, err)
	}
	out := make([]Event, 0, len(t.Rows))
	for _, row := range t.Rows {
		e := Event{Table: p.table}
		e.Time, _ = row[0].(time.Time)
		e.Computer, e.Channel, e.EventID = text(row[1]), text(row[2]), number(row[3])
		if p.table == "SecurityEvent" {
			e.Activity, e.Account, e.IPAddress = text(row[4]), text(row[5]), text(row[6])
			e.LogonType, e.Process, e.CommandLine = number(row[7]), text(row[8]), text(row[9])
		} else {
			e.Activity, e.EventData = text(row[4]), text(row[5])
		}
		out = append(out, e)
	}
	return out, nil
}

func (iv *Investigator) counts(ctx context.Context, ws string, p predicate, from, to time.Time) ([]Count, error) {
	activity := "Activity"
	if p.table == "WindowsEvent" {
		activity = "Activity = Provider"
	}
	q := fmt.Sprintf("%s\n| where %s\n| summarize Count = count() by EventID, %s", p.table, p.where, activity)
	t, err := iv.Querier.Query(ctx, ws, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("count %s: %w", p.table, err)
	}
	out := make([]Count, 0, len(t.Rows))
	for _, row := range t.Rows {
		out = append(out, Count{Table: p.table, EventID: number(row[0]), Activity: text(row[1]), Count: number(row[2])})
	}
	return out, nil
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func number(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}
