package ui

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"wsec/internal/server"
)

func newServer(t *testing.T) (*Handler, http.Handler) {
	t.Helper()
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{}, h)
	if err != nil {
		t.Fatal(err)
	}
	return h, srv.Handler()
}

func get(t *testing.T, hd http.Handler, method, path string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	hd.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSPAFallback: the page answers / and any client route, so reloading
// /incidents/7 works; assets are served as built.
func TestSPAFallback(t *testing.T) {
	_, hd := newServer(t)
	for _, p := range []string{"/", "/logs", "/incidents/7", "/settings?tab=users"} {
		res := get(t, hd, "GET", p)
		b := body(t, res)
		if res.StatusCode != 200 || !strings.Contains(b, `<script type="module" src="/assets/app.js">`) {
			t.Errorf("GET %s: %d %.80q", p, res.StatusCode, b)
		}
		if res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: security headers missing: %v", p, res.Header)
		}
	}
	res := get(t, hd, "GET", "/assets/app.js")
	if b := body(t, res); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") || len(b) < 1000 {
		t.Errorf("app.js: %d %s %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(b))
	}
	if res := get(t, hd, "HEAD", "/logs"); res.StatusCode != 200 || body(t, res) != "" {
		t.Errorf("HEAD /logs: %d", res.StatusCode)
	}
}

// TestMissingAssetIs404: a missing script must not be answered with the
// page (the browser would run HTML as a script and show a blank screen).
func TestMissingAssetIs404(t *testing.T) {
	_, hd := newServer(t)
	for _, p := range []string{"/assets/nope.js", "/favicon.ico"} {
		if res := get(t, hd, "GET", p); res.StatusCode != 404 || strings.Contains(body(t, res), "<html") {
			t.Errorf("GET %s: %d, want 404 without the page", p, res.StatusCode)
		}
	}
}

// TestAPIPathsStayJSON: an unknown API path is the server's JSON 404,
// whatever the method, never the page.
func TestAPIPathsStayJSON(t *testing.T) {
	_, hd := newServer(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/workspaces/x/nothing"}, {"GET", "/api/nothing"}, {"POST", "/logs"}, {"DELETE", "/v1/x"},
	} {
		res := get(t, hd, c.method, c.path)
		var e server.ErrorBody
		if err := json.Unmarshal([]byte(body(t, res)), &e); err != nil || res.StatusCode != 404 || e.Error.Code != "NotFound" {
			t.Errorf("%s %s: %d %v %+v", c.method, c.path, res.StatusCode, err, e)
		}
	}
	if res := get(t, hd, "GET", "/healthz"); res.StatusCode != 200 {
		t.Errorf("/healthz shadowed by the page: %d", res.StatusCode)
	}
}

// TestGzipAndETag: scripts go compressed to clients that accept it (the
// bundle is mostly text) and a revalidation with the ETag is a 304.
func TestGzipAndETag(t *testing.T) {
	h, hd := newServer(t)
	plain := body(t, get(t, hd, "GET", "/assets/app.js"))
	res := get(t, hd, "GET", "/assets/app.js", "Accept-Encoding", "br, gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unz, []byte(plain)) {
		t.Fatalf("gzip body differs from the plain one (%v)", err)
	}
	if res := get(t, hd, "GET", "/assets/app.js", "Accept-Encoding", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip sent to a client that refused it")
	}
	etag := res.Header.Get("ETag")
	if res := get(t, hd, "GET", "/assets/app.js", "If-None-Match", etag); etag == "" || res.StatusCode != 304 {
		t.Errorf("revalidation with %q: %d", etag, res.StatusCode)
	}
	total := 0
	for p, f := range h.files {
		if strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") {
			total += len(f.body)
		}
	}
	if n := h.GzipSize(); n <= 0 || n >= total/2 {
		t.Errorf("GzipSize %d for %d bytes of scripts and styles", n, total)
	}
	t.Logf("bundle: %d bytes of scripts and styles, %d bytes gzip", total, h.GzipSize())
}
