package agent

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"wsec/internal/auth"
	"wsec/internal/protocol"
	"wsec/internal/ship"
)

// controlClient is the HTTP client for a destination's heartbeats and rule
// polls: the same trust (pinned CA) and proxy as its batches, which the
// shipper sends over its own connection.
func controlClient(d DestinationConfig) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if d.CAFile != "" {
		pem, err := os.ReadFile(d.CAFile)
		if err != nil {
			return nil, fmt.Errorf("destination %s: read CA file: %w", d.Name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("destination %s: CA file %s holds no PEM certificate", d.Name, d.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	t := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: 10 * time.Second,
		IdleConnTimeout:     90 * time.Second,
		MaxIdleConnsPerHost: 1,
		ForceAttemptHTTP2:   true,
	}
	if d.Proxy != "" {
		pu, err := url.Parse(d.Proxy)
		if err != nil {
			return nil, fmt.Errorf("destination %s: parse proxy URL: %w", d.Name, err)
		}
		t.Proxy = http.ProxyURL(pu)
	}
	return &http.Client{Transport: t, Timeout: RulesRequestTimeout}, nil
}

// batchTransport is the transport of a destination's batches: ship's
// settings (pinned CA, proxy, timeouts, no transparent compression), plus
// one adaptation. The shipper labels batches with its own Content-Type
// (ship.ContentType, application/x-wsec-events), which the workspace's
// ingest does not accept (it takes protocol.ContentTypeBatch,
// application/x-wsec-batch, for the same framing): every batch would be
// refused with 400 and parked as a dead letter. Until the two agree, this
// transport relabels the request and signs it again (the SharedKey
// signature covers Content-Type). The body is untouched, so a resend is
// still byte for byte the same batch.
type batchTransport struct {
	base      http.RoundTripper
	workspace string
	key       string
	now       func() time.Time
}

func newBatchTransport(d DestinationConfig, workspace, key string, now func() time.Time) (*batchTransport, error) {
	hc, err := controlClient(d)
	if err != nil {
		return nil, err
	}
	t := hc.Transport.(*http.Transport)
	t.ResponseHeaderTimeout = ship.DefaultRequestTimeout
	t.MaxIdleConnsPerHost = 2 // one shipper sends one batch at a time
	t.DisableCompression = true
	return &batchTransport{base: t, workspace: workspace, key: key, now: now}, nil
}

func (t *batchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Content-Type") != ship.ContentType {
		return t.base.RoundTrip(r)
	}
	r2 := r.Clone(r.Context()) // a RoundTripper must not change its request
	r2.Header.Set("Content-Type", protocol.ContentTypeBatch)
	if err := auth.SignAt(r2, t.workspace, t.key, t.now()); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(r2)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// base transport.
func (t *batchTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
