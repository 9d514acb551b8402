package agent

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSteadyState measures the agent's cost at a steady 1,000 events/s:
// the agent runs as its own process (this test binary in child mode)
// against a fake workspace in this process, and its CPU time and resident
// memory are read from /proc. It reports, it does not assert:
//
//	WSEC_AGENT_STEADY=60s go test -run TestSteadyState -v ./internal/agent
func TestSteadyState(t *testing.T) {
	s := os.Getenv("WSEC_AGENT_STEADY")
	if s == "" {
		t.Skip("set WSEC_AGENT_STEADY=60s to measure CPU and RSS at 1,000 events/s")
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	w := newFakeWorkspace(t)
	c := syntheticConfig(t.TempDir(), 0, 1000, destTo("w", w, "All"))
	c.ExitWhenDone = false
	c.FlushInterval = 0 // the default, 1 s
	c.StatusInterval, c.BookmarkInterval = 0, 0
	cmd := startChild(t, c, "steady")
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	pid := cmd.Process.Pid
	time.Sleep(5 * time.Second) // warm up: start, first rules, first batches
	cpu0, _ := procCPU(t, pid)
	n0, t0 := w.count(), time.Now()
	var maxRSS int64
	for time.Since(t0) < dur {
		time.Sleep(time.Second)
		if rss := procRSS(t, pid, "VmRSS:"); rss > maxRSS {
			maxRSS = rss
		}
	}
	cpu1, tick := procCPU(t, pid)
	elapsed := time.Since(t0)
	n := w.count() - n0
	cpuSec := float64(cpu1-cpu0) / tick
	t.Logf("%.0f events/s delivered over %v; agent CPU %.2fs = %.2f%% of one core; RSS max %.1f MB (VmHWM %.1f MB)",
		float64(n)/elapsed.Seconds(), elapsed.Round(time.Second), cpuSec, 100*cpuSec/elapsed.Seconds(),
		float64(maxRSS)/1024, float64(procRSS(t, pid, "VmHWM:"))/1024)
	if n == 0 {
		t.Errorf("no event delivered in %v at 1,000 events/s: nothing was measured", elapsed.Round(time.Second))
	}
}

// procCPU returns utime+stime of pid in clock ticks, and ticks per second.
func procCPU(t *testing.T, pid int) (uint64, float64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command (which is in parentheses and may hold spaces).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return ut + st, 100 // USER_HZ is 100 on Linux
}

// procRSS returns a /proc/<pid>/status field in KiB.
func procRSS(t *testing.T, pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return 0
}
