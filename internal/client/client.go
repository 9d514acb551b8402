// Package client talks to a wsec workspace over HTTP: it sends signed,
// compressed event batches and runs queries. The CLI (import, query) and the
// agent's shipper use it, so every sender speaks the protocol one way.
//
// Retry rule (as database/sql/driver's ErrBadConn): an error for which
// Retryable reports true means the workspace did not store the batch, or
// stored it under the same (sender, seq), so sending the same batch again
// can never store an event twice.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"wsec/internal/auth"
	"wsec/internal/protocol"
)

// maxResponseBytes bounds what is read of an answer (query results are
// bounded by the server's row limit; this guards against a wrong URL).
const maxResponseBytes = 256 << 20

// Options configure a Client. The zero value is ready to use.
type Options struct {
	// HTTP is the client to use; nil means one with keep-alive and a 60 s timeout.
	HTTP *http.Client
	// SourceSystem fills the SourceSystem column of sent events; "" lets the
	// workspace choose.
	SourceSystem string
	// CurrentKey, when set, gives the key for each request instead of the
	// one passed to New (a key file rotated while running).
	CurrentKey func() string
	// Token is an API token (wsec token create): when set, requests carry
	// "Authorization: Bearer <token>" instead of a workspace-key
	// signature. Queries and management need one; sending events needs
	// the workspace key.
	Token string
}

// Client is safe for concurrent use.
type Client struct {
	base      *url.URL
	workspace string
	key       string
	keyFunc   func() string
	token     string
	hc        *http.Client
	source    string
	enc       *zstd.Encoder
}

// New returns a client of the workspace at baseURL (e.g. http://127.0.0.1:8080).
func New(baseURL, workspace, key string, o Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("workspace URL %q: want http(s)://host:port", baseURL)
	}
	id, ok := auth.CanonicalID(workspace)
	if !ok {
		return nil, fmt.Errorf("workspace ID %q is not a GUID; see 'wsec workspace list'", workspace)
	}
	if key == "" && o.Token == "" {
		return nil, errors.New("no credentials: pass --token or set WSEC_TOKEN (an API token, for queries and management), or --key / WSEC_KEY (the workspace key, for sending events)")
	}
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("create zstd encoder: %w", err)
	}
	return &Client{base: u, workspace: id, key: key, keyFunc: o.CurrentKey, token: o.Token, hc: hc, source: o.SourceSystem, enc: enc}, nil
}

// Workspace returns the workspace ID the client addresses.
func (c *Client) Workspace() string { return c.workspace }

// url is the absolute URL of a protocol path ("{id}" is the workspace).
func (c *Client) url(p string) string {
	return c.base.Scheme + "://" + c.base.Host + c.base.Path + strings.Replace(p, "{id}", c.workspace, 1)
}

// Error is a refusal by the workspace (or a failure to reach it).
type Error struct {
	Status  int    // HTTP status; 0 when no answer arrived
	Code    string // the workspace's error code, e.g. InvalidAuthorization
	Message string
	Err     error // transport error when Status is 0
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("reach workspace: %v", e.Err)
	}
	return fmt.Sprintf("workspace answered %d %s: %s", e.Status, e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether sending the same request again may succeed:
// no answer, 408, 429 and 5xx. Other 4xx mean the request itself is wrong.
func Retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Status == 0 || e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// SendBatch sends framed event records (event.AppendFramed) as batch seq of
// sender, zstd-compressed. It returns once the workspace acknowledged the
// batch durably.
func (c *Client) SendBatch(ctx context.Context, sender string, seq uint64, framed []byte) (protocol.BatchResult, error) {
	return c.SendCompressedBatch(ctx, sender, seq, c.CompressBatch(framed))
}

// CompressBatch compresses framed event records as SendCompressedBatch
// takes them.
func (c *Client) CompressBatch(framed []byte) []byte {
	return c.enc.EncodeAll(framed, make([]byte, 0, len(framed)/4))
}

// SendCompressedBatch is SendBatch for records compressed beforehand with
// CompressBatch.
func (c *Client) SendCompressedBatch(ctx context.Context, sender string, seq uint64, body []byte) (protocol.BatchResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(protocol.PathEvents), bytes.NewReader(body))
	if err != nil {
		return protocol.BatchResult{}, fmt.Errorf("build batch request: %w", err)
	}
	req.Header.Set("Content-Type", protocol.ContentTypeBatch)
	req.Header.Set("Content-Encoding", "zstd")
	req.Header.Set(protocol.HeaderSender, sender)
	req.Header.Set(protocol.HeaderSeq, strconv.FormatUint(seq, 10))
	if c.source != "" {
		req.Header.Set(protocol.HeaderSourceSystem, c.source)
	}
	var res protocol.BatchResult
	resp, b, err := c.transmit(req, c.key != "" || c.keyFunc != nil)
	return res, decodeAnswer(req, resp, b, err, &res)
}

