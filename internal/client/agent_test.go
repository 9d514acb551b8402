package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/dcr"
	"wsec/internal/event"
	"wsec/internal/ingest"
)

// heartbeatSink is an ingest.Appender that keeps heartbeats, so the test
// runs the workspace's real heartbeat decoder against what the client sends.
type heartbeatSink struct {
	mu  sync.Mutex
	got []ingest.Heartbeat
}

func (s *heartbeatSink) AppendEvents(context.Context, string, string, uint64, []*event.Event, string) (ingest.Result, error) {
	return ingest.Result{}, errors.New("not used")
}

func (s *heartbeatSink) AppendCustom(context.Context, string, string, []map[string]any, string) (int, error) {
	return 0, errors.New("not used")
}

func (s *heartbeatSink) AppendHeartbeat(_ context.Context, _ string, hb *ingest.Heartbeat) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, *hb)
	return nil
}

// realWorkspace serves the real ingest handler and the real rules API.
func realWorkspace(t *testing.T) (*heartbeatSink, *dcr.Store, *Client, auth.Workspace) {
	t.Helper()
	reg, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := reg.Create("agents")
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(reg, time.Now)
	sink := &heartbeatSink{}
	h, err := ingest.New(ingest.Options{Appender: sink, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := dcr.Open(t.TempDir(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	dcr.Routes{Store: rules, Verifier: v}.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, ws.ID, ws.PrimaryKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sink, rules, c, ws
}

func TestSendHeartbeat(t *testing.T) {
	sink, _, c, _ := realWorkspace(t)
	hb := Heartbeat{Computer: "SRV-APP01.contoso.local", OSType: "Windows", OSName: "Windows Server 2022",
		Version: "wsec-agent 0.1.0", SourceComputerID: "agent-7", EventsPerSecond: 1234.5, QueueDepth: 42,
		LastError: "rules: query 1: unknown element EventId", Category: "Direct Agent"}
	if err := c.SendHeartbeat(context.Background(), "agent-7", hb); err != nil {
		t.Fatal(err)
	}
	if len(sink.got) != 1 {
		t.Fatalf("workspace stored %d heartbeats, want 1", len(sink.got))
	}
	got := sink.got[0]
	if got.Computer != hb.Computer || got.OSType != hb.OSType || got.OSName != hb.OSName || got.Version != hb.Version ||
		got.SourceComputerID != hb.SourceComputerID || got.EventsPerSecond != hb.EventsPerSecond ||
		got.QueueDepth != hb.QueueDepth || got.LastError != hb.LastError || got.Category != hb.Category {
		t.Errorf("workspace decoded %+v, sent %+v", got, hb)
	}
	if got.Sender != "agent-7" {
		t.Errorf("sender = %q, want agent-7", got.Sender)
	}
	// The workspace refuses a heartbeat without a computer name; that is
	// not worth retrying.
	err := c.SendHeartbeat(context.Background(), "agent-7", Heartbeat{})
	if err == nil || Retryable(err) {
		t.Errorf("heartbeat without Computer: err = %v, want a non-retryable refusal", err)
	}
}

func TestFetchRules(t *testing.T) {
	_, store, c, ws := realWorkspace(t)
	ctx := context.Background()
	first, err := c.FetchRules(ctx, []string{"dc", "servers"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Rules) != 0 || first.ETag == "" || first.NotModified {
		t.Fatalf("no rules yet: got %+v", first)
	}
	if _, err := store.Put(ws.ID, dcr.Rule{Name: "logons", EventSet: "Minimal",
		XPathQueries: []string{"Security!*[System[(EventID=4624)]]"}, Groups: []string{"servers"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(ws.ID, dcr.Rule{Name: "other", EventSet: "All", Groups: []string{"laptops"}}); err != nil {
		t.Fatal(err)
	}
	second, err := c.FetchRules(ctx, []string{"dc", "servers"}, first.ETag)
	if err != nil {
		t.Fatal(err)
	}
	if second.NotModified || len(second.Rules) != 1 || second.Rules[0].Name != "logons" ||
		second.Rules[0].EventSet != "Minimal" || len(second.Rules[0].XPathQueries) != 1 {
		t.Fatalf("after a rule was assigned: got %+v", second)
	}
	if second.ETag == first.ETag {
		t.Errorf("ETag did not change with the answer: %s", second.ETag)
	}
	third, err := c.FetchRules(ctx, []string{"dc", "servers"}, second.ETag)
	if err != nil {
		t.Fatal(err)
	}
	if !third.NotModified || third.ETag != second.ETag || third.Rules != nil {
		t.Errorf("unchanged rules with If-None-Match: got %+v, want NotModified", third)
	}
	bad, err := New(c.base.String(), ws.ID, "c2VjcmV0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.FetchRules(ctx, []string{"servers"}, ""); err == nil || Retryable(err) {
		t.Errorf("wrong key: err = %v, want a non-retryable refusal", err)
	}
}
