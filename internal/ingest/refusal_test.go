package ingest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"wsec/internal/auth"
	"wsec/internal/server"
)

// TestRefusals: every way a request can be wrong is refused with a clear
// JSON error and its own metric reason, stores nothing, and leaves the
// server serving the next valid request.
func TestRefusals(t *testing.T) {
	e := newEnv(t, Limits{MaxBodyBytes: 256 << 10, MaxDecodedBytes: 1 << 20, MaxEventsPerBatch: 100})
	evs := synthEvents(0, 20)
	good := batchBody(evs)
	s2Good := s2.Encode(nil, good)
	zeros := make([]byte, 64<<20) // inflates 64:1 past MaxDecodedBytes; compresses to ~64 KiB
	gzBomb, zstdBomb, zstdStreamBomb := gzipped(t, zeros), zstded(t, zeros), zstdStream(t, zeros)
	if len(gzBomb) > 256<<10 || len(zstdBomb) > 256<<10 {
		t.Fatalf("bombs too large for the test: %d %d", len(gzBomb), len(zstdBomb))
	}
	randomKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 64))
	native := func(mod func(*http.Request)) func() *http.Request {
		return func() *http.Request {
			r := e.nativeReq(e.a, e.a.PrimaryKey, "agent-x", 1, good, ContentTypeBatch, "")
			if mod != nil {
				mod(r)
			}
			return r
		}
	}
	nativeWith := func(w auth.Workspace, key string, body []byte, ct, enc string, mod func(*http.Request)) func() *http.Request {
		return func() *http.Request {
			r := e.nativeReq(w, key, "agent-x", 1, body, ct, enc)
			if mod != nil {
				mod(r)
				if err := auth.SignAt(r, w.ID, key, e.clk.Now()); err != nil {
					t.Fatal(err)
				}
			}
			return r
		}
	}
	resign := func(at time.Duration) func(*http.Request) {
		return func(r *http.Request) {
			if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now().Add(at)); err != nil {
				t.Fatal(err)
			}
		}
	}
	dc := func(logType string, body []byte, mod func(*http.Request)) func() *http.Request {
		return func() *http.Request {
			r, _ := http.NewRequest("POST", e.url+"/api/logs?api-version=2016-04-01", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Log-Type", logType)
			if mod != nil {
				mod(r)
			}
			if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	heartbeat := func(body string) func() *http.Request {
		return func() *http.Request {
			r, _ := http.NewRequest("POST", e.url+"/v1/workspaces/"+e.a.ID+"/heartbeat", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			_ = auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now())
			return r
		}
	}
	tooMany := batchBody(synthEvents(0, 101))

	cases := []struct {
		name     string
		req      func() *http.Request
		endpoint string
		status   int
		code     string
		reason   string
		mention  string // the message must say this
	}{
		{"wrong key", nativeWith(e.a, randomKey, good, ContentTypeBatch, "", nil), "events", 403, "InvalidAuthorization", "bad_signature", "neither key"},
		{"key of workspace B signing as A", native(func(r *http.Request) {
			_ = auth.SignAt(r, e.a.ID, e.b.PrimaryKey, e.clk.Now())
		}), "events", 403, "InvalidAuthorization", "bad_signature", "neither key"},
		{"key A writing to workspace B", func() *http.Request {
			r := e.nativeReq(e.b, e.b.PrimaryKey, "agent-x", 1, good, ContentTypeBatch, "")
			_ = auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()) // A's valid signature, B's path
			return r
		}, "events", 403, "InvalidAuthorization", "wrong_workspace", "signed for workspace " + e.a.ID},
		{"unknown workspace", func() *http.Request {
			r := e.nativeReq(e.a, e.a.PrimaryKey, "agent-x", 1, good, ContentTypeBatch, "")
			_ = auth.SignAt(r, "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a", e.a.PrimaryKey, e.clk.Now())
			return r
		}, "events", 403, "InvalidAuthorization", "unknown_workspace", "no such workspace"},
		{"no authorization", native(func(r *http.Request) { r.Header.Del("Authorization") }), "events", 403, "InvalidAuthorization", "missing_authorization", "Authorization"},
		{"bearer key", native(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+e.a.PrimaryKey) }), "events", 403, "InvalidAuthorization", "malformed_authorization", "SharedKey"},
		{"stale date (replay)", native(resign(-16 * time.Minute)), "events", 403, "InvalidAuthorization", "stale_date", "replay"},
		{"date in the future", native(resign(20 * time.Minute)), "events", 403, "InvalidAuthorization", "stale_date", "clock"},
		{"path id not a guid", func() *http.Request {
			r := e.nativeReq(e.a, e.a.PrimaryKey, "agent-x", 1, good, ContentTypeBatch, "")
			r.URL.Path = "/v1/workspaces/x'%20OR%201=1/events"
			_ = auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now())
			return r
		}, "events", 400, "InvalidCustomerId", "invalid_workspace_id", "not a GUID"},
		{"oversize body", nativeWith(e.a, e.a.PrimaryKey, make([]byte, 300<<10), ContentTypeBatch, "", nil), "events", 413, "PayloadTooLarge", "body_too_large", "smaller"},
		{"oversize chunked body", func() *http.Request {
			big := make([]byte, 300<<10)
			r := e.nativeReq(e.a, e.a.PrimaryKey, "agent-x", 1, big, ContentTypeBatch, "")
			r.Body = io.NopCloser(bytes.NewReader(big))
			r.ContentLength = -1 // sent chunked: the limit hits while reading
			if err := auth.SignContent(r, big, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
			return r
		}, "events", 413, "PayloadTooLarge", "body_too_large", "smaller"},
		{"chunked SharedKey body", func() *http.Request {
			r := e.nativeReq(e.a, e.a.PrimaryKey, "agent-x", 1, good, ContentTypeBatch, "")
			r.Body = io.NopCloser(bytes.NewReader(good))
			r.ContentLength = -1 // the signature covers a length the server cannot know before reading
			return r
		}, "events", 411, "InvalidHeader", "length_required", "Content-Length"},
		{"gzip bomb", nativeWith(e.a, e.a.PrimaryKey, gzBomb, ContentTypeBatch, "gzip", nil), "events", 413, "PayloadTooLarge", "decoded_too_large", "decompresses"},
		{"zstd bomb", nativeWith(e.a, e.a.PrimaryKey, zstdBomb, ContentTypeBatch, "zstd", nil), "events", 413, "PayloadTooLarge", "decoded_too_large", "decompresses"},
		{"zstd bomb without size", nativeWith(e.a, e.a.PrimaryKey, zstdStreamBomb, ContentTypeBatch, "zstd", nil), "events", 413, "PayloadTooLarge", "decoded_too_large", "decompresses"},
		{"gzip header, garbage", nativeWith(e.a, e.a.PrimaryKey, append([]byte{0x1f, 0x8b}, good...), ContentTypeBatch, "gzip", nil), "events", 400, "InvalidDataFormat", "malformed_compression", "gzip"},
		{"s2 cut short", nativeWith(e.a, e.a.PrimaryKey, s2Good[:len(s2Good)/2], ContentTypeBatch, "s2", nil), "events", 400, "InvalidDataFormat", "malformed_compression", "s2"},
		{"torn batch", nativeWith(e.a, e.a.PrimaryKey, good[:len(good)-3], ContentTypeBatch, "", nil), "events", 400, "InvalidDataFormat", "malformed_body", "record 19"},
		{"malformed ndjson", nativeWith(e.a, e.a.PrimaryKey, []byte(string(ndjsonBody(evs[:2]))+"{\"System\":\n"), ContentTypeNDJSON, "", nil), "events", 400, "InvalidDataFormat", "malformed_body", "line 3"},
		{"too many events", nativeWith(e.a, e.a.PrimaryKey, tooMany, ContentTypeBatch, "", nil), "events", 413, "PayloadTooLarge", "too_many_events", "100"},
		{"no sender", nativeWith(e.a, e.a.PrimaryKey, good, ContentTypeBatch, "", func(r *http.Request) { r.Header.Del(HeaderSender) }), "events", 400, "InvalidHeader", "invalid_sender", HeaderSender},
		{"sender with sql", nativeWith(e.a, e.a.PrimaryKey, good, ContentTypeBatch, "", func(r *http.Request) { r.Header.Set(HeaderSender, "a'; DROP TABLE x; --") }), "events", 400, "InvalidHeader", "invalid_sender", HeaderSender},
		{"seq not a number", nativeWith(e.a, e.a.PrimaryKey, good, ContentTypeBatch, "", func(r *http.Request) { r.Header.Set(HeaderSeq, "-1") }), "events", 400, "InvalidHeader", "invalid_seq", HeaderSeq},
		{"content type json", nativeWith(e.a, e.a.PrimaryKey, good, "application/json", "", nil), "events", 400, "UnsupportedContentType", "unsupported_content_type", ContentTypeBatch},
		{"encoding br", nativeWith(e.a, e.a.PrimaryKey, good, ContentTypeBatch, "br", nil), "events", 400, "UnsupportedContentEncoding", "unsupported_encoding", "zstd"},

		{"log type with sql", dc("x; DROP TABLE SecurityEvent", []byte(`[{"a":"b"}]`), nil), "datacollector", 400, "InvalidLogType", "invalid_log_type", "letters, digits and underscores"},
		{"log type too long", dc(strings.Repeat("A", 101), []byte(`[{"a":"b"}]`), nil), "datacollector", 400, "InvalidLogType", "invalid_log_type", "1-100"},
		{"log type missing", dc("", []byte(`[{"a":"b"}]`), nil), "datacollector", 400, "MissingLogType", "missing_log_type", "Log-Type"},
		{"api version missing", dc("MyLog", []byte(`[{"a":"b"}]`), func(r *http.Request) { r.URL.RawQuery = "" }), "datacollector", 400, "MissingApiVersion", "missing_api_version", "2016-04-01"},
		{"api version wrong", dc("MyLog", []byte(`[{"a":"b"}]`), func(r *http.Request) { r.URL.RawQuery = "api-version=2023-01-01" }), "datacollector", 400, "InvalidApiVersion", "invalid_api_version", "2016-04-01"},
		{"content type text", dc("MyLog", []byte(`[{"a":"b"}]`), func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }), "datacollector", 400, "UnsupportedContentType", "unsupported_content_type", "application/json"},
		{"malformed json", dc("MyLog", []byte(`[{"a":"b"},`), nil), "datacollector", 400, "InvalidDataFormat", "malformed_body", "JSON"},
		{"json not records", dc("MyLog", []byte(`[1,2]`), nil), "datacollector", 400, "InvalidDataFormat", "malformed_body", "record 0"},
		{"reserved property", dc("MyLog", []byte(`[{"TimeGenerated":"2020-01-01T00:00:00Z"}]`), nil), "datacollector", 400, "InvalidDataFormat", "reserved_property", "time-generated-field"},
		{"host names workspace B", dc("MyLog", []byte(`[{"a":"b"}]`), func(r *http.Request) { r.Host = e.b.ID + ".ods.opinsights.azure.com" }), "datacollector", 403, "InvalidAuthorization", "wrong_workspace", e.b.ID},
		{"dc wrong key", func() *http.Request {
			r := dc("MyLog", []byte(`[{"a":"b"}]`), nil)()
			_ = auth.SignAt(r, e.a.ID, e.b.SecondaryKey, e.clk.Now())
			return r
		}, "datacollector", 403, "InvalidAuthorization", "bad_signature", "neither key"},

		{"heartbeat without computer", heartbeat(`{"OSType":"Windows"}`), "heartbeat", 400, "InvalidDataFormat", "malformed_body", "Computer"},
		{"heartbeat not json", heartbeat(`OSType=Windows`), "heartbeat", 400, "InvalidDataFormat", "malformed_body", "JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.store.snapshot()
			reasonBefore := e.metric("wsec_ingest_refused_total", "endpoint", c.endpoint, "reason", c.reason)
			st, body, _ := e.do(c.req())
			if st != c.status {
				t.Errorf("status %d, want %d (%s)", st, c.status, body)
			}
			var eb server.ErrorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if eb.Error.Code != c.code || !strings.Contains(eb.Error.Message, c.mention) {
				t.Errorf("error %+v, want code %s and a message mentioning %q", eb.Error, c.code, c.mention)
			}
			if got := e.metric("wsec_ingest_refused_total", "endpoint", c.endpoint, "reason", c.reason); got != reasonBefore+1 {
				t.Errorf("refused{%s,%s} went %v → %v, want +1", c.endpoint, c.reason, reasonBefore, got)
			}
			if after := e.store.snapshot(); after != before {
				t.Errorf("store changed by a refused request: %s → %s", before, after)
			}
			if !strings.Contains(e.logs.String(), "reason="+c.reason) {
				t.Errorf("no log line with reason=%s", c.reason)
			}
			e.sendValid()
		})
	}
	if got := e.metric("wsec_ingest_requests_total", "outcome", "refused"); got != float64(len(cases)) {
		t.Errorf("refused requests %v, want %d", got, len(cases))
	}
	if got := e.metric("wsec_ingest_requests_total", "outcome", "ok"); got != float64(len(cases)) {
		t.Errorf("ok requests %v, want %d (one valid after each refusal)", got, len(cases))
	}
}
