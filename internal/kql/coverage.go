package kql

import (
	_ "embed"
	"sort"
	"strconv"
	"strings"
)

//go:generate go test -run TestCoverageDoc -update-coverage .

// reference.tsv lists the KQL reference (operators, scalar and aggregation
// functions, evaluate plugins) as Kusto's own parser defines it. Coverage
// compares it with what this package checks, so COVERAGE.md is generated
// from the code and a name Kusto has but wsec lacks is refused with a
// message saying so rather than "unknown".
//
//go:embed reference.tsv
var referenceTSV string

// CoverageEntry is one name of the KQL reference and what wsec does with it.
type CoverageEntry struct {
	Kind   string // operator, scalar, aggregate or plugin
	Name   string
	Status string // "supported", "alias of X", or "refused"
}

type refKey struct{ kind, name string }

var reference = func() map[refKey]string {
	m := map[refKey]string{}
	for _, line := range strings.Split(referenceTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		m[refKey{f[0], f[1]}] = f[2]
	}
	return m
}()

// inReference reports whether name is a KQL name of kind.
func inReference(kind, name string) bool {
	_, ok := reference[refKey{kind, name}]
	return ok
}

// specialFuncs are the functions the checker handles itself.
var specialFuncs = map[string]bool{"column_ifexists": true, "toscalar": true, "pack_all": true, "materialize": true, "table": true, "view": true}

// sourceOperators are the tabular sources that stand where a table does.
var sourceOperators = []string{"print", "range", "datatable", "union", "search", "evaluate", "externaldata"}

// evaluatePlugins are the evaluate plugins checkEvaluate supports.
var evaluatePlugins = []string{"bag_unpack", "pivot"}

// Coverage lists every name of the KQL reference with its status in wsec,
// sorted by kind and name.
func Coverage() []CoverageEntry {
	ops := map[string]bool{}
	for _, o := range operatorNames {
		ops[o] = true
	}
	for _, o := range sourceOperators {
		ops[o] = true
	}
	var out []CoverageEntry
	for k := range reference {
		e := CoverageEntry{Kind: k.kind, Name: k.name, Status: "refused"}
		switch k.kind {
		case "operator":
			if ops[k.name] {
				e.Status = "supported"
			}
		case "plugin":
			for _, p := range evaluatePlugins {
				if p == k.name {
					e.Status = "supported"
				}
			}
		case "scalar", "aggregate":
			canon := k.name
			if a, ok := funcAliases[canon]; ok {
				canon = a
			}
			_, scalar := scalarFuncs[canon]
			_, window := windowFuncs[canon]
			_, agg := aggFuncs[canon]
			known := agg
			if k.kind == "scalar" {
				known = scalar || window || specialFuncs[canon]
			}
			switch {
			case known && canon != k.name:
				e.Status = "alias of " + canon
			case known:
				e.Status = "supported"
			}
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return kindOrder(out[i].Kind) < kindOrder(out[j].Kind)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func kindOrder(k string) int {
	return strings.Index("operator scalar aggregate plugin", k)
}

// CoverageMarkdown renders Coverage as the package's COVERAGE.md.
func CoverageMarkdown() string {
	var b strings.Builder
	b.WriteString("# KQL coverage\n\n")
	b.WriteString("Generated from the code by `go generate ./internal/kql` (TestCoverageDoc fails when this file is\n")
	b.WriteString("stale). Every name of the KQL reference (reference.tsv: Kusto's own parser's operators,\n")
	b.WriteString("functions and evaluate plugins) with what wsec does with it: supported, accepted as an alias\n")
	b.WriteString("of the name shown (deprecated spellings), or refused with an error that says wsec does not\n")
	b.WriteString("support it.\n\n")
	entries := Coverage()
	titles := map[string]string{"operator": "Tabular operators", "scalar": "Scalar functions", "aggregate": "Aggregation functions", "plugin": "evaluate plugins"}
	b.WriteString("| kind | supported | aliases | refused |\n|---|---|---|---|\n")
	for _, kind := range []string{"operator", "scalar", "aggregate", "plugin"} {
		var s, a, r int
		for _, e := range entries {
			if e.Kind != kind {
				continue
			}
			switch {
			case e.Status == "supported":
				s++
			case e.Status == "refused":
				r++
			default:
				a++
			}
		}
		b.WriteString("| " + titles[kind] + " | " + strconv.Itoa(s) + " | " + strconv.Itoa(a) + " | " + strconv.Itoa(r) + " |\n")
	}
	for _, kind := range []string{"operator", "scalar", "aggregate", "plugin"} {
		b.WriteString("\n## " + titles[kind] + "\n\n| name | status |\n|---|---|\n")
		for _, e := range entries {
			if e.Kind == kind {
				b.WriteString("| `" + e.Name + "` | " + e.Status + " |\n")
			}
		}
	}
	return b.String()
}
