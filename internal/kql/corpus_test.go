package kql

import (
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"wsec/internal/corpustest"
	"wsec/internal/corpustest/sentinelref"
	"wsec/internal/schema"
)

// sentinelRule is the part of a Sentinel rule YAML the tests read.
type sentinelRule struct {
	Name  string `yaml:"name"`
	Query string `yaml:"query"`
}

// loadSentinelRules reads every rule YAML under dir.
func loadSentinelRules(t *testing.T, dir string) map[string]sentinelRule {
	t.Helper()
	srcs, err := sentinelref.ReadRules(dir)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]sentinelRule{}
	for rel, b := range srcs {
		var r sentinelRule
		if err := yaml.Unmarshal(b, &r); err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		rules[rel] = r
	}
	return rules
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestSentinelCorpusParses parses every rule of the corpus and checks that
// printing is a fixed point (print → parse → print gives the same text).
func TestSentinelCorpusParses(t *testing.T) {
	dir := corpustest.Dir(t, "sentinel-rules")
	rules := loadSentinelRules(t, dir)
	if len(rules) < 30 {
		t.Fatalf("found %d rules, want the 33 of the corpus", len(rules))
	}
	for _, name := range sortedKeys(rules) {
		r := rules[name]
		t.Run(name, func(t *testing.T) {
			q, err := Parse(r.Query)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			printed := Print(q)
			q2, err := Parse(printed)
			if err != nil {
				t.Fatalf("reparse of printed query: %v\n%s", err, printed)
			}
			if again := Print(q2); again != printed {
				t.Fatalf("print not stable:\n%s\n----\n%s", printed, again)
			}
		})
	}
}

// knownCheckFailures are corpus rules wsec cannot check yet, with the
// construct that stops them (the error must name it).
var knownCheckFailures = map[string]string{}

// TestSentinelCorpusChecks checks every rule that reads only tables wsec
// has against the schema catalog. Rules over other tables (Event,
// DeviceProcessEvents) are out of scope and skipped.
func TestSentinelCorpusChecks(t *testing.T) {
	dir := corpustest.Dir(t, "sentinel-rules")
	rules := loadSentinelRules(t, dir)
	cat := NewCatalog(schema.New())
	for _, name := range sortedKeys(rules) {
		r := rules[name]
		t.Run(name, func(t *testing.T) {
			q, err := Parse(r.Query)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			_, err = Check(q, cat)
			if missing := missingTable(err); missing != "" {
				t.Skipf("out of scope: reads table %s, which wsec does not have", missing)
			}
			if want, known := knownCheckFailures[name]; known {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("known failure on %s no longer happens (err=%v): update knownCheckFailures", want, err)
				}
				return
			}
			if err != nil {
				t.Errorf("check: %v", err)
			}
		})
	}
}

// missingTable returns the name in an "unknown table" error, if any.
func missingTable(err error) string {
	list, ok := err.(ErrorList)
	if !ok {
		return ""
	}
	for _, e := range list {
		if strings.HasPrefix(e.Msg, "unknown table '") {
			rest := strings.TrimPrefix(e.Msg, "unknown table '")
			return rest[:strings.IndexByte(rest, '\'')]
		}
	}
	return ""
}
