package hunt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"wsec/internal/sigma"
)

// huntFiles are a three-chunk EVTX file, an event-XML file, a file that is
// neither and a missing one, repeated so that more files than Run reads at
// once come in a row.
func huntFiles(t *testing.T) (*sigma.Ruleset, []string) {
	t.Helper()
	var yaml []string
	for _, c := range fixtureRules {
		yaml = append(yaml, c.yaml)
	}
	yaml = append(yaml, failedLogonRules)
	rules, err := sigma.Parse("rules.yml", []byte(strings.Join(yaml, "---\n")))
	if err != nil {
		t.Fatal(err)
	}
	rs := sigma.Compile(rules, sigma.Options{})
	if len(rs.Problems) > 0 {
		t.Fatal(rs.Problems[0].Err)
	}
	evtxPath := filepath.Join("..", "source", "file", "testdata", "security-3chunks.evtx")
	xmlPath, _ := writeLogons(t, 4)
	junk := filepath.Join(t.TempDir(), "junk.evtx")
	if err := os.WriteFile(junk, []byte("not a log"), 0o600); err != nil {
		t.Fatal(err)
	}
	var files []string
	for i := range 5 {
		files = append(files, evtxPath, xmlPath)
		if i%2 == 0 {
			files = append(files, junk, filepath.Join(t.TempDir(), "missing.evtx"))
		}
	}
	return rs, files
}

func findingKey(f Finding) string {
	return fmt.Sprintf("%s #%d %s", filepath.Base(f.File), f.Event.System.EventRecordID, f.Rule.Rule.Title)
}

// TestRunFilesInOrder: files read together give the findings, problems and
// counts of reading them one by one, in the order given.
func TestRunFilesInOrder(t *testing.T) {
	rs, files := huntFiles(t)
	var want []string
	var wantSum Summary
	for _, f := range files {
		sum, err := Run(context.Background(), rs, []string{f}, Options{Workers: 1}, func(f Finding) error {
			want = append(want, findingKey(f))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantSum.Files += sum.Files
		wantSum.Unreadable += sum.Unreadable
		wantSum.Events += sum.Events
		wantSum.Findings += sum.Findings
		wantSum.Problems = append(wantSum.Problems, sum.Problems...)
	}
	for _, workers := range []int{1, 2, 4} {
		var got []string
		sum, err := Run(context.Background(), rs, files, Options{Workers: workers}, func(f Finding) error {
			got = append(got, findingKey(f))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d workers: findings differ from reading the files one by one:\n got %q\nwant %q", workers, got, want)
		}
		if sum.Files != len(files) || sum.Files != wantSum.Files || sum.Unreadable != wantSum.Unreadable || sum.Events != wantSum.Events || sum.Findings != wantSum.Findings {
			t.Errorf("%d workers: %d files, %d unreadable, %d events, %d findings; want %d, %d, %d, %d", workers,
				sum.Files, sum.Unreadable, sum.Events, sum.Findings, wantSum.Files, wantSum.Unreadable, wantSum.Events, wantSum.Findings)
		}
		if !slices.Equal(sum.Problems, wantSum.Problems) {
			t.Errorf("%d workers: problems\n%q\nwant\n%q", workers, sum.Problems, wantSum.Problems)
		}
	}
	if len(want) < 20 || wantSum.Unreadable != 6 {
		t.Fatalf("the fixture gives %d findings and %d unreadable files; want some and 6", len(want), wantSum.Unreadable)
	}
}

// TestRunStops: an emit error or a cancelled context ends Run with that
// error, and every goroutine Run started has ended when it returns.
func TestRunStops(t *testing.T) {
	rs, files := huntFiles(t)
	stop := errors.New("stop")
	n := 0
	_, err := Run(context.Background(), rs, files, Options{Workers: 2}, func(Finding) error {
		if n++; n == 7 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 7 {
		t.Errorf("emit failing at the 7th finding: Run returned %v after %d findings", err, n)
	}
	if g := readers(); g != "" {
		t.Errorf("goroutines left running after Run returned:\n%s", g)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	_, err = Run(ctx, rs, files, Options{Workers: 2}, func(Finding) error {
		if n++; n == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled at the 3rd finding: Run returned %v", err)
	}
	if g := readers(); g != "" {
		t.Errorf("goroutines left running after Run returned:\n%s", g)
	}
}

// readers returns the stacks of goroutines reading files for a hunt.
func readers() string {
	buf := make([]byte, 1<<20)
	var out []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "hunt.readAll") || strings.Contains(g, "internal/logfile.") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
