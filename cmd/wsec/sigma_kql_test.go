package main

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
	"wsec/internal/event"
	"wsec/internal/hunt"
	"wsec/internal/logfile"
	"wsec/internal/sigma"
	"wsec/internal/store/duckdb"
	"wsec/internal/workspace"
)

// TestSigmaKQLMatchesHunt imports the EVTX files of SigmaHQ's regression
// data into a workspace and runs each case's rule twice: offline (package
// hunt, over the same files) and as the KQL sigma.ToKQL makes of it, on
// the store. Both must find the same events (by computer, channel and
// record ID).
//
// The fixture subtest does the same with rules written for the three-chunk
// Security fixture and a 4648/4624 log, without the corpus.
func TestSigmaKQLMatchesHunt(t *testing.T) {
	t.Run("fixture", func(t *testing.T) {
		rules, problems, err := sigma.Load([]string{filepath.Join("..", "..", "internal", "sigma", "testdata", "fixture-rules.yml")})
		if err != nil || len(problems) > 0 {
			t.Fatalf("load rules: %v %v", err, problems)
		}
		checkSigmaKQLMatchesHunt(t, rules, []string{
			filepath.Join("..", "..", "internal", "source", "file", "testdata", "security-3chunks.evtx"),
			filepath.Join("..", "..", "internal", "evtx", "testdata", "security-4648-4624.evtx"),
		})
	})
	t.Run("corpus", testSigmaKQLMatchesHuntCorpus)
}

func testSigmaKQLMatchesHuntCorpus(t *testing.T) {
	cases, dirs := corpustest.SigmaRegression(t)
	rules, problems, err := sigma.Load(dirs)
	if err != nil || len(problems) > 0 {
		t.Fatalf("load rules: %v %v", err, problems)
	}
	wanted := map[string]bool{}
	var files []string
	for _, c := range cases {
		wanted[c.RuleID] = true
		if !slices.Contains(files, c.EVTX) {
			files = append(files, c.EVTX)
		}
	}
	var picked []*sigma.Rule
	for _, r := range rules {
		if wanted[r.ID] {
			picked = append(picked, r)
		}
	}
	checkSigmaKQLMatchesHunt(t, picked, files)
}

// checkSigmaKQLMatchesHunt imports files into a workspace and holds each
// rule's KQL there to what hunt finds in the files.
func checkSigmaKQLMatchesHunt(t *testing.T, picked []*sigma.Rule, files []string) {
	rs := sigma.Compile(picked, sigma.Options{})
	if len(rs.Problems) > 0 {
		t.Fatalf("compile: %v", rs.Problems[0].Err)
	}

	ctx := context.Background()
	st, err := duckdb.Open(filepath.Join(t.TempDir(), "store"), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := workspace.New(func(id string) (workspace.Store, error) { return st.Workspace(id) }, workspace.Options{})
	const ws = "sigma-regression"
	seq := uint64(0)
	for _, f := range files {
		_, err := logfile.Read(ctx, f, logfile.Options{Workers: 1}, func(evs []*event.Event) []*event.Event { return evs },
			func(evs []*event.Event) error {
				seq++
				_, err := svc.AppendEvents(ctx, ws, "sigma-test", seq, evs, "wsec-test")
				return err
			})
		if err != nil {
			t.Fatalf("import %s: %v", f, err)
		}
	}

	offline := map[*sigma.Compiled]map[string]bool{}
	_, err = hunt.Run(ctx, rs, files, hunt.Options{}, func(f hunt.Finding) error {
		if offline[f.Rule] == nil {
			offline[f.Rule] = map[string]bool{}
		}
		offline[f.Rule][fmt.Sprintf("%s|%s|%d", f.Event.System.Computer, f.Event.System.Channel, f.Event.System.EventRecordID)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var differ []string
	compared, events := 0, 0
	for _, c := range rs.Rules {
		q, err := sigma.ToKQL(c)
		if err != nil {
			t.Errorf("%s: %v", c.Rule.Title, err)
			continue
		}
		tab, err := svc.Query(ctx, ws, q, time.Time{}, time.Time{})
		if err != nil {
			t.Errorf("%s: query: %v\n%s", c.Rule.Title, err, q)
			continue
		}
		col := map[string]int{}
		for i, c := range tab.Columns {
			col[c.Name] = i
		}
		online := map[string]bool{}
		for _, row := range tab.Rows {
			online[fmt.Sprintf("%v|%v|%v", row[col["Computer"]], row[col["Channel"]], row[col["EventRecordID"]])] = true
		}
		compared++
		events += len(online)
		if !mapsEqual(online, offline[c]) {
			differ = append(differ, fmt.Sprintf("%s: KQL %d events, hunt %d\n%s", c.Rule.Title, len(online), len(offline[c]), q))
		}
	}
	sort.Strings(differ)
	t.Logf("%d rules over %d files: KQL and hunt agree on %d rules (%d events)", compared, len(files), compared-len(differ), events)
	if compared != len(picked) || events == 0 {
		t.Errorf("%d of %d rules compared, on %d events: the comparison holds nothing", compared, len(picked), events)
	}
	if len(differ) > 0 {
		t.Errorf("%d rules differ:\n%s", len(differ), strings.Join(differ, "\n\n"))
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
