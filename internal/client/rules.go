package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"wsec/internal/dcr"
	"wsec/internal/protocol"
)

// PutRule creates or replaces a data collection rule.
func (c *Client) PutRule(ctx context.Context, r dcr.Rule) (dcr.Rule, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return dcr.Rule{}, fmt.Errorf("encode rule: %w", err)
	}
	var out dcr.Rule
	return out, c.send(ctx, http.MethodPut, "/"+url.PathEscape(r.Name), b, &out)
}

// AssignRule assigns (or with unassign, removes) a rule to a machine group.
func (c *Client) AssignRule(ctx context.Context, name, group string, unassign bool) (dcr.Rule, error) {
	method := http.MethodPut
	if unassign {
		method = http.MethodDelete
	}
	var out dcr.Rule
	return out, c.send(ctx, method, "/"+url.PathEscape(name)+"/groups/"+url.PathEscape(group), nil, &out)
}

// DeleteRule removes a rule.
func (c *Client) DeleteRule(ctx context.Context, name string) error {
	return c.send(ctx, http.MethodDelete, "/"+url.PathEscape(name), nil, nil)
}

// ListRules returns every rule of the workspace.
func (c *Client) ListRules(ctx context.Context) ([]dcr.Rule, error) {
	var out dcr.ListResponse
	return out.Rules, c.send(ctx, http.MethodGet, "", nil, &out)
}

func (c *Client) send(ctx context.Context, method, sub string, body []byte, out any) error {
	return c.call(ctx, method, protocol.PathRules+sub, body, out)
}
