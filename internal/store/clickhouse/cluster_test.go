package clickhouse_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"wsec/internal/store"
	"wsec/internal/store/clickhouse"
	"wsec/internal/store/storetest"
	"wsec/internal/testtool"
)

// The cluster the tests share: the one WSEC_CLICKHOUSE_URL names
// (clickhouse://HOST:PORT/DB?shards=...), or a two-shard cluster this test
// binary starts on loopback with scripts/clickhouse-cluster.sh and stops
// when the tests end (TestMain).
var (
	clusterOnce sync.Once
	clusterURL  string
	clusterErr  error
	clusterStop func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	if clusterStop != nil {
		clusterStop()
	}
	os.Exit(code)
}

// cluster returns the store URL of the test cluster, starting it on first
// use; without ClickHouse the test skips (fails under CI).
func cluster(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("WSEC_CLICKHOUSE_URL"); u != "" {
		return u
	}
	testtool.Need(t, testtool.ClickHouseServer, testtool.Curl, testtool.Bash)
	clusterOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wsec-clickhouse-")
		if err != nil {
			clusterErr = err
			return
		}
		base, err := freePortBlock()
		if err != nil {
			clusterErr = err
			return
		}
		script, _ := filepath.Abs("../../../scripts/clickhouse-cluster.sh")
		out, err := exec.Command("bash", script, "start", dir, "2", fmt.Sprint(base)).CombinedOutput()
		clusterStop = func() {
			exec.Command("bash", script, "stop", dir).Run()
			os.RemoveAll(dir)
		}
		if err != nil {
			clusterErr = fmt.Errorf("start cluster: %v\n%s", err, out)
			return
		}
		clusterURL = fmt.Sprintf("clickhouse://127.0.0.1:%d/wsectest?shards=127.0.0.1:%d", base, base+10)
	})
	if clusterErr != nil {
		t.Fatal(clusterErr)
	}
	return clusterURL
}

// freePortBlock finds a base port with base..base+12 free on loopback.
func freePortBlock() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if base > 65000 {
			continue
		}
		free := true
		for _, off := range []int{0, 1, 2, 10, 11, 12} {
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

// Opener opens the test cluster as a store.
func Opener(t *testing.T, cfg storetest.Config) store.Backend {
	o, err := clickhouse.ParseURL(cluster(t))
	if err != nil {
		t.Fatal(err)
	}
	o.Now, o.DefaultRetentionDays = cfg.Now, cfg.RetentionDays
	s, err := clickhouse.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBackendSuite runs the behaviour suite every store backend passes on
// a two-shard cluster.
func TestBackendSuite(t *testing.T) {
	storetest.Run(t, Opener)
}

func TestParseURL(t *testing.T) {
	o, err := clickhouse.ParseURL("clickhouse://ch1:8123/logs?shards=ch2:8123,ch3:8123&cluster=prod")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.Shards, " ") != "http://ch1:8123/ http://ch2:8123/ http://ch3:8123/" || o.Cluster != "prod" || o.Database != "logs" {
		t.Fatalf("%+v", o)
	}
	for _, bad := range []string{"http://ch1:8123/", "clickhouse:///db", "clickhouse://%zz"} {
		if _, err := clickhouse.ParseURL(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
