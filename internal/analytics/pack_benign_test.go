package analytics

import (
	"context"
	"slices"
	"testing"
	"time"

	"wsec/internal/analytics/pack"
	"wsec/internal/event"
)

// planted reports whether a synthetic event is one of the attack traces
// the synthetic source mixes into its activity on purpose: failed-logon
// bursts from one address, RC4 service tickets ("what Kerberoasting rules
// look for", synthetic.go) and additions to Domain/Enterprise Admins and
// Administrators.
func planted(e *event.Event) bool {
	switch e.System.EventID {
	case 4625:
		return true // the source writes 4625 only in its bursts
	case 4769:
		return e.Value("TicketEncryptionType") != "0x12"
	case 4728, 4732, 4756:
		return true
	}
	return false
}

// runPack enables the whole pack, lets the scheduler catch up over days
// of the env's events, and returns the alerts per rule name.
func runPack(t *testing.T, env *env, start time.Time, days int) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	files, names, err := pack.Files()
	if err != nil {
		t.Fatal(err)
	}
	env.clk.Set(start.Add(5 * time.Minute)) // the first window ends at start
	eng := env.engine(t, nil)
	for _, n := range names {
		if _, err := eng.Import(ctx, testWS, files[n], false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng.RunDue(ctx, testWS); err != nil {
		t.Fatal(err)
	}
	env.clk.Set(start.Add(time.Duration(days)*24*time.Hour + 5*time.Minute))
	windows, err := eng.RunDue(ctx, testWS)
	if err != nil {
		t.Fatal(err)
	}
	if want := days * 24 * len(names); windows != want {
		t.Fatalf("%d windows evaluated, want %d", windows, want)
	}
	out := map[string]int64{}
	for _, row := range env.query(t, "SecurityAlert | summarize n = count() by tostring(ExtendedProperties['Analytic Rule Name'])") {
		out[row[0].(string)] = row[1].(int64)
	}
	return out
}

// TestPackQuietOnBenignWeek: a week of the synthetic source's benign
// activity (its planted attack traces left out) raises no alert of the
// default pack.
func TestPackQuietOnBenignWeek(t *testing.T) {
	if testing.Short() {
		t.Skip("a week of events: not in -short")
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	env := newEnv(t, t.TempDir(), start)
	env.synthetic(t, start, 6*time.Second, 7*24*600, func(e *event.Event) bool { return !planted(e) })
	if alerts := runPack(t, env, start, 7); len(alerts) != 0 {
		t.Errorf("benign week raised alerts: %v", alerts)
	}
}

// TestPackFiresOnPlantedTraces is the control of the test above: a day of
// the same source with its planted traces raises the matching rules.
func TestPackFiresOnPlantedTraces(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	env := newEnv(t, t.TempDir(), start)
	env.synthetic(t, start, 6*time.Second, 24*600, nil)
	alerts := runPack(t, env, start, 1)
	for _, name := range []string{"Kerberoasting - RC4 service ticket for a user account", "Member added to a privileged group", "Failed logons followed by a success"} {
		if alerts[name] == 0 {
			t.Errorf("rule %q raised no alert on planted traces; alerts %v", name, alerts)
		}
	}
	for name := range alerts {
		if !slices.Contains([]string{"Kerberoasting - RC4 service ticket for a user account", "Member added to a privileged group", "Failed logons followed by a success", "Password guessing against one account", "Password spray from one address"}, name) {
			t.Errorf("rule %q fired on the synthetic source", name)
		}
	}
}
