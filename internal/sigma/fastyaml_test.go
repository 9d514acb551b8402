package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"wsec/internal/corpustest"
)

// v3Roots reads data with yaml.v3 as Parse did before fastYAML: the root
// of every non-empty document, comments cleared (fastYAML does not keep
// them and Parse does not read them).
func v3Roots(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var roots []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return roots, nil
		}
		if err != nil {
			return nil, err
		}
		if len(doc.Content) > 0 {
			clearComments(doc.Content[0])
			roots = append(roots, doc.Content[0])
		}
	}
}

func clearComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		clearComments(c)
	}
}

// agree checks fastYAML against yaml.v3 on data: when the fast reader
// accepts the text, yaml.v3 must read it too, to the same nodes. It
// reports whether the fast reader accepted.
func agree(t *testing.T, name string, data []byte) bool {
	t.Helper()
	fast, ok := fastYAML(data)
	if !ok {
		return false
	}
	want, err := v3Roots(data)
	if err != nil {
		t.Errorf("%s: fast reader accepted what yaml.v3 rejects (%v):\n%s", name, err, data)
		return true
	}
	if !reflect.DeepEqual(fast, want) {
		t.Errorf("%s: fast reader and yaml.v3 disagree:\n%s\nfast:  %s\nyaml.v3: %s", name, data, dump(fast), dump(want))
	}
	return true
}

func dump(ns []*yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		fmt.Fprintf(&b, "\n%s%s %q @%d:%d kind %d style %d", strings.Repeat("  ", depth), n.Tag, n.Value, n.Line, n.Column, n.Kind, n.Style)
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	for _, n := range ns {
		walk(n, 0)
	}
	return b.String()
}

// TestFastYAMLAgrees reads every Sigma rule file the repository and the
// corpus hold both ways: where the fast reader accepts a file, its nodes
// equal yaml.v3's. It also holds the fast reader to taking nearly all of
// SigmaHQ, which is what makes it worth having.
func TestFastYAMLAgrees(t *testing.T) {
	var files []string
	for _, dir := range []string{"testdata", "../../cmd/wsec/testdata/sigma"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
		files = append(files, m...)
	}
	if len(files) < 3 {
		t.Fatalf("found %d fixture rules, want the 3 of testdata and cmd/wsec/testdata/sigma", len(files))
	}
	corpus := 0
	if root := corpustest.Root(); root == "" {
		t.Log("no corpus (see package corpustest): only the fixture rules are compared")
	} else {
		for _, d := range []string{"sigma-windows", "sigma-regression", "sigma-security"} {
			filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
				if err == nil && !e.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
					files = append(files, p)
					corpus++
				}
				return nil
			})
		}
	}
	var fallback []string
	corpusFallback := 0
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !agree(t, f, data) {
			fallback = append(fallback, f)
			if i >= len(files)-corpus {
				corpusFallback++
			}
		}
	}
	t.Logf("%d files (%d from the corpus): %d read by the fast reader, %d left to yaml.v3 (%d from the corpus)", len(files), corpus, len(files)-len(fallback), len(fallback), corpusFallback)
	for _, f := range fallback {
		t.Logf("  yaml.v3: %s", f)
	}
	// The fixtures use flow maps on purpose, so that Parse's fallback
	// runs; SigmaHQ does not.
	if corpusFallback*50 > corpus {
		t.Errorf("%d of %d corpus files fell back to yaml.v3, want under 2 %%", corpusFallback, corpus)
	}
}

// TestFastYAMLSubset pins the subset's edges: each text is read by the fast
// reader (and must agree with yaml.v3) or left to yaml.v3, as stated.
func TestFastYAMLSubset(t *testing.T) {
	for _, c := range subsetCases {
		_, ok := fastYAML([]byte(c.text))
		if ok != c.fast {
			t.Errorf("fastYAML(%q) accepted = %v, want %v", c.text, ok, c.fast)
		}
		agree(t, "subset case", []byte(c.text))
	}
}

var subsetCases = []struct {
	text string
	fast bool
}{
	{"a: 1\nb: -2\nc: 2021-01-01\nd: 2021/01/01\ne: true\nf: ~\ng: .5\nh: '1'\n", true},
	{"a:\n  - x # c\n  - 'y''z'\n  - \"q\\\\\\\"\"\nb: [a, 'b', \"c\"]\nc: []\n", true},
	{"a:\n- x\n- k: v\n  l: w\nb: |\n  line 1\n\n  line 2\nc: >-\n  f1\n  f2\n\n  f3\nd: |+\n  keep\n\n", true},
	{"title: a\n---\ntitle: b\n", true},
	{"a: 'é' \nb: 中文: x\n", false},
	{"é: 'x'\nf: y\n", true},
	{"a: &x 1\nb: *x\n", false},
	{"a: !!str 1\n", false},
	{"a: {b: c}\n", false},
	{"a: b\n  c\n", false},
	{"a: 'b\n  c'\n", false},
	{"a:\tb\n", false},
	{"a: b\r\n", false},
	{"? a\n: b\n", false},
	{"a: 0x10\n", false},
	{"a: 010\n", false},
	{"a:\nb: c\n", false},
	{"a: b\n---\n", false},
	{"a: b: c\n", false},
	{"- - a\n", false},
	{"a: \"\\u00e9\"\n", false},
	{"a: >\n  x\n    more\n  y\n", false},
	{"<<: x\n", false},
	{"a: |\n  no final break", false},
	{"id: 0b5a1c2e-1d2f-4e3a-9b8c-7d6e5f4a3b2c\nn: 1_000 and up\n", true},
	{"id: 0b5a1c2e-1d2f-4e3a-9b8c-7d6e5f4a3b2c\nn: 0b+1\n", false},
}

// FuzzFastYAML compares the fast reader with yaml.v3 on arbitrary text:
// whatever the fast reader accepts, yaml.v3 reads to the same nodes.
func FuzzFastYAML(f *testing.F) {
	for _, dir := range []string{"testdata", "../../cmd/wsec/testdata/sigma"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
		for _, p := range m {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	for _, c := range subsetCases {
		f.Add([]byte(c.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, "fuzz input", data)
	})
}
