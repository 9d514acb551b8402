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

func TestExcerpt(t *testing.T) {
	f := func(src string, line, col int, want string) {
		t.Helper()
		if got := Excerpt(src, line, col); got != want {
			t.Errorf("Excerpt(%q, %d, %d) =\n%s\nwant\n%s", src, line, col, got, want)
		}
	}
	f("SecurityEvent | where EventId == 4625", 1, 23, "  SecurityEvent | where EventId == 4625\n                        ^")
	f("SecurityEvent\n| where\tEventID = 4625", 2, 17, "  | where\tEventID = 4625\n         \t        ^")
	f("T | täke 5", 1, 6, "  T | täke 5\n       ^")
	f("T", 1, 2, "  T\n   ^")
	f("T", 2, 1, "")
	f("T", 0, 1, "")
}

// TestAssignSuggestsEquals: '=' where a comparison belongs suggests '=='.
func TestAssignSuggestsEquals(t *testing.T) {
	_, err := Parse("SecurityEvent | where EventID = 4625")
	if err == nil || !strings.Contains(err.Error(), "line 1, column 31") || !strings.Contains(err.Error(), "use '=='") {
		t.Errorf("where EventID = 4625: %v, want the position and a '==' suggestion", err)
	}
}
