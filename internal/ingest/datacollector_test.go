package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/testtool"
)

// specClient posts to the Data Collector API exactly as Microsoft's
// published samples do. Its signature code is written here from the
// documented algorithm, not taken from package auth, so that the server is
// checked against the public spec rather than against itself.
type specClient struct {
	base, customerID, sharedKey string
	http                        *http.Client
	host                        string // Host header, as Fluent Bit sends it
	encodeGzip                  bool
}

func (c specClient) buildSignature(date string, contentLength int, method, contentType, resource string) string {
	xHeaders := "x-ms-date:" + date
	stringToHash := method + "\n" + strconv.Itoa(contentLength) + "\n" + contentType + "\n" + xHeaders + "\n" + resource
	keyBytes, err := base64.StdEncoding.DecodeString(c.sharedKey)
	if err != nil {
		panic("test: shared key not base64")
	}
	mac := hmac.New(sha256.New, keyBytes)
	mac.Write([]byte(stringToHash))
	return "SharedKey " + c.customerID + ":" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// post sends body with logType; date is DateTime.UtcNow.ToString("r").
func (c specClient) post(t *testing.T, body []byte, logType, timeField string, now time.Time) (int, []byte) {
	t.Helper()
	if c.encodeGzip {
		body = gzipped(t, body)
	}
	rfc1123date := now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	signature := c.buildSignature(rfc1123date, len(body), "POST", "application/json", "/api/logs")
	req, err := http.NewRequest("POST", c.base+"/api/logs?api-version=2016-04-01", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", signature)
	req.Header.Set("Log-Type", logType)
	req.Header.Set("x-ms-date", rfc1123date)
	req.Header.Set("time-generated-field", timeField)
	req.Header.Set("Content-Type", "application/json")
	if c.encodeGzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if c.host != "" {
		req.Host = c.host
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

// The two records of the documentation's PowerShell sample.
const docSampleJSON = `[{  "StringValue": "MyString1",
    "NumberValue": 42,
    "BooleanValue": true,
    "DateValue": "2016-05-12T20:00:00.625Z",
    "GUIDValue": "9909ED01-A74C-4874-8ABF-D2678E3AE23D"
},
{   "StringValue": "MyString2",
    "NumberValue": 43,
    "BooleanValue": false,
    "DateValue": "2016-05-12T20:00:00.625Z",
    "GUIDValue": "8809ED01-A74C-4874-8ABF-D2678E3AE23D"
}]`

func TestDataCollectorSpecClient(t *testing.T) {
	e := newEnv(t, Limits{})
	for _, c := range []struct {
		name string
		cl   specClient
	}{
		{"primary key", specClient{base: e.url, customerID: e.a.ID, sharedKey: e.a.PrimaryKey, http: e.client}},
		{"secondary key, azure host, gzip", specClient{base: e.url, customerID: e.a.ID, sharedKey: e.a.SecondaryKey, http: e.client,
			host: e.a.ID + ".ods.opinsights.azure.com", encodeGzip: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.store.custom[e.a.ID+"/MyRecordType_CL"])
			st, body := c.cl.post(t, []byte(docSampleJSON), "MyRecordType", "DateValue", e.clk.Now())
			if st != http.StatusOK || len(body) != 0 {
				t.Fatalf("status %d body %q; Azure answers 200 with an empty body", st, body)
			}
			recs := e.store.custom[e.a.ID+"/MyRecordType_CL"][before:]
			if len(recs) != 2 {
				t.Fatalf("stored %d records, want 2", len(recs))
			}
			want := time.Date(2016, 5, 12, 20, 0, 0, 625e6, time.UTC)
			r := recs[0]
			if r["StringValue"] != "MyString1" || r["NumberValue"] != 42.0 || r["BooleanValue"] != true ||
				r["GUIDValue"] != "9909ED01-A74C-4874-8ABF-D2678E3AE23D" || r["TimeGenerated"] != want {
				t.Errorf("record 0 = %#v", r)
			}
			if recs[1]["BooleanValue"] != false || recs[1]["NumberValue"] != 43.0 {
				t.Errorf("record 1 = %#v", recs[1])
			}
			if tf := e.store.timeFields[e.a.ID+"/MyRecordType_CL"]; tf != "DateValue" {
				t.Errorf("time field passed to the store = %q", tf)
			}
		})
	}
	// Workspace B's key, signing as B, cannot write as A: it lands in B.
	cl := specClient{base: e.url, customerID: e.b.ID, sharedKey: e.b.PrimaryKey, http: e.client}
	if st, b := cl.post(t, []byte(`{"x":"only B"}`), "Iso", "", e.clk.Now()); st != http.StatusOK {
		t.Fatalf("%d %s", st, b)
	}
	if len(e.store.custom[e.b.ID+"/Iso_CL"]) != 1 || len(e.store.custom[e.a.ID+"/Iso_CL"]) != 0 {
		t.Errorf("record of B stored in the wrong workspace")
	}
	// Signing as B with A's key is refused.
	cl.sharedKey = e.a.PrimaryKey
	if st, _ := cl.post(t, []byte(`{"x":"A's key"}`), "Iso", "", e.clk.Now()); st != http.StatusForbidden {
		t.Errorf("B's ID with A's key: %d, want 403", st)
	}
}

// Fluent Bit's azure output: "@timestamp" as time key, dotted names,
// a single object body, nulls and nested values.
func TestDataCollectorShapes(t *testing.T) {
	e := newEnv(t, Limits{MaxPropertyBytes: 24})
	cl := specClient{base: e.url, customerID: e.a.ID, sharedKey: e.a.PrimaryKey, http: e.client}
	body := `{"@timestamp":"2026-03-01T10:00:00.123Z","log.level":"warn","Version":"1","@version":"1",
	  "nested":{"a":[1,2]},"gone":null,"long":"0123456789abcdefghijklmnopqrstuvwxyz","x; DROP TABLE t; --":"v","@@":"nameless"}`
	st, b := cl.post(t, []byte(body), "FluentBit", "@timestamp", e.clk.Now())
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, b)
	}
	recs := e.store.custom[e.a.ID+"/FluentBit_CL"]
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	want := map[string]any{
		"timestamp":           "2026-03-01T10:00:00.123Z",
		"log_level":           "warn",
		"Version":             "1",
		"version_2":           "1",
		"nested":              `{"a":[1,2]}`,
		"long":                "0123456789abcdefghijklmn",
		"x__DROP_TABLE_t____": "v",
		"TimeGenerated":       time.Date(2026, 3, 1, 10, 0, 0, 123e6, time.UTC),
	}
	got := recs[0]
	if len(got) != len(want) {
		t.Errorf("record has %d columns, want %d: %#v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if n := e.metric("wsec_ingest_fields_truncated_total"); n != 1 {
		t.Errorf("truncated = %v, want 1", n)
	}
	if n := e.metric("wsec_ingest_fields_dropped_total"); n != 1 {
		t.Errorf("dropped = %v, want 1", n)
	}
	if tf := e.store.timeFields[e.a.ID+"/FluentBit_CL"]; tf != "timestamp" {
		t.Errorf("time field = %q", tf)
	}
	// A time that does not parse falls back to the receive time.
	if st, _ := cl.post(t, []byte(`[{"@timestamp":"yesterday"}]`), "FluentBit", "@timestamp", e.clk.Now()); st != 200 {
		t.Fatal(st)
	}
	if got := e.store.custom[e.a.ID+"/FluentBit_CL"][1]["TimeGenerated"]; got != e.clk.Now().UTC() {
		t.Errorf("unparsable time: TimeGenerated %v, want the receive time %v", got, e.clk.Now())
	}
}

// The README's curl example works as written.
func TestCurlExample(t *testing.T) {
	testtool.Need(t, testtool.Bash, testtool.Curl, testtool.OpenSSL, testtool.Od, testtool.Base64)
	e := newEnv(t, Limits{})
	e.clk.Set(time.Now()) // the script signs with the real clock
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("testdata", "datacollector_curl.sh"))
	cmd.Env = append(os.Environ(), "WSEC_URL="+e.url, "WSEC_WORKSPACE="+e.a.ID, "WSEC_KEY="+e.a.PrimaryKey)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("curl example: %v\n%s", err, out)
	}
	recs := e.store.custom[e.a.ID+"/CurlDemo_CL"]
	if len(recs) != 1 || recs[0]["Message"] != "hello from curl" || recs[0]["Level"] != 3.0 {
		t.Fatalf("stored %#v", recs)
	}
	// The same script with the secondary key, then a wrong one.
	cmd = exec.CommandContext(ctx, "bash", filepath.Join("testdata", "datacollector_curl.sh"))
	cmd.Env = append(os.Environ(), "WSEC_URL="+e.url, "WSEC_WORKSPACE="+e.a.ID, "WSEC_KEY="+e.b.PrimaryKey)
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "InvalidAuthorization") {
		t.Fatalf("curl with workspace B's key: err %v\n%s", err, out)
	}
}

