package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/diskspace/diskspacetest"
)

// TestSpoolDiskFullRecovers runs the agent on a small real filesystem (a
// tmpfs; root only) that fills up while the workspace is down: the
// destination detaches at the spool's free-space reserve (bookmarks and
// status still get written), takes events again by itself once space is
// freed — without a restart — and delivers everything exactly once.
func TestSpoolDiskFullRecovers(t *testing.T) {
	mnt := diskspacetest.Tmpfs(t, "24m")
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 18<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	const count = 20_000 // fixed (not shortened by -short): the spool must outgrow the free space
	w := newFakeWorkspace(t)
	w.down()
	c := syntheticConfig(filepath.Join(mnt, "data"), count, 0, destTo("w", w, "All"))
	c.SpoolMinFreeBytes = 4 << 20
	wait := startAgent(t, c, 5*time.Minute)
	st := waitStatus(t, c.DataDir, func(st Status) bool { return len(st.Destinations) == 1 && st.Destinations[0].Detached })
	pos := st.Streams[0].Position
	if pos >= count || !strings.Contains(st.Destinations[0].DetachedReason, "reserve") {
		t.Fatalf("disk full: read %d of %d, detached because %q; want reading stopped at the reserve", pos, count, st.Destinations[0].DetachedReason)
	}
	t.Logf("disk full after reading %d events: %s", pos, st.Destinations[0].DetachedReason)
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	// The workspace is still down: the agent resumes spooling on its own.
	st = waitStatus(t, c.DataDir, func(st Status) bool { return st.Streams[0].Position > pos && !st.Destinations[0].Detached })
	t.Logf("space freed: reading again, at %d", st.Streams[0].Position)
	w.up()
	wait()
	w.check(t, "workspace", expectSynthetic(t, gen(), count, policy(t, "All")))
}
