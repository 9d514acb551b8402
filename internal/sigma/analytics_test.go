package sigma

import (
	"slices"
	"testing"

	"wsec/internal/analytics/rule"
	"wsec/internal/corpustest"
	"wsec/internal/kql"
	"wsec/internal/schema"
)

func TestAttack(t *testing.T) {
	tac, tech := Attack([]string{"attack.credential-access", "attack.t1003.001", "attack.command-and-control", "attack.s0002", "car.2013-05-009", "attack.T1105", "attack.credential-access"})
	if !slices.Equal(tac, []string{"CredentialAccess", "CommandAndControl"}) || !slices.Equal(tech, []string{"T1003.001", "T1105"}) {
		t.Errorf("tactics %v techniques %v", tac, tech)
	}
}

func TestAnalyticsRule(t *testing.T) {
	src := ruleHead + "tags: [attack.execution, attack.t1059.001]\ndetection:\n  sel:\n    Image|endswith: '\\powershell.exe'\n    CommandLine|contains: ' -enc '\n    User: x\n  condition: sel\n"
	c := compileOne(t, src)
	r, err := AnalyticsRule(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := rule.Parse(r.Raw)
	if err != nil {
		t.Fatalf("Raw does not read back as a Sentinel rule: %v\n%s", err, r.Raw)
	}
	if back.ID != r.ID || back.Name != r.Name || back.Query != r.Query || back.Severity != r.Severity || back.Kind != r.Kind ||
		back.QueryFrequency != r.QueryFrequency || back.QueryPeriod != r.QueryPeriod || back.TriggerOperator != r.TriggerOperator ||
		back.TriggerThreshold != r.TriggerThreshold || back.Aggregation != r.Aggregation || !slices.Equal(back.Tactics, r.Tactics) ||
		!slices.Equal(back.Techniques, r.Techniques) || len(back.Entities) != len(r.Entities) || len(back.Unknown) != 0 {
		t.Errorf("read back %+v\nwant %+v", back, r)
	}
	if r.Severity != "High" || r.Kind != rule.Scheduled || r.Aggregation != rule.AlertPerResult || r.Source != "sigma" ||
		!slices.Equal(r.Tactics, []string{"Execution"}) || !slices.Equal(r.Techniques, []string{"T1059.001"}) {
		t.Errorf("rule %+v", r)
	}
	var ents []string
	for _, e := range r.Entities {
		ents = append(ents, e.EntityType+":"+e.FieldMappings[0].ColumnName)
	}
	if !slices.Equal(ents, []string{"Host:Computer", "Account:User", "Process:CommandLine"}) {
		t.Errorf("entities %v", ents)
	}
	if _, err := r.Check(kql.NewCatalog(schema.New())); err != nil {
		t.Errorf("check: %v", err)
	}
}

// TestSigmaHQAsAnalyticsRules: every SigmaHQ rule that compiles to KQL
// becomes an analytics rule the engine accepts (Validate and Check).
func TestSigmaHQAsAnalyticsRules(t *testing.T) {
	rules, _, err := Load([]string{corpustest.Dir(t, "sigma-windows/rules")})
	if err != nil {
		t.Fatal(err)
	}
	rs := Compile(rules, Options{})
	cat := kql.NewCatalog(schema.New())
	n := 0
	for _, c := range rs.Rules {
		if _, err := ToKQL(c); err != nil {
			continue
		}
		r, err := AnalyticsRule(c)
		if err != nil {
			t.Errorf("%s: %v", c.Rule.Path, err)
			continue
		}
		if _, err := r.Check(cat); err != nil {
			t.Errorf("%s: %v", c.Rule.Path, err)
			continue
		}
		if back, err := rule.Parse(r.Raw); err != nil || back.Query != r.Query {
			t.Errorf("%s: Raw does not read back: %v", c.Rule.Path, err)
			continue
		}
		n++
	}
	t.Logf("%d SigmaHQ rules import as analytics rules", n)
}

// TestAnalyticsRules: detection and correlation rules become analytics
// rules; a base rule that only feeds a correlation is not one of its own;
// a temporal_ordered chain of three rules is reported, not dropped.
func TestAnalyticsRules(t *testing.T) {
	src := []byte(failedLogons + "title: brute\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  timespan: 5m\n  condition:\n    gte: 3\n---\n" +
		"title: chain\ncorrelation:\n  type: temporal_ordered\n  rules: [failed_logon, logon, failed_logon]\n  timespan: 5m\n---\ntitle: v6\nlogsource:\n  product: windows\n  category: network_connection\ndetection:\n  sel:\n    DestinationIp|cidr: 'fe80::/10'\n  condition: sel\n")
	rules, problems, err := AnalyticsRules("f.yml", src)
	if err != nil {
		t.Fatal(err)
	}
	var names, why []string
	for _, r := range rules {
		names = append(names, r.Name)
	}
	for _, p := range problems {
		why = append(why, p.Title)
		if !p.Unsupported() {
			t.Errorf("%s: %v is not marked unsupported", p.Title, p.Err)
		}
	}
	if !slices.Equal(names, []string{"v6", "brute"}) || !slices.Equal(why, []string{"chain"}) {
		t.Errorf("rules %v, problems %v", names, why)
	}
	if _, _, err := AnalyticsRules("x.yml", []byte("query: SecurityEvent\n")); err == nil {
		t.Error("a Sentinel rule read as Sigma")
	}
}
