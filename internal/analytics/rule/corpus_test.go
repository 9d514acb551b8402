package rule

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/kql"
	"wsec/internal/schema"
)

// TestSentinelCorpusImports parses and checks every rule of the corpus
// unmodified: all import, with the kind their fields imply.
func TestSentinelCorpusImports(t *testing.T) {
	dir := corpustest.Dir(t, "sentinel-rules")
	cat := kql.NewCatalog(schema.New())
	kinds := map[Kind]int{}
	n := 0
	var unsupported []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		n++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		r, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if _, err := r.Check(cat); err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) || !qe.Unsupported {
				t.Errorf("%s: %v", rel, err)
			} else {
				unsupported = append(unsupported, rel)
				t.Logf("%s: imports disabled: %v", rel, err)
			}
		}
		kinds[r.Kind]++
		if hunting := strings.Contains(rel, "Hunting Queries"); hunting != (r.Kind == Hunting) {
			t.Errorf("%s: kind %s", rel, r.Kind)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 33 {
		t.Errorf("%d rule files, want the corpus' 33", n)
	}
	t.Logf("kinds: %v", kinds)
	// Only WMI-Abuse should be left: it reads DeviceProcessEvents, a
	// Defender for Endpoint table no Windows Security source fills.
	if len(unsupported) > 1 {
		t.Errorf("%d rules need tables or functions wsec lacks, want at most 1: %v", len(unsupported), unsupported)
	}
}
