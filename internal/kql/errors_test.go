package kql

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"wsec/internal/schema"
)

// errorCase is one query of a testdata/errors file with its expected
// errors, read from "// ERROR <col> "<text>"" comments at line ends.
type errorCase struct {
	src  string
	want []wantErr
}

type wantErr struct {
	line, col int
	text      string
}

var errMarker = regexp.MustCompile(`//\s*ERROR (\d+) "((?:[^"\\]|\\.)*)"\s*$`)

func readErrorCases(t *testing.T, path string) []errorCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []errorCase
	for _, chunk := range strings.Split(string(b), "\n----\n") {
		var ec errorCase
		lines := strings.Split(chunk, "\n")
		var kept []string
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "//") && !errMarker.MatchString(l) {
				kept = append(kept, "")
				continue
			}
			kept = append(kept, l)
			if m := errMarker.FindStringSubmatch(l); m != nil {
				col, _ := strconv.Atoi(m[1])
				text, err := strconv.Unquote(`"` + m[2] + `"`)
				if err != nil {
					t.Fatalf("%s: bad marker %q", path, l)
				}
				ec.want = append(ec.want, wantErr{line: len(kept), col: col, text: text})
			}
		}
		ec.src = strings.Join(kept, "\n")
		if len(ec.want) > 0 {
			cases = append(cases, ec)
		}
	}
	return cases
}

// TestErrors runs the negative cases of testdata/errors: parse.kql must fail
// to parse, check.kql must parse and fail to check, each with errors at the
// marked positions.
func TestErrors(t *testing.T) {
	cat := NewCatalog(schema.New())
	for _, file := range []string{"parse.kql", "check.kql"} {
		cases := readErrorCases(t, filepath.Join("testdata", "errors", file))
		if len(cases) < 10 {
			t.Fatalf("%s: only %d cases", file, len(cases))
		}
		for i, ec := range cases {
			t.Run(file+"#"+strconv.Itoa(i+1), func(t *testing.T) {
				q, err := Parse(ec.src)
				if file == "check.kql" {
					if err != nil {
						t.Fatalf("parse: %v", err)
					}
					_, err = Check(q, cat)
				}
				if err == nil {
					t.Fatalf("no error for:\n%s", ec.src)
				}
				list, ok := err.(ErrorList)
				if !ok {
					t.Fatalf("error is %T, want ErrorList", err)
				}
				for _, w := range ec.want {
					found := false
					for _, e := range list {
						if e.Pos.Line == w.line && e.Pos.Column == w.col && strings.Contains(e.Msg, w.text) {
							found = true
						}
					}
					if !found {
						t.Errorf("want error at line %d, column %d containing %q; got:\n%v", w.line, w.col, w.text, err)
					}
				}
			})
		}
	}
}
