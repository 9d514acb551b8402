package clickhouse

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// server is one ClickHouse server's HTTP interface.
type server struct {
	base   string // http://host:port/
	client *http.Client
}

// maxErrorBytes bounds the error text read back from a server.
const maxErrorBytes = 4 << 10

// do sends query (and body, for INSERT ... FORMAT) to the server with
// settings, in database db (empty: the server's default), and returns the
// response body, which the caller closes.
func (s *server) do(ctx context.Context, db, query string, body io.Reader, settings url.Values) (io.ReadCloser, error) {
	return s.doType(ctx, db, query, body, "", settings)
}

// doType is do with the body's Content-Type (multipart/form-data for
// external tables).
func (s *server) doType(ctx context.Context, db, query string, body io.Reader, contentType string, settings url.Values) (io.ReadCloser, error) {
	v := url.Values{}
	for k, vs := range settings {
		v[k] = vs
	}
	if db != "" {
		v.Set("database", db)
	}
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.base+"?"+v.Encode(), strings.NewReader(query))
	} else {
		v.Set("query", query)
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.base+"?"+v.Encode(), body)
	}
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", s.base, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
		resp.Body.Close()
		return nil, &Error{Server: s.base, Status: resp.StatusCode, Message: strings.TrimSpace(string(msg))}
	}
	return resp.Body, nil
}

// exec runs a statement that returns nothing the caller needs.
func (s *server) exec(ctx context.Context, db, query string, body io.Reader) error {
	return s.execWith(ctx, db, query, body, nil)
}

// execWith is exec with settings.
func (s *server) execWith(ctx context.Context, db, query string, body io.Reader, settings url.Values) error {
	rc, err := s.do(ctx, db, query, body, settings)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	return err
}

// Error is an error a ClickHouse server answered with.
type Error struct {
	Server  string
	Status  int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("clickhouse %s: HTTP %d: %s", e.Server, e.Status, e.Message)
}
