package evtx

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/event"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden decodes the small real logs under testdata/ (see
// testdata/README.md for their origin and licences) and compares the
// events, as event JSON lines, with testdata/<name>.golden.jsonl. The same
// files are checked against evtxexport, the Rust evtx crate's published
// snapshots and Sigma's JSON by the corpus tests; this test keeps that
// behaviour pinned where the corpus is absent. Regenerate with -update
// after checking the difference.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.evtx"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least 3 fixtures under testdata/, found %d (%v)", len(files), err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var out []byte
			f, err := Open(path, Options{Workers: 2, OnProblem: func(p Problem) {
				out = append(out, "# problem: "+p.String()+"\n"...)
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, err := f.Events(context.Background(), func(e *event.Event) error {
				out = e.AppendJSON(out)
				out = append(out, '\n')
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if st.Records == 0 {
				t.Fatal("no events")
			}
			golden := strings.TrimSuffix(path, ".evtx") + ".golden.jsonl"
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(out, want) {
				gl, wl := bytes.Split(out, []byte("\n")), bytes.Split(want, []byte("\n"))
				for i := 0; i < max(len(gl), len(wl)); i++ {
					var g, w []byte
					if i < len(gl) {
						g = gl[i]
					}
					if i < len(wl) {
						w = wl[i]
					}
					if !bytes.Equal(g, w) {
						t.Fatalf("line %d differs from %s:\n got: %s\nwant: %s", i+1, golden, g, w)
					}
				}
			}
			// Every line must decode back into the same event.
			for i, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
				if bytes.HasPrefix(line, []byte("#")) {
					continue
				}
				var e event.Event
				if err := e.UnmarshalJSON(line); err != nil {
					t.Fatalf("line %d does not decode: %v", i+1, err)
				}
				if again := e.AppendJSON(nil); !bytes.Equal(again, line) {
					t.Fatalf("line %d decodes to a different event:\n got: %s\nwant: %s", i+1, again, line)
				}
			}
		})
	}
}
