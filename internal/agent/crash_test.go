package agent

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// startChild starts the test binary as an agent process running c.
func startChild(t *testing.T, c *Config, name string) *exec.Cmd {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".json")
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childConfigEnv+"="+path)
	cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestKill9 kills the agent with SIGKILL at random points three times,
// starts it again each time, and lets the last run finish: each workspace
// must hold exactly the events its set admits. The kills land while the
// source is being read, batches are in flight and acknowledgements are
// being recorded.
func TestKill9(t *testing.T) {
	count := e2eCount(t, 150_000)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("kill points seeded with %d", seed)
	all, common := newFakeWorkspace(t), newFakeWorkspace(t)
	// Paced so that the run lasts long enough for the kills to land
	// mid-stream.
	c := syntheticConfig(t.TempDir(), count, float64(count)/6, destTo("all", all, "All"), destTo("common", common, "Common"))
	for i := range 3 {
		cmd := startChild(t, c, "agent")
		d := time.Duration(300+rng.IntN(1500)) * time.Millisecond
		time.Sleep(d) // a random kill point, not a wait for a condition
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		t.Logf("kill %d after %v: %v; workspaces hold %d and %d events", i+1, d, err, all.count(), common.count())
	}
	cmd := startChild(t, c, "agent")
	waitExit(t, cmd, 5*time.Minute)
	all.check(t, "workspace All", expectSynthetic(t, gen(), count, policy(t, "All")))
	common.check(t, "workspace Common", expectSynthetic(t, gen(), count, policy(t, "Common")))
}

func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("agent exited with %v", err)
		}
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("agent did not finish within %v", limit)
	}
}
