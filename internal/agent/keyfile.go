package agent

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// keyFile is a destination's workspace key kept in a file (keyFile in the
// configuration). The file is looked at again before each request, and a
// new key in it is used from then on: rotating a workspace key means
// rewriting the file, without restarting the agent. A changed file that
// cannot be read, or holds no key, is logged once and the key in use is
// kept, so a half-done edit does not stop delivery.
type keyFile struct {
	path string
	log  *slog.Logger

	mu   sync.Mutex
	key  string
	seen os.FileInfo // the file as last read, nil when it could not be
}

func openKeyFile(path string, log *slog.Logger) (*keyFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	key, err := readKey(path)
	if err != nil {
		return nil, err
	}
	return &keyFile{path: path, log: log, key: key, seen: st}, nil
}

func readKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read key file: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if _, err := base64.StdEncoding.DecodeString(key); err != nil || key == "" {
		return "", fmt.Errorf("key file %s does not hold a workspace key (base64, as 'wsec workspace list --show-keys' prints it)", path)
	}
	return key, nil
}

// current returns the key to sign with now, reading the file again when
// it changed (another file renamed over it, another size or time).
func (k *keyFile) current() string {
	st, err := os.Stat(k.path)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		if k.seen != nil {
			k.log.Warn("key file unreadable; signing with the key read before", "file", k.path, "err", err)
			k.seen = nil
		}
		return k.key
	}
	if k.seen != nil && os.SameFile(st, k.seen) && st.ModTime().Equal(k.seen.ModTime()) && st.Size() == k.seen.Size() {
		return k.key
	}
	k.seen = st
	key, err := readKey(k.path)
	switch {
	case err != nil:
		k.log.Warn("key file changed but holds no usable key; signing with the key read before", "file", k.path, "err", err)
	case key != k.key:
		k.key = key
		k.log.Info("key file changed; signing with the new key", "file", k.path)
	}
	return k.key
}
