// Package chtest gives tests a ClickHouse cluster: the one
// WSEC_CLICKHOUSE_URL names, or two shards this test binary starts on
// loopback with scripts/clickhouse-cluster.sh (own configs, ports and data
// under a temporary directory). Without clickhouse-server the test skips,
// or fails under CI (testtool).
package chtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"wsec/internal/testtool"
)

// Cluster is a running test cluster.
type Cluster struct {
	// URL is the --store value: clickhouse://HOST:PORT/wsectest?shards=...
	URL string
	// Dir holds the servers' configs and data; empty for an external one.
	Dir    string
	script string
	base   int
	shards int
}

var (
	once    sync.Once
	started *Cluster
	err     error
)

// Start returns the shared cluster, starting it on first use. Call Stop
// from TestMain when the tests end.
func Start(t testing.TB) *Cluster {
	t.Helper()
	if u := os.Getenv("WSEC_CLICKHOUSE_URL"); u != "" {
		return &Cluster{URL: u}
	}
	testtool.Need(t, testtool.ClickHouseServer, testtool.Curl, testtool.Bash)
	once.Do(func() {
		started, err = New(2)
	})
	if err != nil {
		t.Fatal(err)
	}
	return started
}

// New starts a cluster of its own with the given number of shards (one
// server each), for a test that needs another shape than Start's two
// shards. Close stops it. The caller checks testtool.ClickHouseServer.
func New(shards int) (*Cluster, error) {
	c := &Cluster{shards: shards}
	var err error
	if c.Dir, err = os.MkdirTemp("", "wsec-clickhouse-"); err != nil {
		return nil, err
	}
	if c.base, err = freePortBlock(shards); err != nil {
		return nil, err
	}
	if c.script, err = scriptPath(); err != nil {
		return nil, err
	}
	if err = c.Restart(); err != nil {
		return c, err
	}
	c.URL = fmt.Sprintf("clickhouse://127.0.0.1:%d/wsectest", c.base)
	for i := 1; i < shards; i++ {
		sep := "?shards="
		if i > 1 {
			sep = ","
		}
		c.URL += fmt.Sprintf("%s127.0.0.1:%d", sep, c.base+10*i)
	}
	return c, nil
}

// Close stops a cluster New started and removes its data.
func (c *Cluster) Close() {
	exec.Command("bash", c.script, "stop", c.Dir).Run()
	os.RemoveAll(c.Dir)
}

// Restart starts every server of the cluster that is not running.
func (c *Cluster) Restart() error {
	out, err := exec.Command("bash", c.script, "start", c.Dir, strconv.Itoa(c.shards), strconv.Itoa(c.base)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("start clickhouse cluster: %v\n%s", err, out)
	}
	return nil
}

// Kill9 kills shard i's server (0-based) with SIGKILL.
func (c *Cluster) Kill9(i int) error {
	b, err := os.ReadFile(filepath.Join(c.Dir, fmt.Sprintf("s%d", i), "pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(string(trimNL(b)))
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	// Not our child (the script started it): wait until it is gone, so a
	// restart does not find it alive.
	for range 200 {
		if syscall.Kill(pid, 0) != nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("clickhouse server %d still alive 10 s after SIGKILL", pid)
}

// CPU is the processor time (user and system) the cluster's servers have
// used since they started; ok is false for an external cluster.
func (c *Cluster) CPU() (d time.Duration, ok bool) {
	if c.Dir == "" {
		return 0, false
	}
	for i := 0; ; i++ {
		b, err := os.ReadFile(filepath.Join(c.Dir, fmt.Sprintf("s%d", i), "pid"))
		if err != nil {
			return d, i > 0
		}
		stat, err := os.ReadFile("/proc/" + string(trimNL(b)) + "/stat")
		if err != nil {
			return 0, false
		}
		// Fields after the command (which may hold spaces): state is the
		// first, utime and stime the 12th and 13th.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 {
			return 0, false
		}
		ut, err1 := strconv.ParseInt(f[11], 10, 64)
		st, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		d += time.Duration(ut+st) * time.Second / clockTicks
	}
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times
// (100 on every Linux port Go supports).
const clockTicks = 100

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Stop stops the cluster Start started, if any, and removes its data.
func Stop() {
	if started == nil || started.script == "" {
		return
	}
	started.Close()
}

// scriptPath finds scripts/clickhouse-cluster.sh above the working
// directory.
func scriptPath() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "scripts", "clickhouse-cluster.sh")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("scripts/clickhouse-cluster.sh not found above the working directory")
		}
		dir = parent
	}
}

// freePortBlock finds a base port with the three ports of each of shards
// servers (base+10*i+0..2) free on loopback.
func freePortBlock(shards int) (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if base > 65000-10*shards {
			continue
		}
		free := true
		for off := 0; off < 10*shards && free; off++ {
			if off%10 > 2 {
				continue
			}
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+off))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no free block of ports on 127.0.0.1")
}
