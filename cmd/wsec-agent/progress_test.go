package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/agent"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRunPrintsStartupAndProgress: `wsec-agent run` in the foreground
// says that it runs, where it logs, and what it has read and delivered (it
// used to print nothing).
func TestRunPrintsStartupAndProgress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port nothing answers on once closed
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := writeJSON(t, dir, "agent.json", agent.Config{
		DataDir:        dir,
		Sources:        []agent.SourceConfig{{Kind: agent.KindSynthetic, Count: 300, Seed: 1}},
		Destinations:   []agent.DestinationConfig{{Name: "soc", URL: url, Workspace: "7d1c0a52-6a4b-4f4e-9d0e-0a1b2c3d4e5f", Key: "c2VjcmV0"}},
		StatusInterval: agent.Duration(100 * time.Millisecond),
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"run", "--config", cfg}, &stdout, &stderr) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "read 300 events; soc: sent 0, queued ") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	code := <-done
	out := stdout.String()
	if !strings.Contains(out, "running with "+cfg) || !strings.Contains(out, "stop with Ctrl-C") {
		t.Errorf("no startup line:\n%s", out)
	}
	if !strings.Contains(out, "read 300 events; soc: sent 0, queued ") {
		t.Errorf("no progress line:\n%s\nstderr:\n%s", out, stderr.String())
	}
	if code != 0 {
		t.Errorf("exit %d after a requested stop: %s", code, stderr.String())
	}
}
