package rule

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"wsec/internal/kql"
	"wsec/internal/schema"
)

func TestParseAllFields(t *testing.T) {
	src, err := os.ReadFile("testdata/log-cleared.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != Scheduled || r.Severity != "Medium" || r.QueryFrequency != time.Hour || r.QueryPeriod != time.Hour ||
		r.TriggerOperator != GreaterThan || r.TriggerThreshold != 0 || r.Tactics[0] != "DefenseEvasion" ||
		r.Techniques[0] != "T1070.001" || r.Aggregation != AlertPerResult || r.SuppressionDuration != 2*time.Hour ||
		r.Version != "1.0.0" || r.QueryLine != 19 || r.Raw == nil {
		t.Errorf("rule %+v", r)
	}
	if len(r.Entities) != 2 || r.Entities[1].EntityType != "Host" || r.Entities[1].FieldMappings[0].ColumnName != "Computer" {
		t.Errorf("entities %+v", r.Entities)
	}
	if len(r.CustomDetails) != 1 || r.CustomDetails[0] != (CustomDetail{"ClearCount", "Count"}) {
		t.Errorf("custom details %+v", r.CustomDetails)
	}
	g := r.Incident.Grouping
	if !r.Incident.CreateIncident || !g.Enabled || g.LookbackDuration != 5*time.Hour || g.MatchingMethod != Selected || g.GroupByEntities[0] != "Host" {
		t.Errorf("incident %+v", r.Incident)
	}
	if len(r.Unknown) != 1 || r.Unknown[0] != "x-team-owner" {
		t.Errorf("unknown fields %v, want [x-team-owner]", r.Unknown)
	}
	if _, err := r.Check(kql.NewCatalog(schema.New())); err != nil {
		t.Fatal(err)
	}
}

// TestParseRefuses: each broken rule is refused with a message naming the
// field; the query error points at the file's line and column.
func TestParseRefuses(t *testing.T) {
	base, err := os.ReadFile("testdata/log-cleared.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := func(old, new, want string) {
		t.Helper()
		src := strings.Replace(string(base), old, new, 1)
		if src == string(base) {
			t.Fatalf("%q not in the fixture", old)
		}
		r, err := Parse([]byte(src))
		if err == nil {
			_, err = r.Check(kql.NewCatalog(schema.New()))
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("replace %q: error %v, want %q", old, err, want)
		}
	}
	f("queryFrequency: 1h", "queryFrequency: 1 fortnight", `queryFrequency: duration "1 fortnight"`)
	f("queryPeriod: 1h", "queryPeriod: 15d", "queryPeriod 360h0m0s: want between")
	f("triggerOperator: gt", "triggerOperator: ge", `triggerOperator "ge"`)
	f("severity: Medium", "severity: Critical", `severity "Critical"`)
	f("kind: Scheduled", "kind: Streaming", `kind "Streaming"`)
	f("identifier: FullName\n        columnName: Computer", "identifier: Fqdn\n        columnName: Computer", `identifier "Fqdn" is not one of`)
	f("entityType: Host", "entityType: Printer", `entity type "Printer"`)
	f("columnName: Computer", "columnName: HostName", `names column "HostName", which the query does not return`)
	f("{{Account}}", "{{TargetUser}}", `alertDetailsOverride names column "TargetUser"`)
	f("matchingMethod: Selected", "matchingMethod: Some", `matchingMethod "Some"`)
	f("lookbackDuration: 5h", "lookbackDuration: 8d", "lookbackDuration 192h0m0s")
	f("aggregationKind: AlertPerResult", "aggregationKind: PerHost", `aggregationKind "PerHost"`)
	f("suppressionDuration: 2h", "suppressionDuration: soon", `suppressionDuration: duration "soon"`)
	f("id: 6d1f2a4e-9c1b-4c8e-8a51-3f0e2b7c9d10\n", "", "id is missing")
	f("  | where EventID == 1102", "  | where EventID == ", "line 21, column 3: expected an expression")
	f("  | where EventID == 1102", "  | where EventId == 1102", "line 20, column 11: unknown column 'EventId'")
}

func TestQueryErrorUnsupported(t *testing.T) {
	r := &Rule{ID: "x", Name: "x", Kind: Hunting, Query: "DeviceProcessEvents | take 1", Aggregation: SingleAlert}
	_, err := r.Check(kql.NewCatalog(schema.New()))
	var qe *QueryError
	if !errors.As(err, &qe) || !qe.Unsupported || qe.Line != 1 || qe.Column != 1 {
		t.Fatalf("unknown table: %#v", err)
	}
	r.Query = "SecurityEvent | where NoSuchColumn == 1"
	_, err = r.Check(kql.NewCatalog(schema.New()))
	if !errors.As(err, &qe) || qe.Unsupported {
		t.Fatalf("unknown column: %#v", err)
	}
}

func TestParseDuration(t *testing.T) {
	f := func(s string, want time.Duration) {
		t.Helper()
		d, err := ParseDuration(s)
		if err != nil || d != want {
			t.Errorf("%q: %v %v, want %v", s, d, err, want)
		}
	}
	f("5m", 5*time.Minute)
	f("1h", time.Hour)
	f("14d", 14*24*time.Hour)
	f("PT5M", 5*time.Minute)
	f("P1DT2H", 26*time.Hour)
	f("30s", 30*time.Second)
	for _, bad := range []string{"", "5", "m", "5w", "P", "PT", "-5m", "99999999999999d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	if src, err := os.ReadFile("testdata/log-cleared.yaml"); err == nil {
		f.Add(src)
	}
	f.Add([]byte("id: x\nname: y\nquery: SecurityEvent\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		r, err := Parse(src)
		if err == nil {
			_ = r.Validate()
		}
	})
}
