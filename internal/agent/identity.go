package agent

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"wsec/internal/atomicfile"
)

// agentIDPattern: an agent ID is sent as X-Wsec-Sender and shown in the
// workspace; keep it a plain token.
var agentIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// agentID returns the configured ID, or the one kept in dataDir, creating
// it at first start. It never changes afterwards: the workspace
// deduplicates batches by (sender, sequence), so a new ID after a restart
// would let a retried batch be stored twice.
func agentID(configured, dataDir string) (string, error) {
	if configured != "" {
		if !agentIDPattern.MatchString(configured) {
			return "", fmt.Errorf("agentId %q: use letters, digits, '.', '_', ':' and '-' (at most 128)", configured)
		}
		return configured, nil
	}
	path := filepath.Join(dataDir, agentIDFile)
	b, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if !agentIDPattern.MatchString(id) {
			return "", fmt.Errorf("agent ID file %s holds %q, not an agent ID; restore it from a backup (a new ID makes the workspace store re-sent batches twice)", path, id)
		}
		return id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read agent ID: %w", err)
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("generate agent ID: %w", err)
	}
	id := "agent-" + hex.EncodeToString(r[:])
	if err := atomicfile.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save agent ID: %w", err)
	}
	return id, nil
}

// computerName is the configured name or the host name.
func computerName(configured string) string {
	if configured != "" {
		return configured
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "unknown"
}

// Version is the agent's version: the module version it was built as, or
// "dev".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// osType is the Heartbeat's OSType.
func osType() string {
	switch runtime.GOOS {
	case "windows":
		return "Windows"
	case "linux":
		return "Linux"
	}
	return runtime.GOOS
}
