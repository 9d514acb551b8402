// Package extdata answers KQL's externaldata for the server: it reads only
// the URLs and local files an administrator allowed (serve
// --externaldata-allow), so a query cannot make the server fetch arbitrary
// addresses or read its own files. Anything else is refused with an error
// naming the allow-list.
package extdata

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// MaxBytes bounds what one externaldata URI may bring into a query.
const MaxBytes = 16 << 20

// AllowList reads externaldata sources. Each entry is an http(s) URL
// prefix (https://feeds.example/ allows everything below it; a full URL
// allows that one) or an absolute local path (a file, or a directory and
// everything below it).
type AllowList struct {
	Entries []string
	Client  *http.Client // nil: a client with a 30 s timeout
}

// Parse splits a comma-separated --externaldata-allow value and checks
// each entry.
func Parse(s string) (*AllowList, error) {
	a := &AllowList{}
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !isURL(e) && !filepath.IsAbs(e) {
			return nil, fmt.Errorf("externaldata allow-list entry %q: want an http(s):// URL prefix or an absolute path", e)
		}
		if !isURL(e) {
			e = filepath.Clean(e)
		}
		a.Entries = append(a.Entries, e)
	}
	return a, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// allowed reports whether uri is covered by an entry.
func (a *AllowList) allowed(uri string) bool {
	for _, e := range a.Entries {
		if isURL(e) && isURL(uri) && strings.HasPrefix(uri, e) {
			return true
		}
		if !isURL(e) && !isURL(uri) {
			p := filepath.Clean(uri)
			if p == e || strings.HasPrefix(p, e+string(filepath.Separator)) {
				return true
			}
		}
	}
	return false
}

// Fetch returns the content at uri when the allow-list covers it.
func (a *AllowList) Fetch(ctx context.Context, uri string) ([]byte, error) {
	if a == nil || !a.allowed(uri) {
		n := 0
		if a != nil {
			n = len(a.Entries)
		}
		return nil, fmt.Errorf("%q is not in the server's externaldata allow-list (%d entries); an administrator adds it with wsec serve --externaldata-allow", uri, n)
	}
	var r io.ReadCloser
	if isURL(uri) {
		c := a.Client
		if c == nil {
			c = &http.Client{Timeout: 30 * time.Second}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", uri, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("fetch %s: %s", uri, resp.Status)
		}
		r = resp.Body
	} else {
		f, err := os.Open(uri)
		if err != nil {
			return nil, err
		}
		r = f
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", uri, err)
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", uri, MaxBytes)
	}
	return b, nil
}
