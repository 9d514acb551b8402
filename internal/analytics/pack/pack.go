// Package pack is wsec's default analytics rule pack: the Windows
// detections a team expects on day one (log cleared, password guessing,
// failed logons then a success, password spray, Kerberoasting, AS-REP
// roasting, DCSync, privileged group changes, new services and scheduled
// tasks, throw-away accounts, audit policy changes), written for wsec in
// Sentinel's YAML format so they import, export and run like any Sentinel
// rule. Each carries MITRE tactics and techniques and entity mappings.
//
// The rules look at one hour at a time (queryFrequency = queryPeriod =
// 1h), so a backfill over old evidence raises the same alerts as the
// scheduler did live. Their thresholds and the events they read are
// checked against the corpus' known attacks and the synthetic source's
// benign activity in package analytics' tests.
package pack

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"wsec/internal/analytics/rule"
)

//go:embed rules/*.yaml
var files embed.FS

// Files returns the pack's rule files (name → Sentinel YAML), by name.
func Files() (map[string][]byte, []string, error) {
	names, err := fs.Glob(files, "rules/*.yaml")
	if err != nil {
		return nil, nil, fmt.Errorf("list pack rules: %w", err)
	}
	sort.Strings(names)
	out := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, nil, fmt.Errorf("read pack rule %s: %w", n, err)
		}
		out[n] = b
	}
	return out, names, nil
}

// Rules parses the pack.
func Rules() ([]*rule.Rule, error) {
	m, names, err := Files()
	if err != nil {
		return nil, err
	}
	out := make([]*rule.Rule, 0, len(names))
	for _, n := range names {
		r, err := rule.Parse(m[n])
		if err != nil {
			return nil, fmt.Errorf("pack rule %s: %w", n, err)
		}
		out = append(out, r)
	}
	return out, nil
}
