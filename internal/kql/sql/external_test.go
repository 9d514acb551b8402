package sql

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"wsec/internal/kql"
)

// testSources serves externaldata from a map and one watchlist.
type testSources struct {
	files map[string]string
	lists map[string]*kql.Watchlist
}

func (s testSources) ExternalData(uri string) ([]byte, error) {
	d, ok := s.files[uri]
	if !ok {
		return nil, fmt.Errorf("%q is not in the allow-list", uri)
	}
	return []byte(d), nil
}

func (s testSources) Watchlist(alias string) (*kql.Watchlist, error) {
	w, ok := s.lists[alias]
	if !ok {
		return nil, fmt.Errorf("no watchlist %q", alias)
	}
	return w, nil
}

// TestExternalDataAndWatchlists reads externaldata in each format and a
// watchlist through kql.Sources, joins them with a table as Sentinel rules
// do, and checks that what the sources refuse is an error at the URI.
func TestExternalDataAndWatchlists(t *testing.T) {
	db := openFixtureDB(t)
	src := testSources{
		files: map[string]string{
			"https://feeds.example/bad-ips.csv": "ip,score\n10.0.0.9,90\n10.0.0.5,x\n",
			"/srv/feeds/ips.txt":                "10.0.0.9\r\n192.0.2.1\n",
			"https://feeds.example/hosts.json":  `{"host":"WS01.contoso.com","tags":["a"]}` + "\n" + `{"host":"DC01.contoso.com"}`,
		},
		lists: map[string]*kql.Watchlist{"vip": {Alias: "vip", SearchKey: "Account", Header: []string{"Account", "Role"},
			Rows: [][]string{{`CONTOSO\bob`, "CFO"}, {`CONTOSO\carol`, "CEO"}}, Updated: time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)}},
	}
	cat := kql.WithSources(fixtureCatalog(), src)
	cases := []struct {
		q    string
		want [][]string
	}{
		{`externaldata (ip:string, score:long) [@"https://feeds.example/bad-ips.csv"] with (format="csv", ignoreFirstRecord=true)`,
			[][]string{{"10.0.0.9", "90"}, {"10.0.0.5", "null"}}},
		{`let bad = externaldata (ip:string) ["/srv/feeds/ips.txt"] with (format="txt");
SecurityEvent | where IpAddress in (bad) | summarize n = count() by IpAddress`,
			[][]string{{"10.0.0.9", "2"}}},
		{`externaldata (host:string, tags:dynamic) ["https://feeds.example/hosts.json"] with (format="multijson") | order by host asc`,
			[][]string{{"DC01.contoso.com", "null"}, {"WS01.contoso.com", `["a"]`}}},
		{`SecurityEvent | where EventID == 4625 | summarize n = count() by Account
| join kind=inner (_GetWatchlist('vip') | project SearchKey, Role, LastUpdatedTimeUTC, Item = tostring(WatchlistItem.Role)) on $left.Account == $right.SearchKey
| project Account, n, Role, LastUpdatedTimeUTC, Item`,
			[][]string{{`CONTOSO\bob`, "3", "CFO", "2026-01-09T00:00:00Z", "CFO"}}},
	}
	for _, c := range cases {
		_, rows, err := runKQL(db, cat, c.q)
		if err != nil {
			t.Errorf("%s\n%v", c.q, err)
			continue
		}
		if !reflect.DeepEqual(rows, c.want) {
			t.Errorf("%s\ngot  %v\nwant %v", c.q, rows, c.want)
		}
	}
	for q, want := range map[string]string{
		`externaldata (a:string) ["https://evil.example/x"]`:                     `line 1, column 26: externaldata: "https://evil.example/x" is not in the allow-list`,
		`_GetWatchlist('nope')`:                                                  `_GetWatchlist: no watchlist "nope"`,
		`externaldata (a:string) ["/srv/feeds/ips.txt"] with (format="parquet")`: `format "parquet" is not supported`,
	} {
		_, _, err := runKQL(db, cat, q)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error containing %q", q, err, want)
		}
	}
	if _, _, err := runKQL(db, fixtureCatalog(), `_GetWatchlist('vip')`); err == nil || !strings.Contains(err.Error(), "reads no external data or watchlists") {
		t.Errorf("without sources: %v", err)
	}
}
