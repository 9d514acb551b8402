package ingest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzDataCollectorHeaders: the Data Collector API's query and headers
// (api-version, Content-Type, Log-Type, time-generated-field,
// Content-Encoding) come from any client. Any combination is accepted or
// refused with a 4xx and a message, never a panic; an accepted one names
// a valid table and, when a time field is given, a usable column.
func FuzzDataCollectorHeaders(f *testing.F) {
	for _, s := range [][5]string{
		{DataCollectorAPIVersion, "application/json", "MyRecord", "", ""},
		{DataCollectorAPIVersion, "application/json; charset=utf-8", "Fluent_Bit2", "@timestamp", "gzip"},
		{DataCollectorAPIVersion, "application/json", "A", "log.time", "zstd"},
		{"2016-04-01&api-version=x", "application/json", "T", "", "identity"},
		{"", "application/json", "T", "", ""},
		{"2023-01-01", "application/json", "T", "", ""},
		{DataCollectorAPIVersion, "text/plain", "T", "", ""},
		{DataCollectorAPIVersion, "application/json", "bad-name", "", ""},
		{DataCollectorAPIVersion, "application/json", strings.Repeat("x", 200), "", ""},
		{DataCollectorAPIVersion, "application/json", "T", "___", ""},
		{DataCollectorAPIVersion, "application/json", "T", "", "br"},
		{DataCollectorAPIVersion, "application/json;;=", "T", "\xff", " GZIP "},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, version, ct, logType, timeField, enc string) {
		r := &http.Request{Method: http.MethodPost, Header: http.Header{},
			URL: &url.URL{Path: "/api/logs", RawQuery: "api-version=" + version}}
		for k, v := range map[string]string{"Content-Type": ct, HeaderLogType: logType,
			HeaderTimeGenerated: timeField, "Content-Encoding": enc} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		h, ref := parseDataCollectorHeaders(r)
		if ref != nil {
			if ref.status < 400 || ref.status > 499 || ref.code == "" || ref.msg == "" {
				t.Fatalf("refusal %+v: want a 4xx with a code and a message", ref)
			}
			return
		}
		if !validLogType(logType) || h.table != logType+CustomTableSuffix {
			t.Fatalf("accepted Log-Type %q as table %q", logType, h.table)
		}
		if h.timeField != timeField || (timeField == "") != (h.timeFieldName == "") {
			t.Fatalf("time-generated-field %q read as %q, column %q", timeField, h.timeField, h.timeFieldName)
		}
		if h.timeFieldName != "" && (sanitizeName(h.timeFieldName) != h.timeFieldName || h.timeFieldName[0] == '_') {
			t.Fatalf("time-generated-field %q gives column %q, not a clean name", timeField, h.timeFieldName)
		}
	})
}
