package ship

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"wsec/internal/auth"
	"wsec/internal/protocol"
)

// Wire constants (FORMAT.md, "Request"). The content type, path and the
// sender and sequence headers are the workspace's (internal/protocol);
// X-Wsec-Last-Seq and X-Wsec-Count are extra checks a receiver may use.
const (
	HeaderCount    = "X-Wsec-Count"
	HeaderLastSeq  = "X-Wsec-Last-Seq"
	userAgentValue = "wsec-agent"
)

// client posts batches to one workspace over one keep-alive HTTP client.
type client struct {
	http     *http.Client
	endpoint string
	o        *Options
}

func newClient(o *Options) (*client, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("parse URL %q: %w", o.URL, err)
	}
	u.Path = strings.TrimRight(u.Path, "/") + strings.Replace(protocol.PathEvents, "{id}", o.WorkspaceID, 1)
	u.RawQuery, u.Fragment = "", ""
	rt := o.Transport
	if rt == nil {
		if rt, err = newTransport(o); err != nil {
			return nil, err
		}
	}
	return &client{
		// No client-wide timeout: each attempt gets its own context deadline.
		http:     &http.Client{Transport: rt, CheckRedirect: noRedirects},
		endpoint: u.String(),
		o:        o,
	}, nil
}

// noRedirects: a redirect of a signed POST would need a new signature for
// the new path; treat it as the error it most likely is (a wrong URL).
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func newTransport(o *Options) (*http.Transport, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pool, err := RootCAs(o.CAFile)
		if err != nil {
			return nil, err
		}
		tlsConf.RootCAs = pool
	}
	t := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   DefaultTLSHandshakeTimeout,
		ResponseHeaderTimeout: o.RequestTimeout,
		IdleConnTimeout:       DefaultIdleConnTimeout,
		MaxIdleConnsPerHost:   o.MaxInFlight, // one connection per batch in flight, kept between batches
		ForceAttemptHTTP2:     true,
		// Bodies are already compressed; never let the transport add or
		// strip an encoding.
		DisableCompression: true,
	}
	if o.ProxyURL != "" {
		pu, err := url.Parse(o.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("parse proxy URL: %w", err)
		}
		t.Proxy = http.ProxyURL(pu)
	}
	return t, nil
}

// RootCAs reads the PEM file of the CA certificates a destination trusts
// instead of the system's (Options.CAFile). The agent's heartbeats and
// rule polls to the same destination trust the same pool.
func RootCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// response is the outcome of one attempt that reached the workspace.
type response struct {
	status     int
	body       string
	retryAfter time.Duration
}

// post sends one compressed batch. It returns an error only when no HTTP
// response came back (network, TLS, timeout); every status is a response.
func (c *client) post(ctx context.Context, seq, last uint64, count int, enc Compression, body []byte) (response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return response{}, fmt.Errorf("build request: %w", err)
	}
	req.ContentLength = int64(len(body))
	h := req.Header
	h.Set("Content-Type", protocol.ContentTypeBatch)
	h.Set("Content-Encoding", string(enc))
	h.Set("User-Agent", userAgentValue)
	h.Set(protocol.HeaderSender, c.o.SenderID)
	h.Set(protocol.HeaderSeq, strconv.FormatUint(seq, 10))
	h.Set(HeaderLastSeq, strconv.FormatUint(last, 10))
	h.Set(HeaderCount, strconv.Itoa(count))
	// Signed last, with the current time: every retry gets a fresh date
	// and nonce. The signature covers the body's digest and the X-Wsec-*
	// headers, so a captured batch can be neither replayed nor changed.
	key := c.o.Key
	if c.o.CurrentKey != nil {
		key = c.o.CurrentKey()
	}
	if err := auth.SignContent(req, body, c.o.WorkspaceID, key, c.o.Now()); err != nil {
		return response{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("post batch %d to %s: %w", seq, c.endpoint, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))
	// Drain (bounded) so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxDrainBytes))
	return response{
		status:     resp.StatusCode,
		body:       strings.TrimSpace(string(msg)),
		retryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), c.o.Now()),
	}, nil
}

// ParseRetryAfter reads a Retry-After value, delay-seconds or an HTTP
// date, capped at MaxRetryAfter; 0 when absent or bad.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	// Delay-seconds compared in seconds: a huge value would overflow a
	// Duration, and one beyond uint64 still asks for the longest wait.
	if n, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if err != nil || n >= uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), MaxRetryAfter)
	}
	return 0
}

func (c *client) close() { c.http.CloseIdleConnections() }
