package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"wsec/internal/analytics"
	"wsec/internal/corpustest"
)

const sigmaLogCleared = `title: Security Event Log Cleared
id: a122ac13-daf8-4175-83a2-72c387be339d
status: test
description: The Security log was cleared.
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 1102
  condition: selection
level: high
tags:
  - attack.defense-evasion
  - attack.t1070.001
`

const sigmaLinux = `title: A Linux rule
logsource:
  product: linux
  service: auth
detection:
  keywords:
    - 'session opened'
  condition: keywords
level: low
`

// TestAnalyticsImportSigma imports a folder of Sigma rules with wsec
// analytics import: the Windows rule becomes an analytics rule, the Linux
// one is reported with its reason; backfilled over the bundled log-cleared
// sample, the rule raises one alert per 1102 event.
func TestAnalyticsImportSigma(t *testing.T) {
	s := startServer(t)
	s.env(t)
	dir := t.TempDir()
	for name, body := range map[string]string{"log_cleared.yml": sigmaLogCleared, "linux.yml": sigmaLinux} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := runCmd(t, "import", "samples/ID104-1102-Event_log_cleared.evtx"); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	code, out, errs := runCmd(t, "analytics", "import", "--disabled", dir)
	if code != 0 || !strings.Contains(out, "Security Event Log Cleared (Scheduled)") ||
		!strings.Contains(errs, `A Linux rule: cannot run in the workspace: unsupported: log source product "linux" is not mapped`) ||
		!strings.Contains(errs, "1 detection rules become analytics rules, 1 cannot run") {
		t.Fatalf("analytics import: exit %d\n%s\n%s", code, out, errs)
	}
	rows := s.query(t, "SecurityEvent | where EventID == 1102 | summarize n = count(), first = min(TimeGenerated), last = max(TimeGenerated)")
	n := int(rows[0][0].(float64))
	first, _ := time.Parse(time.RFC3339Nano, rows[0][1].(string))
	last, _ := time.Parse(time.RFC3339Nano, rows[0][2].(string))
	if n == 0 {
		t.Fatal("the sample has no 1102 event")
	}
	from, to := first.Truncate(time.Hour), last.Truncate(time.Hour).Add(time.Hour)
	code, out, errs = runCmd(t, "analytics", "backfill", "Security Event Log Cleared", "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339), "--json")
	var res analytics.BackfillResult
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("backfill: exit %d\n%s\n%s", code, out, errs)
	}
	if res.Alerts != n {
		t.Errorf("backfill raised %d alerts, want one per 1102 event: %d", res.Alerts, n)
	}
	if rows := s.query(t, `SecurityAlert | where AlertName == "Security Event Log Cleared" | project Tactics, Techniques`); len(rows) != n || rows[0][0] != "DefenseEvasion" {
		t.Errorf("alerts %v", rows)
	}
}

// TestAnalyticsImportSigmaHQ imports every SigmaHQ Windows rule of the
// corpus through the API and reports how many become analytics rules the
// workspace can run.
func TestAnalyticsImportSigmaHQ(t *testing.T) {
	dir := corpustest.Dir(t, "sigma-windows/rules")
	if testing.Short() {
		t.Skip("imports 2,400 rules")
	}
	s := startServer(t)
	s.env(t)
	code, out, errs := runCmd(t, "analytics", "import", "--disabled", dir)
	m := regexp.MustCompile(`Sigma: (\d+) detection rules become analytics rules, (\d+) cannot run`).FindStringSubmatch(errs)
	if m == nil {
		t.Fatalf("exit %d, no summary:\n%s", code, errs[max(0, len(errs)-2000):])
	}
	imported := strings.Count(out, "(Scheduled)")
	problem := strings.Count(out, "(Scheduled) disabled: ")
	refused := strings.Count(errs, "rules refused")
	t.Logf("SigmaHQ rules/windows: %s become analytics rules (%d imported by the server, %d of them with a query the workspace cannot run), %s cannot run in the workspace; server refusals: %d",
		m[1], imported, problem, m[2], refused)
	if imported == 0 || code != 0 && refused == 0 {
		t.Errorf("exit %d; last output:\n%s", code, errs[max(0, len(errs)-2000):])
	}
}
