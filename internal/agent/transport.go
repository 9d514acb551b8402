package agent

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"wsec/internal/ship"
)

// controlClient is the HTTP client for a destination's heartbeats and rule
// polls: the same trust (pinned CA) and proxy as its batches, which the
// shipper sends over its own connection.
func controlClient(d DestinationConfig) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if d.CAFile != "" {
		pool, err := ship.RootCAs(d.CAFile)
		if err != nil {
			return nil, fmt.Errorf("destination %s: %w", d.Name, err)
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
