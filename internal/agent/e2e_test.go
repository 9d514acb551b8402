package agent

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"wsec/internal/filter"
	"wsec/internal/source/synthetic"
)

// e2eCount is how many synthetic events the end-to-end tests send:
// WSEC_AGENT_E2E_COUNT (e.g. 1000000) or a default that keeps the suite
// quick.
func e2eCount(t testing.TB, def uint64) uint64 {
	if s := os.Getenv("WSEC_AGENT_E2E_COUNT"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("WSEC_AGENT_E2E_COUNT=%q: %v", s, err)
		}
		return n
	}
	if testing.Short() {
		return def / 10
	}
	return def
}

// testLogger logs warnings and errors to the test log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func destTo(name string, w *fakeWorkspace, set string) DestinationConfig {
	return DestinationConfig{Name: name, URL: w.URL(), Workspace: w.ws.ID, Key: w.ws.PrimaryKey, EventSet: set}
}

// syntheticConfig is an agent reading count synthetic events at rate (0:
// unpaced) into dests, exiting when all was delivered.
func syntheticConfig(dir string, count uint64, rate float64, dests ...DestinationConfig) *Config {
	return &Config{
		AgentID: "agent-e2e", DataDir: dir, Computer: "SRV-APP01",
		Sources:          []SourceConfig{{Kind: KindSynthetic, Count: count, Rate: rate, Seed: 42}},
		Destinations:     dests,
		ExitWhenDone:     true,
		FlushInterval:    Duration(100 * time.Millisecond),
		StatusInterval:   Duration(200 * time.Millisecond),
		BookmarkInterval: Duration(100 * time.Millisecond),
	}
}

func runAgent(t testing.TB, c *Config, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := Run(ctx, Options{Config: c, Logger: testLogger(t)}); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the agent did not deliver everything within %v", limit)
	}
}

func policy(t testing.TB, set string) filter.Policy {
	s, err := filter.ParseSet(set)
	if err != nil {
		t.Fatal(err)
	}
	return filter.Policy{Set: s}
}

func gen() *synthetic.Generator { return synthetic.New(synthetic.Options{Seed: 42}) }

// TestTwoWorkspacesExactlyOnce is the acceptance test: the synthetic
// source through one agent to two workspaces with different event sets;
// each holds exactly the events its set admits, none lost, none twice.
func TestTwoWorkspacesExactlyOnce(t *testing.T) {
	count := e2eCount(t, 200_000)
	all, minimal := newFakeWorkspace(t), newFakeWorkspace(t)
	c := syntheticConfig(t.TempDir(), count, 0, destTo("all", all, "All"), destTo("minimal", minimal, "Minimal"))
	start := time.Now()
	runAgent(t, c, 10*time.Minute)
	elapsed := time.Since(start)
	wantAll := expectSynthetic(t, gen(), count, policy(t, "All"))
	wantMin := expectSynthetic(t, gen(), count, policy(t, "Minimal"))
	if wantMin.total() == 0 || wantMin.total() >= wantAll.total() {
		t.Fatalf("oracle: Minimal admits %d of %d events; the test needs a proper subset", wantMin.total(), wantAll.total())
	}
	all.check(t, "workspace All", wantAll)
	minimal.check(t, "workspace Minimal", wantMin)
	t.Logf("%d events read, delivered to two workspaces in %v (%.0f events/s)", count, elapsed, float64(count)/elapsed.Seconds())

	// The status file says everything was delivered.
	st, err := ReadStatus(c.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Streams) != 1 || st.Streams[0].Events != count || st.Streams[0].Bookmark != count {
		b, _ := json.Marshal(st.Streams)
		t.Errorf("stream status %s: want %d events read and bookmarked", b, count)
	}
	for _, d := range st.Destinations {
		if d.Queued != 0 || !d.Healthy {
			t.Errorf("destination %s: queued %d, healthy %v", d.Name, d.Queued, d.Healthy)
		}
	}
	if st.Destinations[0].Sent != uint64(wantAll.total()) {
		t.Errorf("destination all: sent %d, want %d", st.Destinations[0].Sent, wantAll.total())
	}
	// The bookmark file holds the final position.
	b, err := os.ReadFile(filepath.Join(c.DataDir, bookmarksFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bookmarks: %s", b)

	// Running again reads nothing new and sends nothing.
	runAgent(t, c, time.Minute)
	all.check(t, "workspace All after a restart", wantAll)
	minimal.check(t, "workspace Minimal after a restart", wantMin)
}
