package agent

import (
	"context"
	"strings"
	"testing"
	"time"

	"wsec/internal/dcr"
)

// waitFor polls cond until it holds (fails the test after a minute).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRulesFromWorkspaceWithoutRestart: the workspace assigns, changes and
// breaks a data collection rule while the agent runs; the agent applies
// each change within its poll interval, keeps the previous rules when a
// rule is broken, and says so in its heartbeat.
func TestRulesFromWorkspaceWithoutRestart(t *testing.T) {
	w := newFakeWorkspace(t)
	dir := t.TempDir()
	c := &Config{
		AgentID: "agent-rules", DataDir: dir, Computer: "SRV-APP01", Groups: []string{"servers"},
		EventSet:          "None", // nothing until the workspace says otherwise
		Sources:           []SourceConfig{{Kind: KindSynthetic, Rate: 4000, Seed: 42}},
		Destinations:      []DestinationConfig{destTo("w", w, "")},
		FlushInterval:     Duration(50 * time.Millisecond),
		RulesInterval:     Duration(100 * time.Millisecond),
		HeartbeatInterval: Duration(100 * time.Millisecond),
		StatusInterval:    Duration(50 * time.Millisecond),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Config: c, Logger: testLogger(t)}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	st := waitStatus(t, dir, func(s Status) bool { return len(s.Streams) == 1 && s.Streams[0].Events > 4000 })
	if n := w.count(); n != 0 || st.Destinations[0].Rules.Source != "config" || st.Destinations[0].Rules.EventSet != "None" {
		t.Fatalf("with event set None and no rule: workspace holds %d events, rules %+v", n, st.Destinations[0].Rules)
	}

	// Assign a rule: logons only.
	if _, err := w.rules.Put(w.ws.ID, dcr.Rule{Name: "logons", EventSet: "None",
		XPathQueries: []string{"Security!*[System[(EventID=4624)]]"}, Groups: []string{"servers"}}); err != nil {
		t.Fatal(err)
	}
	w.waitCount(t, 200, time.Minute)
	if ids := w.eventIDs(); len(ids) != 1 || ids[4624] == 0 {
		t.Fatalf("after the logons rule the workspace holds events by ID %v, want 4624 only", ids)
	}
	st = waitStatus(t, dir, func(s Status) bool { return s.Destinations[0].Rules.Source == "workspace" })
	if r := st.Destinations[0].Rules; len(r.Rules) != 1 || r.Rules[0] != "logons" || r.Queries != 1 {
		t.Errorf("rules status %+v", r)
	}

	// A second rule with a typo (EventId): Windows would silently match
	// nothing; the agent keeps the rules it has and reports the error.
	if _, err := w.rules.Put(w.ws.ID, dcr.Rule{Name: "broken", EventSet: "All",
		XPathQueries: []string{"Security!*[System[EventId=4625]]"}, Groups: []string{"servers"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a heartbeat reporting the broken rule", func() bool {
		hb, ok := w.lastHeartbeat()
		return ok && strings.Contains(hb.LastError, `rule "broken"`)
	})
	before := w.count()
	w.waitCount(t, before+200, time.Minute)
	if ids := w.eventIDs(); len(ids) != 1 {
		t.Fatalf("with a broken rule assigned the workspace holds events by ID %v: the previous rules (4624 only) must stay", ids)
	}

	// Fixed: the union of both rules applies (All of the broken one's set).
	if _, err := w.rules.Put(w.ws.ID, dcr.Rule{Name: "broken", EventSet: "Minimal", Groups: []string{"servers"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "events other than 4624", func() bool { return len(w.eventIDs()) > 1 })
	waitFor(t, "a heartbeat without the error", func() bool {
		hb, ok := w.lastHeartbeat()
		return ok && hb.LastError == ""
	})
	hb, _ := w.lastHeartbeat()
	if hb.Computer != "SRV-APP01" || hb.SourceComputerID != "agent-rules" || !strings.HasPrefix(hb.Version, "wsec-agent ") || hb.OSType == "" {
		t.Errorf("heartbeat %+v", hb)
	}
	st = waitStatus(t, dir, func(s Status) bool { return len(s.Destinations[0].Rules.Rules) == 2 })
	if r := st.Destinations[0].Rules; r.EventSet != "Minimal" || r.LastError != "" {
		t.Errorf("rules status %+v", r)
	}
}
