package ingest

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCustomRecords: a Data Collector body is any client's JSON. It is
// refused with a complete 4xx, or gives one record per object sent, each
// with a UTC TimeGenerated, column names that are clean, unique without
// regard to case and not reserved, and values within the limits.
func FuzzCustomRecords(f *testing.F) {
	for _, s := range []struct{ body, timeField string }{
		{`[{"Computer":"dc01","Count":3,"Ok":true}]`, ""},
		{`{"@timestamp":"2026-12-05T10:00:00.5+01:00","msg":"x"}`, "@timestamp"},
		{`[{"a b":"1","A_B":"2","a.b":"3"},{"Version":1,"@version":"2"}]`, ""},
		{`[{"nested":{"k":[1,2]},"n":null}]`, ""},
		{`[{"tenant":"x"}]`, ""},
		{`[{"t":"2026-12-05 10:00:00"}] `, "t"},
		{`[] []`, ""},
		{`"text"`, ""},
		{`[1]`, ""},
		{`[{"` + strings.Repeat("k", 600) + `":1}]`, ""},
		{`[{"s":"` + strings.Repeat("é", 40) + `"}]`, ""},
		{`[{},{},{},{},{}]`, ""},
	} {
		f.Add([]byte(s.body), s.timeField)
	}
	lim := Limits{MaxRecordsPerPost: 4, MaxPropertiesPerRecord: 8, MaxPropertyBytes: 64}.withDefaults()
	received := time.Date(2026, 12, 5, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	f.Fuzz(func(t *testing.T, body []byte, timeField string) {
		recs, _, ref := parseCustomRecords(body, timeField, received, lim)
		if ref != nil {
			if ref.status < 400 || ref.status > 499 || ref.code == "" || ref.reason == "" || ref.msg == "" {
				t.Fatalf("incomplete refusal %+v", ref)
			}
			return
		}
		if len(recs) == 0 && !strings.HasPrefix(strings.TrimSpace(string(body)), "[") || len(recs) > lim.MaxRecordsPerPost {
			t.Fatalf("%d records accepted from %q", len(recs), body)
		}
		for i, rec := range recs {
			tg, ok := rec["TimeGenerated"].(time.Time)
			if !ok || tg.Location() != time.UTC {
				t.Fatalf("record %d: TimeGenerated %#v, want a UTC time", i, rec["TimeGenerated"])
			}
			if len(rec) > lim.MaxPropertiesPerRecord+1 {
				t.Fatalf("record %d: %d columns accepted", i, len(rec))
			}
			seen := map[string]bool{}
			for name, v := range rec {
				low := strings.ToLower(name)
				if seen[low] || sanitizeName(name) != name {
					t.Fatalf("record %d: column %q repeated or not clean in %v", i, name, rec)
				}
				seen[low] = true
				if name != "TimeGenerated" && (strings.EqualFold(name, "TimeGenerated") || strings.EqualFold(name, "tenant") || strings.EqualFold(name, "RawData")) {
					t.Fatalf("record %d: reserved column %q accepted", i, name)
				}
				switch x := v.(type) {
				case string:
					if len(x) > lim.MaxPropertyBytes || utf8.ValidString(string(body)) && !utf8.ValidString(x) {
						t.Fatalf("record %d: %s is %d bytes (limit %d) or not UTF-8", i, name, len(x), lim.MaxPropertyBytes)
					}
				case float64, bool, time.Time:
				default:
					t.Fatalf("record %d: %s holds a %T", i, name, v)
				}
			}
		}
	})
}
