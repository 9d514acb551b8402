package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"wsec/internal/server"
)

//go:embed dist
var dist embed.FS

// csp allows this origin's scripts only; styles may be inline because the
// editor (CodeMirror) writes its theme into a style element.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// apiPrefixes are the paths the page never answers.
var apiPrefixes = []string{"/v1/", "/api/"}

// file is one embedded file, ready to serve.
type file struct {
	body, gz    []byte // gz is nil when compressing does not pay
	etag, ctype string
}

// Handler serves the embedded application. The zero value is not usable;
// call New.
type Handler struct {
	files map[string]*file // by URL path: /index.html, /assets/app.js
}

// New loads the embedded bundle. It fails only when the binary was built
// without one (dist/index.html missing): a build problem, not a runtime one.
func New() (*Handler, error) {
	return newHandler(dist)
}

func newHandler(fsys fs.FS) (*Handler, error) {
	h := &Handler{files: map[string]*file{}}
	err := fs.WalkDir(fsys, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		f := &file{body: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: mime.TypeByExtension(path.Ext(p))}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		if strings.HasPrefix(f.ctype, "text/") || strings.Contains(f.ctype, "javascript") || strings.Contains(f.ctype, "json") {
			f.gz = compress(b)
		}
		h.files[strings.TrimPrefix(p, "dist")] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load the embedded web interface: %w", err)
	}
	if h.files["/index.html"] == nil {
		return nil, fmt.Errorf("the embedded web interface has no index.html: build it with 'npm ci && npm run build' in web/")
	}
	return h, nil
}

func compress(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)
	zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// Register serves the application on GET and HEAD of every path no other
// route claims.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /", h)
}

// GzipSize is the compressed size of the embedded scripts and styles: the
// page weight a browser downloads.
func (h *Handler) GzipSize() (total int) {
	for p, f := range h.files {
		if strings.HasPrefix(p, "/assets/") && (strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css")) {
			total += len(f.gz)
		}
	}
	return total
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	for _, pre := range apiPrefixes {
		if strings.HasPrefix(p, pre) {
			server.WriteError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("no endpoint %s %s; see the API reference", r.Method, p))
			return
		}
	}
	f := h.files[p]
	if f == nil {
		if strings.HasPrefix(p, "/assets/") || path.Ext(p) != "" {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		f = h.files["/index.html"]
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", f.etag)
	hd.Set("Vary", "Accept-Encoding")
	hd.Set("Content-Type", f.ctype)
	if match := r.Header.Get("If-None-Match"); match != "" && match == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hd.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
