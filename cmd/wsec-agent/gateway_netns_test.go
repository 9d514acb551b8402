//go:build linux

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"wsec/internal/agent"
	"wsec/internal/filter"
	"wsec/internal/netns"
	"wsec/internal/source/synthetic"
	"wsec/internal/testtool"
)

// The gateway across a real network: agents, gateways, HAProxy and the
// workspace server each in a network namespace, joined by veth pairs, so
// an agent reaches only its gateway (or load balancer). Every scenario
// checks, in the workspace, that each event of the synthetic stream is
// stored exactly once (count, distinct record IDs, min, max, sum per
// channel against the stream itself) and that heartbeats arrived. Needs
// root, ip, tc, nft and haproxy; CI runs it with a small count. Loss and
// delay use tc netem where the kernel has it; where not (ErrNoNetem),
// nftables drops 10 % on the agent's link and a forwarder in the agent's
// namespace holds data 200 ms each way (netns.Delay, which says what that
// does and does not model). The full run (scripts/netns-gateway.sh):
//
//	WSEC_E2E=1 WSEC_NETNS_COUNT=1000000 WSEC_NETNS_CUT=60s go test -run TestGatewayNetns -timeout 2h -v ./cmd/wsec-agent
func TestGatewayNetns(t *testing.T) {
	if os.Getenv("WSEC_E2E") == "" {
		t.Skip("set WSEC_E2E=1 (as .ci/run does) to build wsec (DuckDB, cgo) and run the gateway across network namespaces")
	}
	netns.New(t) // skips (or fails in CI) before building anything
	testtool.Need(t, testtool.TC, testtool.HAProxy)
	count := uint64(20_000)
	if s := os.Getenv("WSEC_NETNS_COUNT"); s != "" {
		count, _ = strconv.ParseUint(s, 10, 64)
	}
	cut := 5 * time.Second
	if s := os.Getenv("WSEC_NETNS_CUT"); s != "" {
		cut, _ = time.ParseDuration(s)
	}
	bin := t.TempDir()
	build(t, bin, "wsec", "./cmd/wsec", true)
	build(t, bin, "wsec-agent", "./cmd/wsec-agent", false)
	g := synthetic.New(synthetic.Options{Seed: 42})
	want := oracle(t, g, count, filter.Policy{Set: filter.SetAll})
	// The stream lasts about 10 s (longer for big counts), so faults land
	// mid-stream.
	rate := max(float64(count)/10, 2000)

	t.Run("gateway killed -9 three times", func(t *testing.T) {
		n := newNetEnv(t, bin)
		gw := n.lab.Host("gw")
		_, wsIP := n.linkWS(gw)
		agNS := n.lab.Host("ag")
		_, gwAgIP, _, _ := n.lab.Link(agNS, gw)
		gwp := n.gateway(gw, "gw", wsIP)
		a := n.agent(agNS, "ag", "agent-1", "http://"+gwAgIP+":8081", count, rate)
		for i := range 3 {
			time.Sleep(time.Duration(1500+700*i) * time.Millisecond)
			gwp.Process.Signal(syscall.SIGKILL)
			gwp.Wait()
			t.Logf("gateway killed -9 (%d)", i+1)
			gwp = n.gateway(gw, "gw", wsIP)
		}
		n.waitAgent(a)
		n.check(want)
	})

	t.Run("gateway to workspace link cut", func(t *testing.T) {
		n := newNetEnv(t, bin)
		gw := n.lab.Host("gw")
		_, wsIP := n.linkWS(gw)
		agNS := n.lab.Host("ag")
		_, gwAgIP, _, _ := n.lab.Link(agNS, gw)
		n.gateway(gw, "gw", wsIP)
		// Heartbeats pass through live, never stored: with a large count
		// the agent's whole run lies inside the cut, and none can arrive.
		n.noHeartbeatOK = true
		a := n.agent(agNS, "ag", "agent-1", "http://"+gwAgIP+":8081", count, rate)
		time.Sleep(2 * time.Second)
		n.lab.SetLink(gw, n.wsDev[gw], false)
		t.Logf("gateway-workspace link down for %v", cut)
		time.Sleep(cut)
		n.lab.SetLink(gw, n.wsDev[gw], true)
		n.waitAgent(a)
		n.check(want)
	})

	t.Run("one of two gateways behind HAProxy killed", func(t *testing.T) {
		n := newNetEnv(t, bin)
		lb, agNS := n.lab.Host("lb"), n.lab.Host("ag")
		var backends []string
		var gws []*exec.Cmd
		var names []string
		for i := range 2 {
			gw := n.lab.Host(fmt.Sprintf("gw%d", i+1))
			_, wsIP := n.linkWS(gw)
			_, gwIP, _, _ := n.lab.Link(lb, gw)
			gws = append(gws, n.gateway(gw, fmt.Sprintf("gw%d", i+1), wsIP))
			names = append(names, gw)
			backends = append(backends, gwIP+":8081")
		}
		_, lbIP, _, _ := n.lab.Link(agNS, lb)
		n.haproxy(lb, lbIP+":8081", backends)
		a := n.agent(agNS, "ag", "agent-1", "http://"+lbIP+":8081", count, rate)
		time.Sleep(3 * time.Second)
		gws[0].Process.Signal(syscall.SIGKILL)
		gws[0].Wait()
		t.Log("gateway 1 killed -9; the agent goes on through gateway 2")
		n.waitAgent(a)
		// What gateway 1 had acknowledged and not yet forwarded is in its
		// spool: it goes out when gateway 1 starts again.
		n.gateway(names[0], "gw1", n.wsIPs[names[0]])
		n.check(want)
	})

	t.Run("10 percent loss and 200 ms delay on the agent link", func(t *testing.T) {
		n := newNetEnv(t, bin)
		gw := n.lab.Host("gw")
		_, wsIP := n.linkWS(gw)
		agNS := n.lab.Host("ag")
		_, gwAgIP, agDev, gwDev := n.lab.Link(agNS, gw)
		gwURL := "http://" + gwAgIP + ":8081"
		err := n.lab.Netem(agNS, agDev, "delay", "200ms", "loss", "10%")
		switch {
		case errors.Is(err, netns.ErrNoNetem):
			t.Logf("%v: 10%% loss each way on the agent's link by nftables, and 200 ms each way by a delaying forwarder in the agent's namespace (netns.Delay)", err)
			n.lab.Drop(agNS, agDev, 10)
			n.lab.Drop(gw, gwDev, 10)
			gwURL = "http://" + n.lab.Delay(agNS, "127.0.0.1:0", gwAgIP+":8081", 200*time.Millisecond)
		case err != nil:
			t.Fatal(err)
		default:
			if err := n.lab.Netem(gw, gwDev, "loss", "10%"); err != nil {
				t.Fatal(err)
			}
		}
		n.gateway(gw, "gw", wsIP)
		a := n.agent(agNS, "ag", "agent-1", gwURL, count, rate)
		n.waitAgent(a)
		n.check(want)
	})

	t.Run("two agents ship the same events through different gateways", func(t *testing.T) {
		n := newNetEnv(t, bin)
		var agents []*exec.Cmd
		for i := range 2 {
			gw := n.lab.Host(fmt.Sprintf("gw%d", i+1))
			_, wsIP := n.linkWS(gw)
			agNS := n.lab.Host(fmt.Sprintf("ag%d", i+1))
			_, gwAgIP, _, _ := n.lab.Link(agNS, gw)
			n.gateway(gw, fmt.Sprintf("gw%d", i+1), wsIP)
			agents = append(agents, n.agent(agNS, fmt.Sprintf("ag%d", i+1), fmt.Sprintf("agent-%d", i+1), "http://"+gwAgIP+":8081", count, rate))
		}
		for _, a := range agents {
			n.waitAgent(a)
		}
		n.check(want)
	})

	t.Run("proxy mode", func(t *testing.T) {
		curl := testtool.Need(t, testtool.Curl)[0]
		n := newNetEnv(t, bin)
		n.tls = true
		gw := n.lab.Host("gw")
		_, wsIP := n.linkWS(gw)
		agNS := n.lab.Host("ag")
		_, gwAgIP, _, _ := n.lab.Link(agNS, gw)
		if out, err := n.lab.Command(agNS, curl, "-sS", "--max-time", "3", "--cacert", n.caFile, "https://"+wsIP+":8443/healthz").CombinedOutput(); err == nil {
			t.Fatalf("the agent's namespace reaches the workspace directly: %s", out)
		}
		n.start(gw, "proxy", filepath.Join(bin, "wsec"), "gateway", "--mode", "proxy", "--listen", "0.0.0.0:3128",
			"--allow", wsIP+":8443", "--log-format", "text")
		proxy := "http://" + gwAgIP + ":3128"
		waitTCP(t, n.lab, agNS, curl, proxy)
		out, _ := n.lab.Command(agNS, curl, "-s", "-o", "/dev/null", "-w", "%{http_connect}", "--max-time", "5",
			"-x", proxy, "https://"+gwAgIP+":3128/").CombinedOutput()
		if strings.TrimSpace(string(out)) != "403" {
			t.Errorf("CONNECT to a host not on the allow-list answered %q, want 403", out)
		}
		small := min(count, 20_000)
		a := n.agentCfg(agNS, "ag", agent.DestinationConfig{Name: "ws", URL: "https://" + wsIP + ":8443", Proxy: proxy, CAFile: n.caFile},
			"agent-1", small, max(float64(small)/10, 2000))
		n.waitAgent(a)
		n.check(oracle(t, g, small, filter.Policy{Set: filter.SetAll}))
	})
}

