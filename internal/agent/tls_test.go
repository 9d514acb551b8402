package agent

import (
	"context"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// connectProxy is an HTTP proxy that only tunnels (CONNECT), as corporate
// proxies in front of TLS endpoints do; it counts the tunnels.
type connectProxy struct{ tunnels atomic.Int64 }

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	up, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	p.tunnels.Add(1)
	w.WriteHeader(http.StatusOK)
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	go func() {
		io.Copy(up, buf)
		up.Close()
	}()
	io.Copy(conn, up)
	conn.Close()
}

// TestTLSPinnedCAThroughProxy: the workspace speaks TLS with a certificate
// from a private CA that the agent pins, and is reached through a
// CONNECT proxy. Batches, heartbeats and rule polls all take that path.
func TestTLSPinnedCAThroughProxy(t *testing.T) {
	w := newFakeWorkspace(t)
	srv := httptest.NewUnstartedServer(w.mux)
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{}
	proxy := httptest.NewServer(p)
	defer proxy.Close()

	count := uint64(5000)
	d := DestinationConfig{Name: "tls", URL: srv.URL, Workspace: w.ws.ID, Key: w.ws.PrimaryKey, EventSet: "All", CAFile: ca, Proxy: proxy.URL}
	c := syntheticConfig(t.TempDir(), count, 0, d)
	c.Groups = []string{"servers"}
	runAgent(t, c, 2*time.Minute)
	w.check(t, "TLS workspace", expectSynthetic(t, gen(), count, policy(t, "All")))
	if p.tunnels.Load() == 0 {
		t.Error("nothing went through the proxy")
	}
	if _, ok := w.lastHeartbeat(); !ok {
		t.Error("no heartbeat arrived over TLS")
	}

	// Without the pinned CA the workspace's certificate is not trusted:
	// nothing is delivered, the destination reports the TLS error, and
	// the events wait in the spool.
	w2 := newFakeWorkspace(t)
	srv2 := httptest.NewUnstartedServer(w2.mux)
	srv2.StartTLS()
	defer srv2.Close()
	c2 := syntheticConfig(t.TempDir(), 100, 0, DestinationConfig{Name: "untrusted", URL: srv2.URL, Workspace: w2.ws.ID, Key: w2.ws.PrimaryKey})
	c2.ExitWhenDone = false
	wait := startAgentCancel(t, c2)
	st := waitStatus(t, c2.DataDir, func(s Status) bool { return len(s.Destinations) == 1 && s.Destinations[0].LastError != "" })
	wait()
	if w2.count() != 0 || st.Destinations[0].Queued == 0 {
		t.Errorf("untrusted certificate: workspace holds %d, queued %d, error %q", w2.count(), st.Destinations[0].Queued, st.Destinations[0].LastError)
	}
	t.Logf("untrusted workspace: %s", st.Destinations[0].LastError)
}

// startAgentCancel runs the agent until the returned function cancels it.
func startAgentCancel(t *testing.T, c *Config) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Config: c, Logger: testLogger(t)}) }()
	return func() {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
