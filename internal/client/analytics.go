package client

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"wsec/internal/protocol"
)

// Analytics calls the analytics rules API: method on PathAnalytics plus
// sub ("", "/{rule}/enable", ...), with body sent as is (a rule's YAML or
// JSON), the JSON answer decoded into out.
func (c *Client) Analytics(ctx context.Context, method, sub string, body []byte, out any) error {
	return c.call(ctx, method, protocol.PathAnalytics+sub, body, out)
}

// Incidents calls the incidents API: method on PathIncidents plus sub
// ("", "/7", "/7/close", ...).
func (c *Client) Incidents(ctx context.Context, method, sub string, body []byte, out any) error {
	return c.call(ctx, method, protocol.PathIncidents+sub, body, out)
}

// Webhooks calls the analytics webhooks API: sub is "" or "/NAME".
func (c *Client) Webhooks(ctx context.Context, method, sub string, body []byte, out any) error {
	return c.call(ctx, method, protocol.PathWebhooks+sub, body, out)
}

func (c *Client) call(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request %s: %w", path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.do(req, out)
}
