package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type routesFunc func(mux *http.ServeMux)

func (f routesFunc) Register(mux *http.ServeMux) { f(mux) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// In-flight requests finish during shutdown; Serve returns once they did.
func TestServeGracefulShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	routes := routesFunc(func(mux *http.ServeMux) {
		mux.HandleFunc("POST /slow", func(w http.ResponseWriter, r *http.Request) {
			close(entered)
			<-release
			WriteJSON(w, http.StatusOK, map[string]int{"stored": 1})
		})
	})
	s, err := New(Options{Addr: "127.0.0.1:0"}, routes)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	if ip := addr.(*net.TCPAddr).IP; !ip.IsLoopback() {
		t.Fatalf("listening on %v", addr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	got := make(chan int, 1)
	go func() {
		resp, err := client.Post("http://"+addr.String()+"/slow", "application/json", nil)
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-entered
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v while a request was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if st := <-got; st != http.StatusOK {
		t.Fatalf("in-flight request got %d during shutdown, want 200", st)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
		t.Errorf("still accepting connections after shutdown")
	}
}

func TestDefaultAddrIsLoopback(t *testing.T) {
	host, _, err := net.SplitHostPort(DefaultAddr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("DefaultAddr %q is not loopback", DefaultAddr)
	}
	if _, err := New(Options{CertFile: "c.pem"}); err == nil {
		t.Errorf("a certificate without a key was accepted")
	}
}

func TestHealthMetricsNotFound(t *testing.T) {
	reg := prometheus.NewRegistry()
	healthy := true
	s, err := New(Options{Registerer: reg, Gatherer: reg, Health: func(context.Context) error {
		if !healthy {
			return errors.New("store closed")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	get := func(path string) (int, string) {
		resp, err := ts.Client().Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := get("/healthz"); st != 200 || !strings.Contains(b, "ok") {
		t.Errorf("healthz %d %s", st, b)
	}
	healthy = false
	if st, b := get("/healthz"); st != 503 || !strings.Contains(b, "store closed") {
		t.Errorf("unhealthy healthz %d %s", st, b)
	}
	st, b := get("/nope")
	var eb ErrorBody
	if st != 404 || json.Unmarshal([]byte(b), &eb) != nil || eb.Error.Code != "NotFound" {
		t.Errorf("unknown path: %d %s", st, b)
	}
	if st, b := get("/metrics"); st != 200 || !strings.Contains(b, `wsec_http_requests_total{code="404",route="unmatched"} 1`) ||
		!strings.Contains(b, `wsec_http_requests_total{code="200",route="GET /healthz"} 1`) {
		t.Errorf("metrics %d:\n%s", st, b)
	}
}

// Refused requests log one line each, rate-limited; handler fields land
// in that line.
func TestRequestLogRateLimit(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	logs := &syncBuffer{}
	reg := prometheus.NewRegistry()
	routes := routesFunc(func(mux *http.ServeMux) {
		mux.HandleFunc("GET /deny", func(w http.ResponseWriter, r *http.Request) {
			LogAttrs(r.Context(), slog.String("reason", "bad_signature"))
			WriteError(w, http.StatusForbidden, "InvalidAuthorization", "no")
		})
		mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {
			LogAttrs(r.Context(), slog.String("workspace", "w1"), slog.Int("events", 3))
			WriteJSON(w, http.StatusOK, map[string]int{})
		})
	})
	s, err := New(Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), Registerer: reg, Now: clk.Now}, routes)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	hit := func(path string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	}
	for range 100 {
		hit("/deny")
	}
	if n := strings.Count(logs.String(), "reason=bad_signature"); n != WarnLinesBurst {
		t.Errorf("%d lines for 100 refusals in one instant, want the burst %d", n, WarnLinesBurst)
	}
	clk.Add(time.Second)
	hit("/deny")
	if !strings.Contains(logs.String(), "lines_suppressed_before=50") {
		t.Errorf("the next line does not say 50 were suppressed:\n%s", logs.String()[len(logs.String())-300:])
	}
	hit("/ok")
	if !strings.Contains(logs.String(), "level=INFO msg=\"http request\" method=GET path=/ok route=\"GET /ok\" status=200") ||
		!strings.Contains(logs.String(), "workspace=w1 events=3") {
		t.Errorf("ok line missing or without handler fields:\n%s", logs.String())
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	s, err := New(Options{Addr: "127.0.0.1:0", CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + addr.String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("status %d, tls %v", resp.StatusCode, resp.TLS != nil)
	}
	// Plain HTTP to the TLS port is not served.
	plain := &http.Transport{}
	defer plain.CloseIdleConnections()
	if resp, err := (&http.Client{Transport: plain}).Get("http://" + addr.String() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP served on the TLS port")
		}
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wsec test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
