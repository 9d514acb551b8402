package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/server"
)

// An agent that reaches the workspace only through the proxy delivers a
// batch over end-to-end TLS; a host not on the allow-list is refused, and
// so is plain HTTP.
func TestProxyAllowList(t *testing.T) {
	ws := newWorkspace(t, wsA)
	ws.srv.Close()
	ws.srv = httptest.NewTLSServer(ws.srv.Config.Handler)
	t.Cleanup(ws.srv.Close)
	other := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(other.Close)

	reg := prometheus.NewRegistry()
	p, err := NewProxy(ProxyOptions{Allow: []string{strings.TrimPrefix(ws.srv.URL, "https://")}, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, err := server.New(server.Options{Connect: p, Registerer: reg, Gatherer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ps := httptest.NewServer(s.Handler())
	t.Cleanup(ps.Close)
	pu, _ := url.Parse(ps.URL)
	roots := x509.NewCertPool()
	roots.AddCert(ws.srv.Certificate())
	roots.AddCert(other.Certificate())
	ag := newAgent(t, ws.w, "agent-1")
	ag.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: roots}}}

	if st, body, _ := ag.send(ws.srv.URL, 1, 0, 100); st != http.StatusOK {
		t.Fatalf("batch through the proxy: %d %s", st, body)
	}
	if n := ws.store.distinct(); n != 100 {
		t.Fatalf("workspace holds %d events, want 100", n)
	}
	if st, body, _ := ag.send(other.URL, 2, 100, 200); st != 0 || !strings.Contains(body, "Forbidden") {
		t.Errorf("host not on the allow-list: %d %s, want the CONNECT refused (403)", st, body)
	}
	plain := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
	resp, err := plain.Get(strings.Replace(ws.srv.URL, "https:", "http:", 1) + "/v1/workspaces/" + wsA + "/rules")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || ws.gets.Load() != 0 {
		t.Errorf("plain HTTP through the proxy: %d, workspace saw %d requests; want it refused, not forwarded", resp.StatusCode, ws.gets.Load())
	}
	if !p.Allowed(strings.ToUpper(strings.TrimPrefix(ws.srv.URL, "https://"))) || p.Allowed("example.com:443") {
		t.Error("Allowed: names must compare case-insensitively and only listed hosts pass")
	}
}
