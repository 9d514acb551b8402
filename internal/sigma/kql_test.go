package sigma

import (
	"errors"
	"strings"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/kql"
	"wsec/internal/schema"
)

func compileOne(t *testing.T, src string) *Compiled {
	t.Helper()
	rules, err := Parse("k.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rs := Compile(rules, Options{})
	if len(rs.Problems) > 0 {
		t.Fatal(rs.Problems[0].Err)
	}
	return rs.Rules[0]
}

// checkKQL parses and type-checks q against the workspace tables.
func checkKQL(q string) error {
	ast, err := kql.Parse(q)
	if err != nil {
		return err
	}
	_, err = kql.Check(ast, kql.NewCatalog(schema.New()))
	return err
}

func TestToKQL(t *testing.T) {
	c := compileOne(t, ruleHead+`detection:
  sel:
    Image|endswith: '\certutil.exe'
    CommandLine|contains|all: ['-urlcache', 'http']
  filter:
    ParentImage: 'C:\Windows\explorer.exe'
    DestinationIp|cidr: 10.0.0.0/8
    SourceIp|cidr: 'fe80::/10'
  glob:
    CommandLine: '*a?b*'
  condition: sel and not filter and not glob
`)
	q, err := ToKQL(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"union (WindowsEvent\n",
		`| where Channel == "Microsoft-Windows-Sysmon/Operational" and EventID == 1`,
		`tostring(EventData["Image"]) endswith "\\certutil.exe"`,
		`(tostring(EventData["CommandLine"]) contains "-urlcache" and tostring(EventData["CommandLine"]) contains "http")`,
		`ipv4_is_in_range(tostring(EventData["DestinationIp"]), "10.0.0.0/8")`,
		`ipv6_is_in_range(tostring(EventData["SourceIp"]), "fe80::/10")`,
		`matches regex "(?i)(?s)^.*a.b.*$"`,
		`(SecurityEvent`,
		`| where Channel == "Security" and EventID == 4688`,
		`NewProcessName endswith "\\certutil.exe"`,
		`ParentProcessName =~ "c:\\windows\\explorer.exe"`,
		`Image = tostring(EventData["Image"])`,
		`Image = NewProcessName`,
	} {
		if !strings.Contains(q, want) {
			t.Errorf("KQL lacks %q:\n%s", want, q)
		}
	}
	if err := checkKQL(q); err != nil {
		t.Errorf("KQL does not check: %v\n%s", err, q)
	}
	q, err = ToKQL(compileOne(t, "title: t\nlogsource:\n  product: windows\n  service: security\ndetection:\n  sel:\n    EventID: 4625\n    LogonType: 3\n    ServiceName: krbtgt\n  condition: sel\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"EventID == 4625", `extract("<Data Name=\"LogonType\">([^<]*)<", 1, EventData) =~ "3"`, `ServiceName =~ "krbtgt"`} {
		if !strings.Contains(q, want) {
			t.Errorf("KQL lacks %q:\n%s", want, q)
		}
	}
}

// TestSigmaHQToKQL compiles every SigmaHQ Windows rule that runs offline to
// KQL and type-checks it against the workspace tables.
func TestSigmaHQToKQL(t *testing.T) {
	rules, _, err := Load([]string{corpustest.Dir(t, "sigma-windows/rules")})
	if err != nil {
		t.Fatal(err)
	}
	rs := Compile(rules, Options{})
	ok, unsupported := 0, map[string]int{}
	for _, c := range rs.Rules {
		q, err := ToKQL(c)
		var u *UnsupportedError
		if errors.As(err, &u) {
			unsupported[u.Reason]++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.Rule.Path, err)
			continue
		}
		if err := checkKQL(q); err != nil {
			t.Errorf("%s: KQL does not check: %v\n%.2000s", c.Rule.Path, err, q)
			continue
		}
		ok++
	}
	t.Logf("%d of %d rules compile to KQL that checks; not expressible: %v", ok, len(rs.Rules), unsupported)
	if ok < len(rs.Rules)*98/100 {
		t.Errorf("%d of %d rules compile to KQL, want ≥ 98 %%", ok, len(rs.Rules))
	}
}
