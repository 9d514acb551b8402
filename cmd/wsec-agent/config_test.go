package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"wsec/internal/agent"
)

// The example configuration (shipped for documentation) must stay valid.
func TestExampleConfig(t *testing.T) {
	c, err := agent.LoadConfig("testdata/agent.example.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Destinations) != 2 || c.Sources[0].Kind != agent.KindEventLog {
		t.Errorf("example config: %+v", c)
	}
}

func TestUsageErrors(t *testing.T) {
	f := func(args []string, code int, want string) {
		t.Helper()
		var out, errb bytes.Buffer
		if got := run(context.Background(), args, &out, &errb); got != code || !strings.Contains(errb.String()+out.String(), want) {
			t.Errorf("wsec-agent %v: exit %d, output %q; want exit %d mentioning %q", args, got, errb.String()+out.String(), code, want)
		}
	}
	f(nil, 2, "usage: wsec-agent")
	f([]string{"frobnicate"}, 2, `unknown command "frobnicate"`)
	f([]string{"run"}, 2, "--config FILE is required")
	f([]string{"run", "--config", "testdata/agent.example.json", "--log-level", "loud"}, 2, `--log-level "loud": want debug, info, warn or error`)
	f([]string{"status", "--config", "testdata/missing.json"}, 1, "read config")
	f([]string{"version"}, 0, "wsec-agent ")
}

func TestPrintStatus(t *testing.T) {
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	st := agent.Status{AgentID: "agent-1", Computer: "SRV-APP01", Version: "dev", Updated: now.Add(-2 * time.Minute),
		Destinations: []agent.DestinationStatus{{Name: "soc", Queued: 12, Sent: 3400, AckedSeq: 99, Detached: true, DetachedReason: "spool full",
			Rules: agent.RulesStatus{Source: "workspace", Rules: []string{"logons"}, EventSet: "None"}, LastError: "reach workspace: connection refused"}},
		Streams: []agent.StreamStatus{{Name: "Security", Events: 3412, Position: 1938471, Bookmark: 1938459}},
	}
	var b bytes.Buffer
	printStatus(&b, st, "status.json", now)
	for _, want := range []string{"stale", "soc", "12", "3400", "detached: spool full", "workspace:[logons]", "connection refused", "Security", "1938471", "1938459"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, b.String())
		}
	}
}