// QueryResult is the query API's answer.
type QueryResult struct {
	Tables []struct {
		Name    string `json:"name"`
		Columns []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"columns"`
		Rows [][]any `json:"rows"`
	} `json:"tables"`
	// Error is set when the tables are only part of the result (the
	// workspace cut it at a limit): Code "PartialError", Details say why.
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
	raw []byte
}

// Partial says why the tables are only part of the result; "" when they
// are the whole of it.
func (q *QueryResult) Partial() string {
	if q.Error == nil {
		return ""
	}
	msg := q.Error.Message
	for _, d := range q.Error.Details {
		msg += " " + d.Message
	}
	return msg
}

// Raw returns the answer as the workspace sent it.
func (q *QueryResult) Raw() []byte { return q.raw }

// Query runs a KQL query; timespan is an ISO 8601 duration ("P1D") or "".
func (c *Client) Query(ctx context.Context, kql, timespan string) (*QueryResult, error) {
	b, err := json.Marshal(map[string]string{"query": kql, "timespan": timespan})
	if err != nil {
		return nil, fmt.Errorf("encode query: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(protocol.PathQuery), bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("build query request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res := new(QueryResult)
	if err := c.do(req, res); err != nil {
		return nil, err
	}
	return res, nil
}

// roundTrip authenticates (token, or signature) and sends req and reads
// the answer, at most maxResponseBytes of it. The caller judges the
// status. req's body must be replayable (GetBody, as for a bytes.Reader):
// the signature covers its digest (auth.SignContent), and a nonce of its
// own for every call.
func (c *Client) roundTrip(req *http.Request) (*http.Response, []byte, error) {
	return c.transmit(req, c.token == "")
}

// transmit is roundTrip with the choice made: sign with the workspace key, or
// send the token. Event batches are signed whenever there is a key: the
// server takes only the workspace key for ingestion.
func (c *Client) transmit(req *http.Request, sign bool) (*http.Response, []byte, error) {
	if !sign {
		req.Header.Set(auth.HeaderAuthorization, "Bearer "+c.token)
	} else {
		body, err := requestBody(req)
		if err != nil {
			return nil, nil, err
		}
		key := c.key
		if c.keyFunc != nil {
			key = c.keyFunc()
		}
		if err := auth.SignContent(req, body, c.workspace, key, time.Now()); err != nil {
			return nil, nil, err
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, &Error{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, nil, &Error{Err: fmt.Errorf("read answer: %w", err)}
	}
	return resp, b, nil
}

// requestBody returns a copy of the body req will send.
func requestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody == nil {
		return nil, fmt.Errorf("sign %s %s: the body cannot be read twice; build the request with a bytes.Reader", req.Method, req.URL.Path)
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("sign %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// do signs and sends req and decodes a 2xx JSON answer into out.
func (c *Client) do(req *http.Request, out any) error {
	resp, b, err := c.roundTrip(req)
	return decodeAnswer(req, resp, b, err, out)
}

// decodeAnswer judges what send returned and decodes a 2xx JSON answer
// into out.
func decodeAnswer(req *http.Request, resp *http.Response, b []byte, err error, out any) error {
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return answerError(resp.StatusCode, b)
	}
	if q, ok := out.(*QueryResult); ok {
		q.raw = b
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode answer of %s: %w", req.URL.Path, err)
	}
	return nil
}
