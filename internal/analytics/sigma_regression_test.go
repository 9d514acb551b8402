package analytics

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/hunt"
	"wsec/internal/sigma"
)

// TestSigmaRegressionThroughWorkspace is issue 11's second path for
// SigmaHQ's regression data: each case's EVTX file is imported into a
// workspace of its own, the case's rule is imported as an analytics rule
// (sigma.AnalyticsRule, as 'wsec analytics import' does) and backfilled
// over the file's events (the 5-minute windows that hold any), and the
// rows its windows matched and the alerts they raised are counted. Both
// must equal the events wsec hunt matches in the same file, which
// TestSigmaRegression (package hunt) holds to the case's match_count; the
// test reports the cases where that count differs from match_count
// (hunt's overstated list) and fails on any case the two paths disagree
// on.
func TestSigmaRegressionThroughWorkspace(t *testing.T) {
	cases, dirs := corpustest.SigmaRegression(t)
	if testing.Short() {
		t.Skip("202 workspaces, 202 rules backfilled: about 2 minutes")
	}
	rules, problems, err := sigma.Load(dirs)
	if err != nil || len(problems) > 0 {
		t.Fatalf("load rules: %v %v", err, problems)
	}
	byID := map[string]*sigma.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	r := sigmaThroughWorkspace(t, cases, byID)
	differ, offCount := r.differ, r.offCount
	sort.Strings(differ)
	t.Logf("%d cases over %d files: import + backfill agrees with wsec hunt on %d (%d matched events, %d alerts)",
		len(cases), r.files, r.agree, r.matched, r.alerted)
	if len(offCount) > 0 {
		t.Logf("cases where both paths count other than match_count (see package hunt's overstated list):\n%s", strings.Join(offCount, "\n"))
	}
	if len(cases) < 200 {
		t.Errorf("found %d regression cases, want the corpus's 202", len(cases))
	}
	if len(differ) > 0 {
		t.Errorf("%d cases differ:\n%s", len(differ), strings.Join(differ, "\n"))
	}
}

// regressionResult is what sigmaThroughWorkspace found: the cases where
// the two paths disagree, those where both count other than the case
// states, and totals.
type regressionResult struct {
	differ, offCount               []string
	files, agree, matched, alerted int
}

