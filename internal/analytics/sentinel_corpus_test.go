package analytics

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"wsec/internal/analytics/rule"
	"wsec/internal/corpustest"
	"wsec/internal/corpustest/sentinelref"
	"wsec/internal/event"
	"wsec/internal/logfile"
	"wsec/internal/schema"
)

// expectedRows is what package sentinelref says rule path returns over
// evs with the rules' clock at now. A rule it holds no row count for must
// have no witness there, and then returns no row. It is -1 where the
// rule's answer depends on an order the rule leaves undefined.
func expectedRows(t *testing.T, path string, evs []sentinelref.Event, queries map[string]string, now time.Time) int {
	t.Helper()
	if n, ok := sentinelref.Rows(evs, now)[path]; ok {
		return n
	}
	w, ok := sentinelref.Witnesses(evs, queries, now)[path]
	if !ok {
		t.Fatalf("%s: sentinelref has no reference for it", path)
	}
	if w != 0 {
		t.Fatalf("%s: %d witnesses over the window ending %s, so 0 rows is not established; work out its count in sentinelref.Rows", path, w, now)
	}
	return 0
}

// alertsFor is how many alerts a window with rows result rows raises.
func alertsFor(r *rule.Rule, rows int) int {
	switch {
	case !r.TriggerOperator.Fires(rows, r.TriggerThreshold):
		return 0
	case r.Aggregation == rule.AlertPerResult:
		return min(rows, MaxAlertsPerRun)
	}
	return 1
}

