package sigma

import (
	"fmt"
	"sort"
	"strings"
)

// CorrelationToKQL compiles a correlation rule to one KQL query for the
// workspace: the union of its base rules' matching events (each tagged
// with its rule's position, its group-by values and the counted field),
// summarised per group and timespan, filtered by the condition. The analytics rule runs it every timespan over a window of
// the timespan (AnalyticsRule), so each window is counted once.
//
// The difference with wsec hunt: hunt slides a window of the timespan
// from every event, the workspace counts fixed windows of it, as
// Sentinel's scheduled rules (and pySigma's Kusto backend) do; a burst
// that straddles two windows may fire offline and not in the workspace.
// temporal_ordered is supported for two rules (the first rule's earliest
// event before the second's latest, in the window); with more, the order
// of a chain needs the events themselves and the rule runs offline only.
func CorrelationToKQL(cr *CorrelationRule) (string, error) {
	if cr.Type == "temporal_ordered" && len(cr.Base) != 2 {
		return "", &UnsupportedError{Reason: fmt.Sprintf("temporal_ordered over %d rules: the workspace checks the order of two rules; run it offline (wsec hunt)", len(cr.Base))}
	}
	var groups []string
	for _, g := range cr.GroupBy {
		if _, ok := kqlIdent(g); !ok || isProjected(g) || strings.HasPrefix(g, "_") {
			return "", &UnsupportedError{Reason: fmt.Sprintf("group-by field %q is not usable as a KQL column name", g)}
		}
		groups = append(groups, g)
	}
	var parts []string
	for i, b := range cr.Base {
		ps, err := variantQueries(b, func(g *kqlGen, v *variant) string {
			var s strings.Builder
			fmt.Fprintf(&s, "TimeGenerated, Computer, _Rule = %d", i)
			for _, name := range groups {
				field := name
				if m := cr.alias[name]; m != nil && m[b] != "" {
					field = m[b]
				}
				fmt.Fprintf(&s, ", %s = %s", name, g.named(field))
			}
			if cr.Field != "" {
				fmt.Fprintf(&s, ", _Value = %s", g.named(cr.Field))
			}
			return s.String()
		})
		if err != nil {
			return "", fmt.Errorf("base rule %q: %w", b.Rule.Title, err)
		}
		parts = append(parts, ps...)
	}
	var q strings.Builder
	q.WriteString(kqlUnion(parts))
	q.WriteString("\n| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), Computer = take_any(Computer), EventCount = count(), RuleCount = dcount(_Rule)")
	if cr.Field != "" {
		q.WriteString(`, ValueCount = dcountif(_Value, _Value != "")`)
	}
	if cr.Type == "temporal_ordered" {
		q.WriteString(", _First = minif(TimeGenerated, _Rule == 0), _Last = maxif(TimeGenerated, _Rule == 1)")
	}
	fmt.Fprintf(&q, " by _Bin = bin(TimeGenerated, %ds)", int(cr.Window.Seconds()))
	for _, g := range groups {
		q.WriteString(", ")
		q.WriteString(g)
	}
	conds := []string{"EventCount > 0"}
	switch cr.Type {
	case "event_count":
		conds = append(conds, cr.kqlCondition("EventCount")...)
	case "value_count":
		if cr.Field == "" {
			return "", &UnsupportedError{Reason: "value_count without a condition field"}
		}
		conds = append(conds, cr.kqlCondition("ValueCount")...)
	case "temporal", "temporal_ordered":
		conds = append(conds, fmt.Sprintf("RuleCount == %d", len(cr.Base)))
		conds = append(conds, cr.kqlCondition("RuleCount")...)
		if cr.Type == "temporal_ordered" {
			conds = append(conds, "_First <= _Last")
		}
	default:
		return "", &UnsupportedError{Reason: fmt.Sprintf("correlation type %q", cr.Type)}
	}
	q.WriteString("\n| where ")
	q.WriteString(strings.Join(conds, " and "))
	q.WriteString("\n| project-away _*")
	return q.String(), nil
}

// kqlCondition is the condition's comparisons on column col.
func (cr *CorrelationRule) kqlCondition(col string) []string {
	ops := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}
	var out []string
	for op, x := range cr.cond {
		if k, ok := ops[op]; ok {
			out = append(out, fmt.Sprintf("%s %s %d", col, k, x))
		}
	}
	sort.Strings(out)
	return out
}