// sigmaThroughWorkspace imports each case's EVTX file into a workspace of
// its own, imports the case's rule as an analytics rule, backfills it over
// the file's 5-minute windows and compares the rows and alerts with what
// wsec hunt matches in the file.
func sigmaThroughWorkspace(t *testing.T, cases []corpustest.SigmaCase, byID map[string]*sigma.Rule) regressionResult {
	ctx := context.Background()
	env := newEnv(t, t.TempDir(), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	eng := env.engine(t, nil)

	// One workspace per EVTX file, its events imported once.
	wsOf := map[string]string{}
	buckets := map[string][]time.Time{} // file → its events' 5-minute windows
	for _, c := range cases {
		if _, ok := wsOf[c.EVTX]; ok {
			continue
		}
		ws := fmt.Sprintf("reg%03d", len(wsOf))
		wsOf[c.EVTX] = ws
		w, err := env.store.Workspace(ws)
		if err != nil {
			t.Fatal(err)
		}
		evs := readFile(t, c.EVTX)
		if _, err := w.AppendEvents(ctx, "regression", 1, evs, "test"); err != nil {
			t.Fatalf("import %s: %v", c.EVTX, err)
		}
		seen := map[time.Time]bool{}
		for _, ev := range evs {
			b := ev.System.TimeCreated.UTC().Truncate(sigma.AnalyticsFrequency)
			if !seen[b] {
				seen[b] = true
				buckets[c.EVTX] = append(buckets[c.EVTX], b)
			}
		}
		slices.SortFunc(buckets[c.EVTX], time.Time.Compare)
	}

	var res regressionResult
	for i, c := range cases {
		r := byID[c.RuleID]
		if r == nil {
			res.differ = append(res.differ, fmt.Sprintf("%s: rule %s not in the corpus", c.Name, c.RuleID))
			continue
		}
		rs := sigma.Compile([]*sigma.Rule{r}, sigma.Options{})
		if len(rs.Problems) > 0 {
			res.differ = append(res.differ, fmt.Sprintf("%s: does not compile: %v", c.Name, rs.Problems[0].Err))
			continue
		}
		offline := 0
		if _, err := hunt.Run(ctx, rs, []string{c.EVTX}, hunt.Options{Workers: 1}, func(hunt.Finding) error { offline++; return nil }); err != nil {
			t.Fatalf("%s: hunt: %v", c.Name, err)
		}
		ar, err := sigma.AnalyticsRule(rs.Rules[0])
		if err != nil {
			res.differ = append(res.differ, fmt.Sprintf("%s: not an analytics rule: %v", c.Name, err))
			continue
		}
		ar.ID, ar.Name = fmt.Sprintf("%s-case%d", ar.ID, i), fmt.Sprintf("%s (case %d)", ar.Name, i)
		ws := wsOf[c.EVTX]
		if _, err := eng.Add(ctx, ws, ar, true); err != nil {
			res.differ = append(res.differ, fmt.Sprintf("%s: import refused: %v", c.Name, err))
			continue
		}
		results, alerts := 0, 0
		for _, b := range buckets[c.EVTX] {
			outs, err := eng.Backfill(ctx, ws, ar.ID, b, b.Add(sigma.AnalyticsFrequency), nil)
			if err != nil {
				t.Fatalf("%s: backfill %s: %v", c.Name, b, err)
			}
			for _, o := range outs {
				results += o.Results
				alerts += o.Alerts
			}
		}
		res.matched += results
		res.alerted += alerts
		if results != offline || alerts != min(results, len(buckets[c.EVTX])*MaxAlertsPerRun) {
			res.differ = append(res.differ, fmt.Sprintf("%s: workspace matched %d events (%d alerts), hunt %d (match_count %d)",
				c.Name, results, alerts, offline, c.Want))
			continue
		}
		res.agree++
		if c.Want >= 0 && offline != c.Want {
			res.offCount = append(res.offCount, fmt.Sprintf("%s: %d, match_count %d", c.Name, offline, c.Want))
		}
	}
	res.files = len(wsOf)
	return res
}

// TestSigmaThroughWorkspaceFixture is TestSigmaRegressionThroughWorkspace
// without the corpus: the rules written for the fixtures (package sigma's
// testdata) over the three-chunk Security fixture and a 4648/4624 log.
func TestSigmaThroughWorkspaceFixture(t *testing.T) {
	rules, problems, err := sigma.Load([]string{filepath.Join("..", "sigma", "testdata", "fixture-rules.yml")})
	if err != nil || len(problems) > 0 {
		t.Fatalf("load rules: %v %v", err, problems)
	}
	byID := map[string]*sigma.Rule{}
	var cases []corpustest.SigmaCase
	for _, f := range []string{
		filepath.Join("..", "source", "file", "testdata", "security-3chunks.evtx"),
		filepath.Join("..", "evtx", "testdata", "security-4648-4624.evtx"),
	} {
		for _, r := range rules {
			byID[r.ID] = r
			cases = append(cases, corpustest.SigmaCase{Name: r.Title + " on " + filepath.Base(f), RuleID: r.ID, EVTX: f, Want: -1})
		}
	}
	r := sigmaThroughWorkspace(t, cases, byID)
	if len(r.differ) > 0 || r.agree != len(cases) || r.matched == 0 || r.alerted == 0 {
		t.Errorf("%d of %d cases agree (%d events matched, %d alerts); differ:\n%s",
			r.agree, len(cases), r.matched, r.alerted, strings.Join(r.differ, "\n"))
	}
}
