package agent

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"wsec/internal/atomicfile"
	"wsec/internal/auth"
)

// TestKeyFileRotatedWhileRunning (issue 9 item 14): the workspace's key is
// rotated while the agent ships, and the agent's key file rewritten with
// the new one. The agent signs with the new key from then on, without a
// restart, and delivers every event exactly once. Before, it kept the key
// it read at start and every batch after the rotation was refused.
func TestKeyFileRotatedWhileRunning(t *testing.T) {
	count := e2eCount(t, 20_000)
	w := newFakeWorkspace(t)
	keyFile := filepath.Join(t.TempDir(), "workspace.key")
	if err := os.WriteFile(keyFile, []byte(w.ws.PrimaryKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := destTo("w", w, "All")
	d.Key, d.KeyFile = "", keyFile
	c := syntheticConfig(t.TempDir(), count, float64(count)/6, d)
	wait := startAgent(t, c, 90*time.Second)
	w.waitCount(t, int(count/5), time.Minute)
	ws, err := w.reg.RotateKey(w.ws.ID, auth.Primary)
	if err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(keyFile, []byte(ws.PrimaryKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("key rotated after %d events", w.count())
	wait()
	w.check(t, "workspace (key rotated)", expectSynthetic(t, gen(), count, policy(t, "All")))
}
