package testtool

import (
	"testing"
)

// fakeTB records how Need ended the test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skipf(string, ...any)  { f.skipped = true }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }

func TestNeed(t *testing.T) {
	missing := Tool{"wsec-no-such-tool", "wsec-no-such-package"}
	for _, c := range []struct {
		ci              string
		skipped, failed bool
	}{
		{"", true, false},
		{"true", false, true},
		{"1", false, true},
	} {
		t.Setenv("CI", c.ci)
		f := &fakeTB{}
		Need(f, missing)
		if f.skipped != c.skipped || f.failed != c.failed {
			t.Errorf("CI=%q, tool missing: skipped %v, failed %v", c.ci, f.skipped, f.failed)
		}
	}
	t.Setenv("CI", "true")
	f := &fakeTB{}
	if p := Need(f, Bash); f.skipped || f.failed || p[0] == "" {
		t.Errorf("bash: path %q, skipped %v, failed %v", p, f.skipped, f.failed)
	}
}
