package analytics

import (
	"context"
	"errors"
	"testing"
	"time"
)

var errCrash = errors.New("injected crash")

const everyWindowRule = `id: 5b0d5c1e-1111-4a4a-9a9a-000000000001
name: Logons in the window
description: One alert per window with logons.
severity: Low
queryFrequency: 5m
queryPeriod: 5m
triggerOperator: gt
triggerThreshold: 0
tactics:
  - InitialAccess
query: |
  SecurityEvent
  | where TimeGenerated > ago(5m)
  | summarize Logons = count(), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated)
  | where Logons > 0
kind: Scheduled
`

// TestSchedulerExactlyOnceCrashEveryStep runs the scheduler with a
// controlled clock over three hours of events, crashing it at every step
// of every window in turn (a new engine over the same directory and store
// after each crash, as a restarted server). Every window must raise its
// alert once, and its incident once.
func TestSchedulerExactlyOnceCrashEveryStep(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	env := newEnv(t, t.TempDir(), t0.Add(10*time.Minute))
	env.synthetic(t, t0, time.Second, 3*3600, nil)
	ctx := context.Background()
	eng := env.engine(t, nil)
	if _, err := eng.Import(ctx, testWS, []byte(everyWindowRule), false); err != nil {
		t.Fatal(err)
	}
	first := env.clk.Now().Add(-5 * time.Minute) // the first window ends at the first horizon
	var last time.Time
	calls, crashes := 0, 0
	crashedAt := map[string]int{}
	for now := t0.Add(10 * time.Minute); now.Before(t0.Add(3 * time.Hour)); now = now.Add(7 * time.Minute) {
		env.clk.Set(now)
		last = now.Add(-5 * time.Minute)
		for attempt := 0; ; attempt++ {
			if attempt > 100 {
				t.Fatal("no progress")
			}
			// Crash at the (attempt+1)-th step of this run: every step of
			// every window of this run crashes once.
			n := 0
			eng = env.engine(t, func(step string) error {
				calls++
				n++
				if n == attempt+1 {
					crashes++
					crashedAt[step]++
					return errCrash
				}
				return nil
			})
			_, err := eng.RunDue(ctx, testWS)
			if err == nil {
				break
			}
			if !errors.Is(err, errCrash) {
				t.Fatal(err)
			}
		}
	}
	windows := int(last.Sub(first)/(5*time.Minute)) + 1
	for _, step := range []string{stepQueried, stepAlerts, stepIncidents, stepSaved} {
		if crashedAt[step] < windows/2 {
			t.Errorf("%d crashes after step %s for %d windows", crashedAt[step], step, windows)
		}
	}
	perWindow := env.query(t, "SecurityAlert | summarize n = count() by TimeGenerated | where n != 1")
	if len(perWindow) != 0 {
		t.Errorf("windows with more than one alert: %v", perWindow)
	}
	if n := env.count(t, "SecurityAlert"); n != int64(windows) {
		t.Errorf("%d alerts, want one per window: %d", n, windows)
	}
	got := env.query(t, "SecurityAlert | summarize min(TimeGenerated), max(TimeGenerated)")
	if lastEnd := first.Add(time.Duration(windows-1) * 5 * time.Minute); !got[0][0].(time.Time).Equal(first) || !got[0][1].(time.Time).Equal(lastEnd) {
		t.Errorf("alert windows %v..%v, want %v..%v", got[0][0], got[0][1], first, lastEnd)
	}
	if n := env.count(t, "SecurityIncident | summarize by IncidentNumber"); n != int64(windows) {
		t.Errorf("%d incidents, want one per alert: %d", n, windows)
	}
	dup := env.query(t, "SecurityIncident | mv-expand AlertIds | summarize n = dcount(IncidentNumber) by tostring(AlertIds) | where n > 1")
	if len(dup) != 0 {
		t.Errorf("alerts in more than one incident: %v", dup)
	}
	t.Logf("%d windows, %d steps, %d crashes %v", windows, calls, crashes, crashedAt)
}
