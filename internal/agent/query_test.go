package agent

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"wsec/internal/dcr"
	"wsec/internal/filter"
)

// TestEventLogQueryCheckedAtLoad (issue 17 item 5): a source's query is
// compiled when the configuration loads, so a query Windows would refuse
// (ERROR_EVT_INVALID_QUERY, 15001, on the first subscribe) is a
// configuration error naming the source; a QueryList is taken only for a
// source of one channel whose Paths all name that channel, since every
// channel gets a stream of its own subscribed with the same query (a
// QueryList over several channels would make each stream read them all).
func TestEventLogQueryCheckedAtLoad(t *testing.T) {
	const dest = `"destinations": [{"name": "w", "url": "http://127.0.0.1:8080", "workspace": "7d1c0a52-6a4b-4f4e-9d0e-0a1b2c3d4e60", "key": "a2V5"}]`
	ql := func(paths ...string) string {
		var b strings.Builder
		b.WriteString(`<QueryList><Query Id='0'>`)
		for _, p := range paths {
			b.WriteString(`<Select Path='` + p + `'>*[System[EventID=4624]]</Select>`)
		}
		b.WriteString(`</Query></QueryList>`)
		return b.String()
	}
	for _, tc := range []struct {
		name, source, want string // want "": loads
	}{
		{"XPath", `{"kind": "eventlog", "query": "*[System[(EventID=4624 or EventID=4625)]]"}`, ""},
		{"no query", `{"kind": "eventlog", "channels": ["Security", "System"]}`, ""},
		{"XPath, unbalanced", `{"kind": "eventlog", "query": "*[System[(EventID=4624]]"}`, "sources[0]: query"},
		{"XPath, unknown function", `{"kind": "eventlog", "query": "*[System[frobnicate(EventID)]]"}`, "sources[0]: query"},
		{"QueryList, one channel", `{"kind": "eventlog", "channels": ["Security"], "query": "` + ql("Security") + `"}`, ""},
		{"QueryList, default channels", `{"kind": "eventlog", "query": "` + ql("Security") + `"}`, "exactly one channel"},
		{"QueryList, two channels", `{"kind": "eventlog", "channels": ["Security", "System"], "query": "` + ql("Security") + `"}`, "exactly one channel"},
		{"QueryList, other Path", `{"kind": "eventlog", "channels": ["Security"], "query": "` + ql("Security", "System") + `"}`, `"System"`},
		{"QueryList, broken XML", `{"kind": "eventlog", "channels": ["Security"], "query": "<QueryList><Query>"}`, "sources[0]: query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(`{"dataDir": "d", "sources": [` + tc.source + `], ` + dest + `}`))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
			if err != nil {
				t.Log(err)
			}
		})
	}
}

// TestRuleNamingUnreadChannelWarns (issue 17 item 5): a data collection
// rule asking for a channel no eventlog source of the agent reads is
// applied, with a warning naming the rule and the channel; a channel read
// draws none.
func TestRuleNamingUnreadChannelWarns(t *testing.T) {
	c := &Config{Sources: []SourceConfig{{Kind: KindEventLog, Channels: []string{"Security", "ForwardedEvents"}}}}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	r, err := newRules("w", filter.Policy{}, "", c.readsChannel, log, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	err = r.apply([]dcr.Rule{
		{Name: "logons", EventSet: "None", XPathQueries: []string{"security!*[System[(EventID=4624)]]", "ForwardedEvents!*"}},
		{Name: "sysmon", EventSet: "None", XPathQueries: []string{"Microsoft-Windows-Sysmon/Operational!*[System[(EventID=1)]]"}},
	}, "v1")
	if err != nil {
		t.Fatal(err)
	}
	got := logs.String()
	if strings.Count(got, "level=WARN") != 1 || !strings.Contains(got, "rule=sysmon") || !strings.Contains(got, "channel=Microsoft-Windows-Sysmon/Operational") {
		t.Errorf("want one warning, for rule sysmon's channel; log:\n%s", got)
	}
	if !(&Config{Sources: []SourceConfig{{Kind: KindEVTX, Path: "x"}}}).readsChannel("Microsoft-Windows-Sysmon/Operational") {
		t.Error("an evtx source may hold any channel, so no warning is due")
	}
}
