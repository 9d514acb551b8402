package agent

import (
	"context"
	"os"
	"testing"
	"time"
)

// outage is how long the workspace is down in TestWorkspaceOutage:
// WSEC_AGENT_OUTAGE (e.g. 30s, the acceptance run) or 3 s.
func outage(t *testing.T) time.Duration {
	if s := os.Getenv("WSEC_AGENT_OUTAGE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("WSEC_AGENT_OUTAGE=%q: %v", s, err)
		}
		return d
	}
	return 3 * time.Second
}

// startAgent runs the agent in the background; the returned function
// waits for it to finish (it fails the test after limit).
func startAgent(t *testing.T, c *Config, limit time.Duration) (wait func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Config: c, Logger: testLogger(t)}) }()
	return func() {
		t.Helper()
		defer cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("the agent did not deliver everything within %v", limit)
		}
	}
}

// TestWorkspaceOutage stops one workspace mid-stream; the other keeps
// receiving meanwhile; when the first is back both hold exactly their
// events.
func TestWorkspaceOutage(t *testing.T) {
	down := outage(t)
	count := e2eCount(t, 60_000)
	a, b := newFakeWorkspace(t), newFakeWorkspace(t)
	// Paced: the source is still being read during the whole outage.
	rate := float64(count) / (down.Seconds() + 4)
	c := syntheticConfig(t.TempDir(), count, rate, destTo("a", a, "All"), destTo("b", b, "Minimal"))
	wait := startAgent(t, c, 10*time.Minute+2*down)
	a.waitCount(t, int(count/10), time.Minute)
	a.down()
	atDown := b.count()
	t.Logf("workspace a down for %v after %d events; b holds %d", down, a.count(), atDown)
	time.Sleep(down) // the outage itself
	atUp := b.count()
	a.up()
	t.Logf("workspace a up again; b received %d events meanwhile", atUp-atDown)
	if atUp <= atDown {
		t.Errorf("workspace b received nothing while a was down: a down workspace held the other back")
	}
	wait()
	a.check(t, "workspace a (down for a while)", expectSynthetic(t, gen(), count, policy(t, "All")))
	b.check(t, "workspace b", expectSynthetic(t, gen(), count, policy(t, "Minimal")))
}

// TestSpoolFullStopsReading: the only workspace is down and the spool
// fills up; the agent stops reading (the position and the bookmark stay
// behind) rather than drop anything, and delivers everything exactly once
// when the workspace is back.
func TestSpoolFullStopsReading(t *testing.T) {
	count := e2eCount(t, 40_000)
	w := newFakeWorkspace(t)
	w.down()
	c := syntheticConfig(t.TempDir(), count, 0, destTo("w", w, "All"))
	c.SpoolMaxBytes = 512 << 10 // about 900 events
	wait := startAgent(t, c, 5*time.Minute)
	st := waitStatus(t, c.DataDir, func(st Status) bool { return len(st.Destinations) == 1 && st.Destinations[0].Detached })
	pos := st.Streams[0].Position
	if pos >= count || st.Streams[0].Bookmark != 0 {
		t.Fatalf("with the spool full the stream read up to %d of %d, bookmark %d: want reading stopped and the bookmark at 0", pos, count, st.Streams[0].Bookmark)
	}
	t.Logf("spool full: detached after reading %d events (%s), bookmark %d", pos, st.Destinations[0].DetachedReason, st.Streams[0].Bookmark)
	// Reading stays stopped: two status updates later the position is the same.
	later := waitStatus(t, c.DataDir, func(s Status) bool { return s.Updated.After(st.Updated.Add(400 * time.Millisecond)) })
	if later.Streams[0].Position != pos {
		t.Errorf("the stream went on reading (%d -> %d) while every spool was full", pos, later.Streams[0].Position)
	}
	w.up()
	wait()
	w.check(t, "workspace", expectSynthetic(t, gen(), count, policy(t, "All")))
}

// TestFullSpoolDoesNotHoldOthersBack: one destination's spool fills while
// its workspace is down; the other destination gets everything; when the
// first is back the sources are re-read for it and it catches up, and
// neither gets anything twice.
func TestFullSpoolDoesNotHoldOthersBack(t *testing.T) {
	count := e2eCount(t, 40_000)
	slow, fast := newFakeWorkspace(t), newFakeWorkspace(t)
	slow.down()
	small := destTo("slow", slow, "All")
	small.SpoolMaxBytes = 512 << 10
	c := syntheticConfig(t.TempDir(), count, 0, small, destTo("fast", fast, "Common"))
	wait := startAgent(t, c, 5*time.Minute)
	wantFast := expectSynthetic(t, gen(), count, policy(t, "Common"))
	fast.waitCount(t, wantFast.total(), 2*time.Minute)
	st := waitStatus(t, c.DataDir, func(st Status) bool { return st.Streams[0].Position == count })
	if !st.Destinations[0].Detached || st.Streams[0].Bookmark >= count {
		t.Fatalf("slow destination detached %v, bookmark %d: want detached and the bookmark behind", st.Destinations[0].Detached, st.Streams[0].Bookmark)
	}
	slow.up()
	wait()
	slow.check(t, "workspace slow", expectSynthetic(t, gen(), count, policy(t, "All")))
	fast.check(t, "workspace fast", wantFast)
}

// waitStatus polls the status file until ok.
func waitStatus(t *testing.T, dataDir string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if st, err := ReadStatus(dataDir); err == nil && ok(st) {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	st, err := ReadStatus(dataDir)
	t.Fatalf("status never reached the expected state; last: %+v (%v)", st, err)
	return st
}
