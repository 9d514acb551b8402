package pack

import (
	"testing"

	"wsec/internal/kql"
	"wsec/internal/schema"
)

// TestPackCompiles: every rule of the pack parses, compiles over wsec's
// tables, names only columns its query returns, and carries tactics,
// techniques and entities.
func TestPackCompiles(t *testing.T) {
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) < 10 {
		t.Fatalf("%d rules, want the 12 of the pack", len(rules))
	}
	ids := map[string]bool{}
	tables := schema.New()
	cat := kql.NewCatalog(tables, tables.Detection()...) // as a workspace lists them
	for _, r := range rules {
		if _, err := r.Check(cat); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
		if len(r.Tactics) == 0 || len(r.Techniques) == 0 || len(r.Entities) == 0 || len(r.Unknown) != 0 {
			t.Errorf("%s: tactics %v techniques %v entities %d unknown %v", r.Name, r.Tactics, r.Techniques, len(r.Entities), r.Unknown)
		}
		if ids[r.ID] {
			t.Errorf("%s: duplicate id %s", r.Name, r.ID)
		}
		ids[r.ID] = true
	}
}
