package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"wsec/internal/dcr"
	"wsec/internal/protocol"
)

// Heartbeat is what an agent reports about itself (the protocol's body).
type Heartbeat = protocol.Heartbeat

// SendHeartbeat posts hb as sender (the agent's ID, X-Wsec-Sender).
// Heartbeats are not deduplicated: a retried heartbeat is a second row,
// which is harmless, so callers simply send the next one on schedule.
func (c *Client) SendHeartbeat(ctx context.Context, sender string, hb Heartbeat) error {
	b, err := json.Marshal(hb)
	if err != nil {
		return fmt.Errorf("encode heartbeat: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(protocol.PathHeartbeat), bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("build heartbeat request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sender != "" {
		req.Header.Set(protocol.HeaderSender, sender)
	}
	var out struct {
		Stored int `json:"stored"`
	}
	return c.do(req, &out)
}

// Rules is an agent's view of its data collection rules.
type Rules struct {
	Rules []dcr.Rule
	// ETag identifies this answer; pass it to the next FetchRules.
	ETag string
	// NotModified is true when the workspace answered 304 to the ETag
	// given: Rules is then empty and the caller keeps what it has.
	NotModified bool
}

// FetchRules returns the data collection rules assigned to any of groups
// (GET .../rules?group=G1&group=G2). With etag from a previous answer the
// workspace answers 304 when nothing changed, which costs one round trip
// and no decoding, so agents can poll every few seconds.
func (c *Client) FetchRules(ctx context.Context, groups []string, etag string) (Rules, error) {
	q := url.Values{}
	for _, g := range groups {
		q.Add("group", g)
	}
	u := c.url(protocol.PathRules)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Rules{}, fmt.Errorf("build rules request: %w", err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, b, err := c.roundTrip(req)
	if err != nil {
		return Rules{}, err
	}
	if resp.StatusCode == http.StatusNotModified {
		return Rules{ETag: etag, NotModified: true}, nil
	}
	if resp.StatusCode/100 != 2 {
		return Rules{}, answerError(resp.StatusCode, b)
	}
	var lr dcr.ListResponse
	if err := json.Unmarshal(b, &lr); err != nil {
		return Rules{}, fmt.Errorf("decode answer of %s: %w", req.URL.Path, err)
	}
	tag := lr.ETag
	if h := resp.Header.Get("ETag"); h != "" {
		tag = h
	}
	return Rules{Rules: lr.Rules, ETag: tag}, nil
}

// answerError turns a non-2xx answer into an *Error.
func answerError(status int, b []byte) *Error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
		e.Error.Message = strings.TrimSpace(string(b[:min(len(b), 512)]))
	}
	return &Error{Status: status, Code: e.Error.Code, Message: e.Error.Message}
}
