package sentinelref

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ReadRules reads every rule file (*.yaml) under dir, keyed by its path
// relative to dir, the key Rows and Witnesses use.
func ReadRules(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out[rel] = b
		return nil
	})
	return out, err
}
