package kql

import (
	"flag"
	"os"
	"strings"
	"testing"

	"wsec/internal/schema"
)

var updateCoverage = flag.Bool("update-coverage", false, "rewrite COVERAGE.md from the code")

// TestCoverageDoc fails when COVERAGE.md differs from what the code
// supports (go generate ./internal/kql rewrites it).
func TestCoverageDoc(t *testing.T) {
	want := CoverageMarkdown()
	if *updateCoverage {
		if err := os.WriteFile("COVERAGE.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("COVERAGE.md")
	if err != nil || string(got) != want {
		t.Fatalf("COVERAGE.md is stale (err=%v): run go generate ./internal/kql", err)
	}
}

// TestBuiltinsAreKQL checks that every builtin and alias wsec accepts is a
// name of the KQL reference, so wsec invents no functions.
func TestBuiltinsAreKQL(t *testing.T) {
	check := func(kind, name string) {
		if !inReference(kind, name) {
			t.Errorf("%s %s is not in the KQL reference", kind, name)
		}
	}
	for n := range scalarFuncs {
		check("scalar", n)
	}
	for n := range windowFuncs {
		check("scalar", n)
	}
	for n := range aggFuncs {
		check("aggregate", n)
	}
	for _, o := range operatorNames {
		if o != "filter" && o != "order" && o != "limit" && o != "mvexpand" && o != "lookup" {
			check("operator", o)
		}
	}
}

// TestRefusedNamesSayUnsupported checks that a KQL name wsec lacks is
// refused as unsupported, not reported as unknown.
func TestRefusedNamesSayUnsupported(t *testing.T) {
	for _, e := range Coverage() {
		var src string
		switch {
		case e.Status != "refused", e.Kind == "scalar" && IsAggregate(e.Name):
			continue
		case e.Kind == "scalar":
			src = "print x = " + e.Name + "(1)"
		case e.Kind == "aggregate":
			src = "print a = 1 | summarize " + e.Name + "(a)"
		case e.Kind == "operator":
			src = "print a = 1 | " + e.Name
		default:
			continue
		}
		_, err := check(src)
		if err == nil || !strings.Contains(err.Error(), "not supported by wsec") {
			t.Errorf("%s %s: %s gives %v, want an error saying it is not supported by wsec", e.Kind, e.Name, src, err)
		}
	}
}

func check(src string) (*Plan, error) {
	q, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return Check(q, NewCatalog(schema.New()))
}
