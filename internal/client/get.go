package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// GetJSON sends a signed GET of a workspace path ("{id}" is the
// workspace) with the query parameters and decodes the JSON answer into
// out.
func (c *Client) GetJSON(ctx context.Context, path string, query url.Values, out any) error {
	u := c.url(path)
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	return c.do(req, out)
}

// SendJSON sends a signed request of method with a JSON body (nil: none)
// to a workspace path and decodes the JSON answer into out.
func (c *Client) SendJSON(ctx context.Context, method, path string, body []byte, out any) error {
	return c.call(ctx, method, path, body, out)
}
