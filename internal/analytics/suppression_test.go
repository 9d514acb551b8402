package analytics

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSuppression runs a rule that matches in every 5-minute window, with
// suppressionDuration 20m, on schedule over an hour (the engine restarted
// half-way, so the suppression must persist) and by backfill: it raises
// an alert in the first window and then only once the suppression has run
// out, every fourth window, and counts the suppressed windows.
func TestSuppression(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	env := newEnv(t, t.TempDir(), t0)
	env.synthetic(t, t0, time.Second, 2*3600, nil)
	ctx := context.Background()
	src := strings.Replace(everyWindowRule, "kind: Scheduled\n", "kind: Scheduled\nsuppressionEnabled: true\nsuppressionDuration: 20m\n", 1)
	eng := env.engine(t, nil)
	if _, err := eng.Import(ctx, testWS, []byte(src), false); err != nil {
		t.Fatal(err)
	}
	// The first run starts the schedule with the window ending at the
	// horizon (the clock less the 5-minute ingestion delay).
	env.clk.Set(t0.Add(10 * time.Minute))
	if _, err := eng.RunDue(ctx, testWS); err != nil {
		t.Fatal(err)
	}
	for now := t0.Add(15 * time.Minute); !now.After(t0.Add(65 * time.Minute)); now = now.Add(5 * time.Minute) {
		env.clk.Set(now)
		if now.Equal(t0.Add(35 * time.Minute)) {
			eng = env.engine(t, nil) // a restart: the suppression is in the persisted state
		}
		if _, err := eng.RunDue(ctx, testWS); err != nil {
			t.Fatal(err)
		}
	}
	// Windows end at 8:05, 8:10, ..., 9:00: alerts at 8:05, 8:25, 8:45.
	got := env.query(t, "SecurityAlert | project TimeGenerated | order by TimeGenerated asc")
	want := []time.Time{t0.Add(5 * time.Minute), t0.Add(25 * time.Minute), t0.Add(45 * time.Minute)}
	if len(got) != len(want) {
		t.Fatalf("alerts at %v, want %v", got, want)
	}
	for i := range want {
		if !got[i][0].(time.Time).Equal(want[i]) {
			t.Errorf("alert %d at %v, want %v", i, got[i][0], want[i])
		}
	}
	// Backfill from 9:00 to 10:00: the same pattern, starting afresh.
	outs, err := eng.Backfill(ctx, testWS, "Logons in the window", t0.Add(time.Hour), t0.Add(2*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	var fired, suppressed []int
	for i, o := range outs {
		if o.Suppressed {
			suppressed = append(suppressed, i)
		} else if o.Alerts > 0 {
			fired = append(fired, i)
		}
	}
	if len(outs) != 12 || len(fired) != 3 || fired[1] != 4 || fired[2] != 8 || len(suppressed) != 9 {
		t.Errorf("backfill: %d windows, fired in %v, suppressed in %v", len(outs), fired, suppressed)
	}
}
