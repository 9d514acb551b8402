package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestQueryCommandReportsPartialResult: a result the workspace cut at a
// limit says so on stderr, in every format (issue 9.13).
func TestQueryCommandReportsPartialResult(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"tables":[{"name":"PrimaryResult","columns":[{"name":"x","type":"long"}],"rows":[[1],[2]]}],` +
			`"error":{"code":"PartialError","message":"There were some errors when processing your query.",` +
			`"details":[{"code":"EngineError","message":"the result has 3 rows; only the first 2 were sent"}]}}`))
	}))
	defer srv.Close()
	t.Setenv("WSEC_URL", srv.URL)
	t.Setenv("WSEC_WORKSPACE", "3f2c5b9e-8a41-4d7e-9c1a-2b6e0f4d8a17")
	t.Setenv("WSEC_KEY", "c2VjcmV0")
	for _, format := range []string{"table", "json", "csv"} {
		code, out, errs := runCmd(t, "query", "--format", format, "T")
		if code != 0 || !strings.Contains(out, "2") {
			t.Fatalf("%s: exit %d: %s %s", format, code, out, errs)
		}
		if !strings.Contains(errs, "partial result") || !strings.Contains(errs, "only the first 2 were sent") {
			t.Errorf("%s: stderr does not say the result is partial: %q", format, errs)
		}
	}
}