// netEnv is one scenario: a workspace server in namespace "ws", and the
// processes the scenario started (killed when it ends).
type netEnv struct {
	t      *testing.T
	lab    *netns.Lab
	bin    string
	dir    string
	wsNS   string
	ws     workspace
	tls    bool
	caFile string
	server *exec.Cmd
	wsDev  map[string]string // namespace → its device on the link to ws
	wsIPs  map[string]string // namespace → the workspace's address on that link
	procs  []*exec.Cmd

	noHeartbeatOK bool // the gateway could not reach the workspace while the agent ran
}

func newNetEnv(t *testing.T, bin string) *netEnv {
	n := &netEnv{t: t, lab: netns.New(t), bin: bin, dir: t.TempDir(), wsDev: map[string]string{}, wsIPs: map[string]string{}}
	n.wsNS = n.lab.Host("ws")
	data := filepath.Join(n.dir, "server")
	n.wsec("workspace", "create", "--data", data, "--name", "site")
	var wss []workspace
	if err := json.Unmarshal(n.wsec("workspace", "list", "--data", data, "--json", "--show-keys"), &wss); err != nil {
		t.Fatal(err)
	}
	n.ws = wss[0]
	n.ws.Token = adminToken(t, n.wsec, data, n.ws)
	t.Cleanup(n.stopAll)
	return n
}

