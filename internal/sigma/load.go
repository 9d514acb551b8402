package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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
	parsed := make([]parsedFile, len(files))
	parallel(len(files), func(i int) { parsed[i] = parseFile(files[i]) })
	var rules []*Rule
	var problems []Problem
	for i, p := range parsed {
		switch {
		case p.readErr != nil:
			return nil, nil, fmt.Errorf("read rule: %w", p.readErr)
		case p.err != nil:
			problems = append(problems, Problem{Path: files[i], Err: p.err})
		default:
			rules = append(rules, p.rules...)
		}
	}
	return rules, problems, nil
}

// parsedFile is one rule file read by Load: parsing the 2,400 SigmaHQ
// Windows rules took about 0.35 CPU-s in yaml.v3 (less than a third of that
// with fastYAML), so Load spreads files over all cores.
type parsedFile struct {
	rules   []*Rule
	err     error // the file is not a rule
	readErr error // the file cannot be read
}

func parseFile(path string) parsedFile {
	data, err := os.ReadFile(path)
	if err != nil {
		return parsedFile{readErr: err}
	}
	rs, err := Parse(path, data)
	return parsedFile{rules: rs, err: err}
}

// parallel calls f(0) ... f(n-1) on all cores and returns when all have
// returned. Reading and compiling the SigmaHQ rules is what every hunt
// pays before its first event (BenchmarkLoadCompile): done on one core it
// took as long as matching the whole EVTX corpus.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}
