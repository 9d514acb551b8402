package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/client"
	"wsec/internal/event"
	"wsec/internal/source/synthetic"
	"wsec/internal/store/clickhouse/chtest"
	"wsec/internal/testtool"
)

// TestClickHouseStatelessNodesKill9 runs two `wsec serve` processes on one
// two-shard ClickHouse cluster behind HAProxy, sends events through the
// balancer, and kills (SIGKILL) a serve node twice and a ClickHouse server
// once at random batches, restarting each; the agent retries what was not
// acknowledged. Every event must then be queryable exactly once, through
// either node.
func TestClickHouseStatelessNodesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs server processes; skipped in -short")
	}
	testtool.Need(t, testtool.HAProxy)
	cl := chtest.Start(t)
	t.Cleanup(chtest.Stop)
	if cl.Dir == "" {
		t.Skip("WSEC_CLICKHOUSE_URL names an external cluster; this test kills its servers, so it needs its own")
	}
	const total, batch = 40_000, 2_000

	data := []string{t.TempDir(), t.TempDir()}
	keys, err := auth.Open(data[0], auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := keys.Create(fmt.Sprintf("ch%d", time.Now().UnixNano()%1e9))
	if err != nil {
		t.Fatal(err)
	}
	token := adminToken(t, data[0], ws.ID)
	// The nodes share nothing but the cluster, the workspace keys and the
	// users and tokens.
	for _, name := range []string{"workspaces.json", "access.json"} {
		b, err := os.ReadFile(filepath.Join(data[0], name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data[1], name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	ports := []int{freePort(t), freePort(t)}
	var mu sync.Mutex
	nodes := make([]*exec.Cmd, 2)
	start := func(i int) {
		mu.Lock()
		defer mu.Unlock()
		c := exec.Command(os.Args[0], "serve", "--data", data[i], "--store", cl.URL,
			"--listen", "127.0.0.1:"+strconv.Itoa(ports[i]), "--log-format", "text")
		c.Env = append(os.Environ(), "WSEC_TEST_AS_WSEC=1")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		nodes[i] = c
	}
	kill := func(i int) {
		mu.Lock()
		defer mu.Unlock()
		if nodes[i] != nil {
			nodes[i].Process.Kill()
			nodes[i].Wait()
			nodes[i] = nil
		}
	}
	start(0)
	start(1)
	t.Cleanup(func() { kill(0); kill(1) })

	lb := freePort(t)
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	err = os.WriteFile(cfg, fmt.Appendf(nil, `global
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  retries 3
  option redispatch
frontend wsec
  bind 127.0.0.1:%d
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /healthz
  server n1 127.0.0.1:%d check inter 200 fall 1 rise 2
  server n2 127.0.0.1:%d check inter 200 fall 1 rise 2
`, lb, ports[0], ports[1]), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	hap := exec.Command("haproxy", "-f", cfg, "-db")
	if err := hap.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hap.Process.Kill(); hap.Wait() })

	c, err := client.New("http://127.0.0.1:"+strconv.Itoa(lb), ws.ID, ws.PrimaryKey, client.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	batches := total / batch
	killNode := map[int]bool{}
	for len(killNode) < 2 {
		killNode[1+rand.IntN(batches-2)] = true
	}
	killCH := 1 + rand.IntN(batches-2)
	g := synthetic.New(synthetic.Options{Computer: "CH-FAULT-HOST"})
	var e event.Event
	attempts := 0
	for b := 0; b < batches; b++ {
		var framed []byte
		for i := b * batch; i < (b+1)*batch; i++ {
			g.Event(uint64(i), &e)
			framed = e.AppendFramed(framed)
		}
		if killNode[b] {
			go func() { time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond); kill(0); start(0) }()
		}
		if b == killCH {
			go func() {
				time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
				if err := cl.Kill9(1); err != nil {
					t.Errorf("kill clickhouse shard 2: %v", err)
				}
				time.Sleep(time.Second)
				if err := cl.Restart(); err != nil {
					t.Errorf("restart clickhouse: %v", err)
				}
			}()
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			attempts++
			_, err := c.SendBatch(context.Background(), "ch-agent", uint64(b+1), framed)
			if err == nil {
				break
			}
			if !client.Retryable(err) || time.Now().After(deadline) {
				t.Fatalf("batch %d: %v", b+1, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	var n, d int
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := c.Query(context.Background(), "SecurityEvent | count", "")
		if err == nil {
			n = int(res.Tables[0].Rows[0][0].(float64))
			res, err = c.Query(context.Background(), "SecurityEvent | distinct Channel, Computer, EventRecordID | count", "")
		}
		if err == nil {
			d = int(res.Tables[0].Rows[0][0].(float64))
			if n == total || time.Now().After(deadline) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("query after the faults: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n != total || d != total {
		t.Errorf("after kill -9 of a node twice and a ClickHouse server once: %d rows, %d distinct events; want exactly %d (%d send attempts)", n, d, total, attempts)
	}
	t.Logf("%d events, %d send attempts, node killed at batches %v, shard 2 at batch %d", n, attempts, killNode, killCH)
}