func (n *netEnv) wsec(args ...string) []byte {
	n.t.Helper()
	out, err := exec.Command(filepath.Join(n.bin, "wsec"), args...).Output()
	if err != nil {
		n.t.Fatalf("wsec %v: %v", args, err)
	}
	return out
}

// linkWS links ns to the workspace's namespace, starting the server on
// the first call, and returns ns's and the workspace's addresses.
func (n *netEnv) linkWS(ns string) (nsIP, wsIP string) {
	nsIP, wsIP, dev, _ := n.lab.Link(ns, n.wsNS)
	n.wsDev[ns], n.wsIPs[ns] = dev, wsIP
	if n.server == nil {
		args := []string{"serve", "--data", filepath.Join(n.dir, "server"), "--log-format", "text"}
		if n.tls {
			cert, key := n.certificate(wsIP)
			args = append(args, "--listen", "0.0.0.0:8443", "--tls-cert", cert, "--tls-key", key)
		} else {
			args = append(args, "--listen", "0.0.0.0:8080")
		}
		n.server = n.start(n.wsNS, "serve", filepath.Join(n.bin, "wsec"), args...)
		for i := 0; ; i++ {
			if _, err := n.query("SecurityEvent | count"); err == nil {
				break
			} else if i == 600 {
				n.t.Fatalf("workspace server did not answer: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nsIP, wsIP
}

// certificate writes a self-signed certificate for ip (also the CA the
// agent pins).
func (n *netEnv) certificate(ip string) (certFile, keyFile string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wsec test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP(ip), net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		n.t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(n.dir, "ws.pem"), filepath.Join(n.dir, "ws.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	n.caFile = certFile
	return certFile, keyFile
}

// start runs a program in ns, its output in <name>.log.
func (n *netEnv) start(ns, name, prog string, args ...string) *exec.Cmd {
	n.t.Helper()
	log, err := os.OpenFile(filepath.Join(n.dir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		n.t.Fatal(err)
	}
	c := n.lab.Command(ns, prog, args...)
	c.Stdout, c.Stderr = log, log
	if err := c.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.procs = append(n.procs, c)
	return c
}

func (n *netEnv) stopAll() {
	for _, c := range n.procs {
		if c.ProcessState == nil {
			c.Process.Signal(syscall.SIGKILL)
			c.Wait()
		}
	}
	if n.t.Failed() {
		logs, _ := filepath.Glob(filepath.Join(n.dir, "*.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			n.t.Logf("--- %s (tail)\n%s", filepath.Base(l), b)
		}
	}
}

// gateway starts a relay in ns (data in <name>), forwarding to the
// workspace at wsIP.
func (n *netEnv) gateway(ns, name, wsIP string) *exec.Cmd {
	return n.start(ns, name, filepath.Join(n.bin, "wsec"), "gateway", "--mode", "relay", "--listen", "0.0.0.0:8081",
		"--data", filepath.Join(n.dir, name), "--upstream", n.ws.ID+"=http://"+wsIP+":8080", "--log-format", "text")
}

// haproxy balances listen over backends (round robin, health-checked).
func (n *netEnv) haproxy(ns, listen string, backends []string) {
	cfg := "global\n  maxconn 1000\ndefaults\n  mode http\n  timeout connect 2s\n  timeout client 2m\n  timeout server 2m\n  retries 3\n  option redispatch\n" +
		"frontend agents\n  bind " + listen + "\n  default_backend gateways\nbackend gateways\n  balance roundrobin\n  option httpchk GET /healthz\n"
	for i, b := range backends {
		cfg += fmt.Sprintf("  server gw%d %s check inter 500ms fall 2 rise 2\n", i+1, b)
	}
	path := filepath.Join(n.dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		n.t.Fatal(err)
	}
	n.start(ns, "haproxy", testtool.Need(n.t, testtool.HAProxy)[0], "-db", "-f", path)
}

// agent starts a wsec-agent in ns shipping count synthetic events (seed
// 42, so every agent sends the same events) through the relay at gateway.
func (n *netEnv) agent(ns, name, id, gateway string, count uint64, rate float64) *exec.Cmd {
	return n.agentCfg(ns, name, agent.DestinationConfig{Name: "ws", URL: "http://" + n.anyWSIP() + ":8080", Gateway: gateway}, id, count, rate)
}

func (n *netEnv) anyWSIP() string {
	for _, ip := range n.wsIPs {
		return ip
	}
	return ""
}

func (n *netEnv) agentCfg(ns, name string, d agent.DestinationConfig, id string, count uint64, rate float64) *exec.Cmd {
	d.Workspace, d.Key, d.EventSet = n.ws.ID, n.ws.PrimaryKey, "All"
	cfg := agent.Config{
		AgentID: id, DataDir: filepath.Join(n.dir, name), Computer: "SRV-APP01",
		Sources:      []agent.SourceConfig{{Kind: agent.KindSynthetic, Count: count, Rate: rate, Seed: 42}},
		Destinations: []agent.DestinationConfig{d}, ExitWhenDone: true,
		LogFile: filepath.Join(n.dir, name+"-agent.log"), HeartbeatInterval: agent.Duration(2 * time.Second),
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	path := filepath.Join(n.dir, name+".json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		n.t.Fatal(err)
	}
	return n.start(ns, name, filepath.Join(n.bin, "wsec-agent"), "run", "--config", path)
}

// waitAgent waits for an agent to exit after delivering everything (to
// its gateway).
func (n *netEnv) waitAgent(a *exec.Cmd) {
	n.t.Helper()
	start := time.Now()
	if err := a.Wait(); err != nil {
		n.t.Fatalf("agent: %v", err)
	}
	n.t.Logf("agent done in %v", time.Since(start).Round(time.Millisecond))
}

// check waits (bounded) until the workspace holds as many events as want,
// then compares it with want channel by channel.
func (n *netEnv) check(want map[string]channelSummary) {
	n.t.Helper()
	var total uint64
	for _, w := range want {
		total += w.N
	}
	var got map[string]channelSummary
	for i := 0; ; i++ {
		var err error
		got, err = n.summary()
		var sum uint64
		for _, s := range got {
			sum += s.N
		}
		if err == nil && sum >= total {
			break
		}
		if i == 1800 {
			n.t.Fatalf("workspace holds %d of %d events after 3 minutes (%v): %+v", sum, total, err, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a late duplicate would land now
	got, _ = n.summary()
	for ch, w := range want {
		if got[ch] != w {
			n.t.Errorf("%s: workspace holds %+v, want %+v (n: events, distinct: record IDs)", ch, got[ch], w)
		}
	}
	if len(got) != len(want) {
		n.t.Errorf("channels %v, want %v", got, want)
	}
	var stored, distinct uint64
	for _, g := range got {
		stored, distinct = stored+g.N, distinct+g.Distinct
	}
	n.t.Logf("workspace: %+v", got)
	n.t.Logf("sent %d, stored %d, distinct %d: lost %d, duplicated %d", total, stored, distinct, int64(total)-int64(distinct), stored-distinct)
	// Heartbeats are not stored by a relay but passed through live; the
	// agents send one every 2 s.
	if rows, err := n.query("Heartbeat | count"); err != nil || len(rows) != 1 || fmt.Sprint(rows[0][0]) == "0" && !n.noHeartbeatOK {
		n.t.Errorf("no heartbeat reached the workspace through the gateway: %v %v", rows, err)
	}
}

func (n *netEnv) query(kql string) ([][]any, error) {
	url := "http://127.0.0.1:8080"
	if n.tls {
		url = "https://127.0.0.1:8443"
	}
	c := n.lab.Command(n.wsNS, filepath.Join(n.bin, "wsec"), "query", "--url", url,
		"--workspace", n.ws.ID, "--token", n.ws.Token, "--format", "json", kql)
	c.Env = append(os.Environ(), "SSL_CERT_FILE="+n.caFile) // Go's roots on Linux
	out, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("wsec query: %v: %s", err, out)
	}
	var res struct {
		Tables []struct{ Rows [][]any } `json:"tables"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Tables) == 0 {
		return nil, fmt.Errorf("wsec query answered %q: %v", out, err)
	}
	return res.Tables[0].Rows, nil
}

func (n *netEnv) summary() (map[string]channelSummary, error) {
	rows, err := n.query("SecurityEvent | summarize n=count(), d=dcount(EventRecordID), lo=min(EventRecordID), hi=max(EventRecordID), s=sum(EventRecordID) by Channel")
	if err != nil {
		return nil, err
	}
	out := map[string]channelSummary{}
	num := func(v any) uint64 { f, _ := strconv.ParseFloat(fmt.Sprint(v), 64); return uint64(f) }
	for _, row := range rows {
		out[fmt.Sprint(row[0])] = channelSummary{num(row[1]), num(row[2]), num(row[3]), num(row[4]), num(row[5])}
	}
	return out, nil
}

// waitTCP waits until the proxy answers from ns.
func waitTCP(t *testing.T, lab *netns.Lab, ns, curl, url string) {
	for i := 0; ; i++ {
		if lab.Command(ns, curl, "-s", "-o", "/dev/null", "--max-time", "1", url+"/healthz").Run() == nil {
			return
		}
		if i == 100 {
			t.Fatalf("nothing answers at %s", url)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