// Real Logstash/NXLog-style Windows events (OTRF dataset) posted through
// the Data Collector API: every line arrives, with its own time.
func TestDataCollectorCorpus(t *testing.T) {
	dir := corpustest.Dir(t, "otrf", "datasets", "atomic", "windows", "credential_access", "host")
	zr, err := zip.OpenReader(filepath.Join(dir, "covenant_dcsync_dcerpc_drsuapi_DsGetNCChanges.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var lines []map[string]any
	var body bytes.Buffer
	body.WriteByte('[')
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".json") || strings.Contains(f.Name, "__MACOSX") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(rc)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			l := bytes.TrimSpace(sc.Bytes())
			if len(l) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, m)
			if body.Len() > 1 {
				body.WriteByte(',')
			}
			body.Write(l)
		}
		rc.Close()
	}
	body.WriteByte(']')
	if len(lines) < 100 {
		t.Fatalf("only %d lines in the dataset", len(lines))
	}
	e := newEnv(t, Limits{})
	cl := specClient{base: e.url, customerID: e.a.ID, sharedKey: e.a.PrimaryKey, http: e.client, encodeGzip: true}
	if st, b := cl.post(t, body.Bytes(), "OTRF", "@timestamp", e.clk.Now()); st != http.StatusOK {
		t.Fatalf("%d %s", st, b)
	}
	recs := e.store.custom[e.a.ID+"/OTRF_CL"]
	if len(recs) != len(lines) {
		t.Fatalf("stored %d records, the dataset has %d", len(recs), len(lines))
	}
	for i, l := range lines {
		ts, _ := time.Parse(time.RFC3339Nano, l["@timestamp"].(string))
		if recs[i]["TimeGenerated"] != ts.UTC() {
			t.Fatalf("record %d TimeGenerated %v, want @timestamp %v", i, recs[i]["TimeGenerated"], ts)
		}
		if h, ok := l["Hostname"]; ok && recs[i]["Hostname"] != h {
			t.Fatalf("record %d Hostname %v, want %v", i, recs[i]["Hostname"], h)
		}
		if eid, ok := l["EventID"]; ok && recs[i]["EventID"] != eid {
			t.Fatalf("record %d EventID %v, want %v", i, recs[i]["EventID"], eid)
		}
	}
}