// TestSentinelCorpusAlerts imports every rule of the Sentinel corpus
// unmodified and holds each runnable one's alerts, over the whole EVTX
// corpus, to what package sentinelref works out from the raw events
// (holdAlertsToReference).
func TestSentinelCorpusAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("stores the whole EVTX corpus and backfills every Sentinel corpus rule")
	}
	rulesDir := corpustest.Dir(t, "sentinel-rules")
	var files []string
	filepath.WalkDir(corpustest.Dir(t, "evtx"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	checked, withAlerts := holdAlertsToReference(t, rulesDir, files)
	if checked < 20 {
		t.Errorf("only %d scheduled and NRT rules checked; 23 run", checked)
	}
	if withAlerts < 7 {
		t.Errorf("only %d rules raise alerts on the corpus; 7 did", withAlerts)
	}
}

// TestSentinelAlertsFixture is the same over four of the corpus rules
// (testdata/sentinel-rules, MIT, PROVENANCE.tsv) and the EVTX files in the
// repository, so the check means something without the corpus: the log
// cleared sample must raise the two log-cleared rules' alerts.
func TestSentinelAlertsFixture(t *testing.T) {
	files, _ := filepath.Glob("../../cmd/wsec/samples/*.evtx")
	files = append(files, "../evtx/testdata/security-4648-4624.evtx", "../source/file/testdata/security-3chunks.evtx")
	checked, withAlerts := holdAlertsToReference(t, "testdata/sentinel-rules", files)
	if checked != 4 || withAlerts < 2 {
		t.Errorf("%d rules checked, %d with alerts; want 4, and the 2 log-cleared rules with alerts", checked, withAlerts)
	}
}

// holdAlertsToReference imports every rule under rulesDir, stores the EVTX
// files replayed so each file's newest event falls at one of 8 instants an
// hour apart, and holds each rule's alerts to what package sentinelref
// works out from the raw events, window by window:
//   - NRT rules run after every ten files are stored, so each evaluates
//     the rows those files added (their events not already stored);
//   - scheduled rules are backfilled over the two days before the last
//     instant and the window holding it; each window's result count must
//     equal the reference over the events of its query period with ago()
//     at the window's end, and the alerts stored must be the sum of what
//     those counts raise.
//
// It returns how many rules it checked and how many of them raised alerts.
func holdAlertsToReference(t *testing.T, rulesDir string, files []string) (checked, withAlerts int) {
	t.Helper()
	srcs, err := sentinelref.ReadRules(rulesDir)
	if err != nil {
		t.Fatal(err)
	}
	queries, nrt := map[string]string{}, map[string]bool{}
	paths := make([]string, 0, len(srcs))
	for p, src := range srcs {
		r, err := rule.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		queries[p] = r.Query
		nrt[p] = r.Kind == rule.NRT
		paths = append(paths, p)
	}
	sort.Strings(paths)

	env := newEnv(t, t.TempDir(), time.Now())
	eng, err := New(Options{Dir: filepath.Join(env.dir, "analytics"), Workspace: env.svc, Now: time.Now,
		IngestionDelay: 5 * time.Minute, Ingestion: NewIngestion(time.Now)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	entries := map[string]*Entry{}
	imported := 0
	for _, p := range paths {
		ent, err := eng.Import(ctx, testWS, srcs[p], !nrt[p])
		if err != nil {
			t.Fatalf("%s does not import: %v", p, err)
		}
		imported++
		switch {
		case ent.Problem != "":
			t.Logf("%s imports but cannot run: %s", p, ent.Problem)
		case ent.Rule.Kind == rule.Scheduled || ent.Rule.Kind == rule.NRT:
			entries[p] = ent
		}
	}
	if imported != len(paths) {
		t.Fatalf("%d of %d rules imported", imported, len(paths))
	}
	if _, err := eng.RunNRT(ctx, testWS); err != nil { // starts the NRT rules' cursors
		t.Fatal(err)
	}

	sort.Strings(files)
	began := time.Now()
	replayEnd := time.Date(2026, 1, 10, 11, 59, 0, 0, time.UTC)
	mapper := schema.NewMapper(schema.New())
	var row schema.Row
	stored := map[event.Key]bool{}
	var all, span []sentinelref.Event
	nrtWant := map[string]int{}
	const nrtFiles = 10 // files stored between NRT runs
	for i, path := range files {
		var evs []*event.Event
		if _, err := logfile.Read(ctx, path, logfile.Options{Workers: 1},
			func(b []*event.Event) []*event.Event { return b },
			func(b []*event.Event) error { evs = append(evs, b...); return nil }); err != nil {
			t.Logf("%s: stored as far as it reads: %v", filepath.Base(path), err)
		}
		var newest time.Time
		for _, e := range evs {
			if tc := e.System.TimeCreated; tc.After(newest) && tc.Year() < 2100 {
				newest = tc
			}
		}
		var added []sentinelref.Event
		end := replayEnd.Add(-time.Duration(i%8) * time.Hour)
		for _, e := range evs {
			if !newest.IsZero() {
				e.System.TimeCreated = e.System.TimeCreated.Add(end.Sub(newest))
			}
			if k := e.Key(); !stored[k] {
				stored[k] = true
				re := sentinelref.NewEvent(mapper.Map(e, "OpsManager", &row).Name, e)
				re.At = e.System.TimeCreated.UTC()
				added = append(added, re)
			}
		}
		for j := 0; j < len(evs); j += 5000 {
			env.appendEvents(t, "corpus", uint64(i*1000+j/5000+1), evs[j:min(j+5000, len(evs))])
		}
		span = append(span, added...)
		if (i+1)%nrtFiles == 0 || i == len(files)-1 {
			if _, err := eng.RunNRT(ctx, testWS); err != nil {
				t.Fatal(err)
			}
			for p, ent := range entries {
				if ent.Rule.Kind == rule.NRT {
					nrtWant[p] += alertsFor(ent.Rule, expectedRows(t, p, span, queries, replayEnd))
				}
			}
			all, span = append(all, span...), nil
		}
	}
	slices.SortFunc(all, func(a, b sentinelref.Event) int { return a.At.Compare(b.At) })
	t.Logf("stored %d events of %d files, in %v", len(all), len(files), time.Since(began).Round(time.Millisecond))
	began = time.Now()

	undefined := 0
	var report strings.Builder
	for _, p := range paths {
		ent := entries[p]
		if ent == nil {
			continue
		}
		r := ent.Rule
		want, slack := 0, 0
		if r.Kind == rule.NRT {
			want = nrtWant[p]
		} else {
			from := replayEnd.Add(-48 * time.Hour).Truncate(r.QueryFrequency)
			to := replayEnd.Truncate(r.QueryFrequency).Add(r.QueryFrequency)
			outs, err := eng.Backfill(ctx, testWS, r.ID, from, to, nil)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			for _, o := range outs {
				lo, _ := slices.BinarySearchFunc(all, o.End.Add(-r.QueryPeriod), func(e sentinelref.Event, at time.Time) int { return e.At.Compare(at) })
				hi, _ := slices.BinarySearchFunc(all, o.End, func(e sentinelref.Event, at time.Time) int { return e.At.Compare(at) })
				rows := expectedRows(t, p, all[lo:hi], queries, o.End)
				if rows < 0 {
					// The rule's answer depends on an order it leaves
					// undefined: the window may raise its alerts or not.
					undefined++
					slack += alertsFor(r, MaxAlertsPerRun)
					continue
				}
				if o.Results != rows {
					t.Errorf("%s: window ending %s returned %d rows; the raw events give %d", p, o.End.Format(time.RFC3339), o.Results, rows)
				}
				want += alertsFor(r, rows)
			}
		}
		got := env.count(t, `SecurityAlert | where AlertType == "`+testWS+"_"+r.ID+`"`)
		if got < int64(want) || got > int64(want+slack) {
			t.Errorf("%s: %d alerts, the raw events call for %d (%d more where the rule's order is undefined)", p, got, want, slack)
		}
		checked++
		if want > 0 {
			withAlerts++
		}
		kind := "NRT"
		if r.Kind == rule.Scheduled {
			kind = r.QueryFrequency.String() + "/" + r.QueryPeriod.String()
		}
		fmt.Fprintf(&report, "  %-8s %4d alerts  %s\n", kind, got, p)
	}
	t.Logf("backfilled in %v; %d windows left unchecked where a rule's answer depends on the order of tied rows", time.Since(began).Round(time.Millisecond), undefined)
	t.Logf("%d rules held to their alerts, %d of them with alerts:\n%s", checked, withAlerts, report.String())
	return checked, withAlerts
}
