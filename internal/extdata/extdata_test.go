package extdata

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAllowList(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feeds/missing.csv" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("10.0.0.9\n"))
	}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	dir := t.TempDir()
	feeds := filepath.Join(dir, "feeds")
	os.Mkdir(feeds, 0o700)
	os.WriteFile(filepath.Join(feeds, "ips.txt"), []byte("192.0.2.1\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("no"), 0o600)

	a, err := Parse(srv.URL + "/feeds/, " + feeds)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for uri, want := range map[string]string{
		srv.URL + "/feeds/bad.csv":          "10.0.0.9\n",
		filepath.Join(feeds, "ips.txt"):     "192.0.2.1\n",
		srv.URL + "/other/x.csv":            "not in the server's externaldata allow-list",
		feeds + "/../secret":                "not in the server's externaldata allow-list",
		filepath.Join(dir, "secret"):        "not in the server's externaldata allow-list",
		"file://" + filepath.Join(dir, "x"): "not in the server's externaldata allow-list",
		srv.URL + "/feeds/missing.csv":      "404",
	} {
		b, err := a.Fetch(ctx, uri)
		got := string(b)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want %q", uri, got, want)
		}
	}
	var none *AllowList
	if _, err := none.Fetch(ctx, srv.URL+"/feeds/bad.csv"); err == nil {
		t.Error("a nil allow-list fetched")
	}
	if _, err := Parse("feeds/relative"); err == nil {
		t.Error("a relative path was accepted")
	}
}
