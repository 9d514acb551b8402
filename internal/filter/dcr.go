package filter

import "strings"

// DCR is a data collection rule as the workspace stores it and sends it to
// agents (JSON): a named policy.
type DCR struct {
	Name string `json:"name"`
	// Set is the event set; omitted or "None" means the DCR collects only
	// what its queries select.
	Set          Set      `json:"set,omitempty"`
	XPathQueries []string `json:"xPathQueries,omitempty"`
}

// Union merges DCR policies: the widest set (All ⊇ Common ⊇ Minimal ⊇
// None) and every query, each DCR's once (by name, case-insensitive). It is
// what a host with several DCRs collects.
func Union(ds []DCR) Policy {
	var p Policy
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[strings.ToLower(d.Name)] {
			continue
		}
		seen[strings.ToLower(d.Name)] = true
		p.Set = max(p.Set, d.Set)
		p.Queries = append(p.Queries, d.XPathQueries...)
	}
	return p
}
