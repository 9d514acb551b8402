// Package corpustest locates the shared test corpus (real EVTX files, Sigma
// and Sentinel content, OTRF datasets) for tests. The corpus lives beside the
// repository, not in it (licences and size), so tests that need it skip with
// a clear message on a clone without it; every package keeps small fixtures
// in its own testdata/ so the suite still means something there.
package corpustest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the corpus directory: $WSEC_CORPUS if set, else the first
// "shared/corpus" found walking up from the working directory (the layout
// ../shared/corpus next to the repository). It returns "" when there is none.
func Root() string {
	if d := os.Getenv("WSEC_CORPUS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		c := filepath.Join(dir, "shared", "corpus")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the corpus path joined with elem, or skips the test when the
// corpus or that path is absent.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	root := Root()
	if root == "" {
		tb.Skip("shared corpus not found (set WSEC_CORPUS or place it at ../shared/corpus); skipping corpus test")
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus path %s absent: %v; skipping corpus test", p, err)
	}
	return p
}
