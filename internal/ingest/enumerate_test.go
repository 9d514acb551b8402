package ingest

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"wsec/internal/auth"
)

// TestUnknownWorkspaceAnswersLikeBadSignature (issue 9 item 7): a stranger
// must not learn which workspace IDs exist. A request naming an unknown
// workspace gets, byte for byte (but for the ID it named), the answer a
// request naming a real workspace with a wrong key gets, whatever else is
// wrong with it.
func TestUnknownWorkspaceAnswersLikeBadSignature(t *testing.T) {
	e := newEnv(t, Limits{})
	const unknown = "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a"
	wrongKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 64))
	body := []byte(`[{"a":"b"}]`)
	mods := map[string]func(*http.Request){
		"signed":  nil,
		"no date": func(r *http.Request) { r.Header.Del(auth.HeaderDate) },
		"stale date": func(r *http.Request) {
			r.Header.Set(auth.HeaderDate, e.clk.Now().Add(-time.Hour).Format(http.TimeFormat))
		},
		"short sig": func(r *http.Request) {
			r.Header.Set(auth.HeaderAuthorization, strings.SplitAfter(r.Header.Get(auth.HeaderAuthorization), ":")[0]+"AAAA")
		},
		"bad log type": func(r *http.Request) { r.Header.Set(HeaderLogType, "a-b") },
	}
	for name, mod := range mods {
		t.Run(name, func(t *testing.T) {
			answer := func(id string) string {
				t.Helper()
				r, _ := http.NewRequest("POST", e.url+"/api/logs?api-version=2016-04-01", bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set(HeaderLogType, "MyLog")
				if err := auth.SignAt(r, id, wrongKey, e.clk.Now()); err != nil {
					t.Fatal(err)
				}
				if mod != nil {
					mod(r)
				}
				st, b, _ := e.do(r)
				if st/100 != 4 {
					t.Fatalf("status %d (%s), want a refusal", st, b)
				}
				return http.StatusText(st) + " " + strings.ReplaceAll(string(b), id, "{id}")
			}
			if known, unk := answer(e.a.ID), answer(unknown); known != unk {
				t.Errorf("answers differ, so the workspace ID can be probed:\nknown:   %s\nunknown: %s", known, unk)
			}
		})
	}
}
