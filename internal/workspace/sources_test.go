package workspace

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/extdata"
	"wsec/internal/watchlist"
)

// TestQuerySources checks that the service gives each workspace's queries
// its own watchlists and the server's externaldata allow-list, and that a
// URI outside the list is a query error.
func TestQuerySources(t *testing.T) {
	dir := t.TempDir()
	wl := watchlist.Open(dir)
	if _, err := wl.Add("ws-a", "vip", "Account", strings.NewReader("Account,Role\nbob,CFO\n"), time.Now()); err != nil {
		t.Fatal(err)
	}
	feed := filepath.Join(dir, "ips.txt")
	os.WriteFile(feed, []byte("203.0.113.7\n"), 0o600)
	allow, err := extdata.Parse(feed)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeStore{}
	s := New(func(string) (Store, error) { return f, nil }, Options{External: allow, Watchlists: wl})
	ctx := context.Background()
	sqlText, _, err := s.Compile(ctx, "ws-a", `_GetWatchlist('vip') | project SearchKey, Role`, time.Time{}, time.Time{})
	if err != nil || !strings.Contains(sqlText, "'CFO'") {
		t.Errorf("watchlist: %v\n%s", err, sqlText)
	}
	if _, _, err := s.Compile(ctx, "ws-b", `_GetWatchlist('vip')`, time.Time{}, time.Time{}); err == nil || !strings.Contains(err.Error(), "watchlist not found") {
		t.Errorf("another workspace's watchlist: %v", err)
	}
	sqlText, _, err = s.Compile(ctx, "ws-a", `externaldata (ip:string) ["`+feed+`"] with (format="txt")`, time.Time{}, time.Time{})
	if err != nil || !strings.Contains(sqlText, "'203.0.113.7'") {
		t.Errorf("externaldata: %v\n%s", err, sqlText)
	}
	_, _, err = s.Compile(ctx, "ws-a", `externaldata (ip:string) ["https://example.com/x"]`, time.Time{}, time.Time{})
	if err == nil || !strings.Contains(err.Error(), "not in the server's externaldata allow-list") {
		t.Errorf("refused URI: %v", err)
	}
}
