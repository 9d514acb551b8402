package corpustest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// SigmaCase is one test of SigmaHQ's regression data: a rule, an EVTX file
// and how many of its events the rule must match.
type SigmaCase struct {
	Name   string // the case's folder below regression_data
	RuleID string
	EVTX   string
	// Want is the stated match_count, or -1 when the case states none (a
	// "Positive Detection Test": at least one).
	Want int
}

// SigmaRegression returns the regression cases of sigma-regression and the
// rule folders they refer to, or skips the test when the corpus is absent.
func SigmaRegression(tb testing.TB) (cases []SigmaCase, ruleDirs []string) {
	tb.Helper()
	root := Dir(tb, "sigma-regression")
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting"} {
		ruleDirs = append(ruleDirs, filepath.Join(root, d))
	}
	data := filepath.Join(root, "regression_data")
	err := filepath.WalkDir(data, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.Name() != "info.yml" {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var info struct {
			RuleMetadata []struct{ ID string } `yaml:"rule_metadata"`
			Tests        []struct {
				Type       string
				MatchCount *int   `yaml:"match_count"`
				Path       string `yaml:"path"`
			} `yaml:"regression_tests_info"`
		}
		if err := yaml.Unmarshal(src, &info); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, t := range info.Tests {
			if t.Type != "evtx" || len(info.RuleMetadata) == 0 {
				continue
			}
			rel, _ := filepath.Rel(data, filepath.Dir(path))
			c := SigmaCase{Name: rel, RuleID: info.RuleMetadata[0].ID, EVTX: filepath.Join(root, t.Path), Want: -1}
			if t.MatchCount != nil {
				c.Want = *t.MatchCount
			}
			cases = append(cases, c)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cases, ruleDirs
}
