package clickhouse_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"wsec/internal/store"
	"wsec/internal/store/clickhouse"
	"wsec/internal/store/clickhouse/chtest"
	"wsec/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chtest.Stop()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// Opener opens the test cluster as a store.
func Opener(t testing.TB, cfg storetest.Config) store.Backend {
	o, err := clickhouse.ParseURL(chtest.Start(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	o.Now, o.DefaultRetentionDays = cfg.Now, cfg.RetentionDays
	s, err := clickhouse.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBackendSuite runs the behaviour suite every store backend passes on
// a two-shard cluster.
func TestBackendSuite(t *testing.T) {
	storetest.Run(t, Opener)
}

func TestParseURL(t *testing.T) {
	o, err := clickhouse.ParseURL("clickhouse://ch1:8123/logs?shards=ch2:8123,ch3:8123&cluster=prod")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.Shards, " ") != "http://ch1:8123/ http://ch2:8123/ http://ch3:8123/" || o.Cluster != "prod" || o.Database != "logs" {
		t.Fatalf("%+v", o)
	}
	for _, bad := range []string{"http://ch1:8123/", "clickhouse:///db", "clickhouse://%zz"} {
		if _, err := clickhouse.ParseURL(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
