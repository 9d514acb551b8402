package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Load reads the Sigma rules of files and folders (recursively, *.yml and
// *.yaml). A file that does not parse is a Problem; only a path that cannot
// be read at all is an error.
func Load(paths []string) ([]*Rule, []Problem, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("read rules: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(path))
			if !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("read rules in %s: %w", p, err)
		}
	}
	sort.Strings(files)
	var rules []*Rule
	var problems []Problem
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("read rule: %w", err)
		}
		rs, err := Parse(f, data)
		if err != nil {
			problems = append(problems, Problem{Path: f, Err: err})
			continue
		}
		rules = append(rules, rs...)
	}
	return rules, problems, nil
}
