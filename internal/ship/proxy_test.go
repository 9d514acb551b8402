package ship

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
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

	"wsec/internal/spool"
)

// connectProxy is a minimal HTTP CONNECT proxy, like the gateway's.
type connectProxy struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
	seen  []string // CONNECT targets
	other int      // requests that were not CONNECT
}

func newConnectProxy(t *testing.T) *connectProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{ln: ln, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *connectProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *connectProxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

func (p *connectProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(c, true)
		p.wg.Add(1)
		go p.handle(c)
	}
}

func (p *connectProxy) handle(c net.Conn) {
	defer p.wg.Done()
	defer func() { c.Close(); p.track(c, false) }()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		p.mu.Lock()
		p.other++
		p.mu.Unlock()
		io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	p.mu.Lock()
	p.seen = append(p.seen, req.Host)
	p.mu.Unlock()
	dst, err := net.Dial("tcp", req.Host)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	p.track(dst, true)
	defer func() { dst.Close(); p.track(dst, false) }()
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() {
		io.Copy(dst, br)
		dst.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(c, dst)
	c.Close()
	<-done
}

func (p *connectProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// tlsWorkspace serves the fake workspace over TLS and writes its CA
// certificate to a PEM file.
func tlsWorkspace(t *testing.T, id string) (*fakeWorkspace, string, string) {
	ws := newFakeWorkspace(t, id)
	ws.stop()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(ws.serve))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake errors are expected in the pinning test
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return ws, srv.URL, caFile
}

func TestTLSThroughConnectProxy(t *testing.T) {
	ws, url, caFile := tlsWorkspace(t, wsA)
	proxy := newConnectProxy(t)
	q := openSpool(t, t.TempDir(), spool.Options{})
	o := testShipOptions(ws)
	o.URL, o.CAFile, o.ProxyURL = url, caFile, proxy.URL()
	o.MaxInFlight = 1 // one connection, reused
	f := newFanout(t, newShipper(t, q, o))
	running(t, f)
	src := newTestSource(1000)
	src.feed(t, context.Background(), f, 1000, 250)
	ws.waitEvents(t, 1000)
	ws.checkExactlyOnce(t, src.keys(0, 1000))
	proxy.mu.Lock()
	seen, other := append([]string(nil), proxy.seen...), proxy.other
	proxy.mu.Unlock()
	host := strings.TrimPrefix(url, "https://")
	if len(seen) == 0 || seen[0] != host || other != 0 {
		t.Fatalf("proxy saw CONNECT %v and %d other requests; want CONNECT %s", seen, other, host)
	}
	// Keep-alive: far fewer tunnels than batches.
	if _, batches, _, _ := ws.stats(); len(seen) >= batches {
		t.Fatalf("%d tunnels for %d batches: connections are not reused", len(seen), batches)
	}
}

func TestPinnedCARefusesOtherCertificates(t *testing.T) {
	ws, url, _ := tlsWorkspace(t, wsA)
	other := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(other, selfSignedCA(t), 0o600); err != nil {
		t.Fatal(err)
	}
	q := openSpool(t, t.TempDir(), spool.Options{})
	o := testShipOptions(ws)
	o.URL, o.CAFile = url, other
	f := newFanout(t, newShipper(t, q, o))
	running(t, f)
	newTestSource(10).feed(t, context.Background(), f, 10, 10)
	waitFor(t, f, "a TLS failure", func() bool { return f.Status()[0].Retries > 0 })
	if st := f.Status()[0]; !strings.Contains(st.LastError, "certificate") || st.SentBatches != 0 {
		t.Fatalf("status %+v: want a certificate error and nothing sent", st)
	}
}

func selfSignedCA(t *testing.T) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
