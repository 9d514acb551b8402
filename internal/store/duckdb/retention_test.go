package duckdb

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// aged returns copies of base whose TimeCreated is now minus age, with
// distinct record IDs from start.
func aged(base []*event.Event, now time.Time, age time.Duration, start uint64) []*event.Event {
	out := synth(base, len(base), start)
	for _, e := range out {
		e.System.TimeCreated = now.Add(-age)
	}
	return out
}

// TestRetention: rows leave when they were received longer ago than their
// table's retention, whatever their TimeGenerated (old EVTX files imported
// today stay).
func TestRetention(t *testing.T) {
	s, clk, _ := openTestStore(t, Options{
		RetentionDays: map[string]int{"SecurityEvent": 30, "Keep_CL": 0, "Heartbeat": 2},
	})
	w := mustWorkspace(t, s, "ws")
	ctx := context.Background()
	t0 := clk.Now()
	incident := t0.AddDate(-6, 0, 0) // an old incident's logs, imported at t0 and later
	sec, sys := securityEvents(t)[:50], sysmonEvents(t)[:20]
	oldSec, newSec := aged(sec, incident, 0, 1), aged(sec, incident, time.Hour, 1000)
	oldSys, ancientSys := aged(sys, incident, 0, 2000), aged(sys, incident, time.Hour, 3000)
	custom := func(m string) {
		for _, name := range []string{"Gone_CL", "Keep_CL"} {
			if _, err := w.AppendCustom(ctx, name, []map[string]any{{"TimeGenerated": incident, "M": m}}, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.AppendHeartbeat(ctx, &schema.Heartbeat{Time: clk.Now(), Computer: "pc1", OSType: "Windows"}); err != nil {
			t.Fatal(err)
		}
	}
	// Received 100 days ago: oldSec, ancientSys, the first custom rows and heartbeat.
	appendOK(t, w, "a", 1, append(append([]*event.Event{}, oldSec...), ancientSys...))
	custom("old")
	// Received 80 days ago.
	clk.Set(t0.Add(20 * 24 * time.Hour))
	appendOK(t, w, "a", 2, oldSys)
	// Received now.
	now := t0.Add(100 * 24 * time.Hour)
	clk.Set(now)
	appendOK(t, w, "a", 3, newSec)
	custom("new")
	if err := s.EnforceRetention(ctx); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int64{
		"SecurityEvent": int64(len(newSec)), // 30 days: those received 100 days ago are gone
		"WindowsEvent":  int64(len(oldSys)), // default 90 days: received 100 days ago gone, 80 kept
		"Gone_CL":       1,                  // default 90 days
		"Keep_CL":       2,                  // kept forever
		"Heartbeat":     1,                  // 2 days
		batchTable:      3,                  // a forever table keeps batch marks
	} {
		if n := count(t, w, table); n != want {
			t.Errorf("%s: %d rows after retention, want %d", table, n, want)
		}
	}
	// Deleted events are gone for dedup too: sent again, they are stored
	// again (and will age out again); kept ones are still duplicates.
	res := appendOK(t, w, "b", 1, append(append([]*event.Event{}, oldSec...), newSec...))
	if res.Stored != len(oldSec) || res.Duplicates != len(newSec) {
		t.Errorf("re-send after retention: %+v", res)
	}
	// A year later everything but Keep_CL is gone.
	clk.Set(now.AddDate(1, 0, 0))
	deleted, err := w.EnforceRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int64{"SecurityEvent": 0, "WindowsEvent": 0, "Gone_CL": 0, "Keep_CL": 2, "Heartbeat": 0} {
		if n := count(t, w, table); n != want {
			t.Errorf("a year later %s has %d rows, want %d", table, n, want)
		}
	}
	if deleted["SecurityEvent"] != int64(len(newSec)+len(oldSec)) {
		t.Errorf("deleted: %v", deleted)
	}
	if n := count(t, w, batchTable); n != 4 {
		t.Errorf("%d batch marks, want 4 (kept for the forever table)", n)
	}
}

// TestRetentionSlices: retention deletes in slices and releases the write
// lock between them, so a batch sent during a long pass is stored before
// the pass ends, and the pass still deletes every aged row.
func TestRetentionSlices(t *testing.T) {
	defer func(n int) { retentionSliceRows = n }(retentionSliceRows)
	retentionSliceRows = 10
	s, clk, _ := openTestStore(t, Options{RetentionDays: map[string]int{"SecurityEvent": 30}})
	w := mustWorkspace(t, s, "ws")
	sec := securityEvents(t)[:20]
	t0 := clk.Now()
	old := synth(sec, 95, 1)
	appendOK(t, w, "a", 1, old)
	clk.Set(t0.Add(40 * 24 * time.Hour))
	fresh := aged(sec, clk.Now(), 0, 1000)
	slices := 0
	w.testBetweenRetentionSlices = func() {
		slices++
		if slices != 2 {
			return
		}
		type result struct {
			store.AppendResult
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := w.AppendEvents(context.Background(), "a", 2, fresh, "OpsManager")
			done <- result{res, err}
		}()
		select {
		case res := <-done:
			if res.err != nil || res.Stored != len(fresh) {
				t.Errorf("append between retention slices: %+v, %v", res.AppendResult, res.err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("an append waited 30 s between two retention slices: the pass holds the write lock")
		}
	}
	deleted, err := w.EnforceRetention(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// the rows' slices, and then the term index's
	if deleted["SecurityEvent"] != int64(len(old)) || slices < len(old)/retentionSliceRows {
		t.Errorf("deleted %v in %d slices, want %d rows in at least %d", deleted, slices, len(old), len(old)/retentionSliceRows)
	}
	if n := count(t, w, "SecurityEvent"); n != int64(len(fresh)) {
		t.Errorf("%d rows left, want the %d received during the pass", n, len(fresh))
	}
}

func TestRunRetentionStops(t *testing.T) {
	s, _, _ := openTestStore(t, Options{})
	mustWorkspace(t, s, "ws")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.RunRetention(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunRetention: %v", err)
	}
}

func TestHeartbeat(t *testing.T) {
	s, clk, _ := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	hb := &schema.Heartbeat{Time: clk.Now(), Computer: "dc01", ComputerIP: "10.0.0.5", OSType: "Windows",
		OSName: "Windows Server 2022", AgentVersion: "1.2.3", EventsPerSecond: 12.5, QueueDepth: 42, SourceSystem: "OpsManager"}
	if err := w.AppendHeartbeat(context.Background(), hb); err != nil {
		t.Fatal(err)
	}
	r := mustQuery(t, w, "SELECT Computer, ComputerIP, OSType, Version, EventsPerSecond, QueueDepth, TimeGenerated, Type, TenantId, LastError FROM Heartbeat")
	want := []any{"dc01", "10.0.0.5", "Windows", "1.2.3", 12.5, int64(42), clk.Now(), "Heartbeat", "ws", nil}
	checkRow(t, r.Columns, r.Rows[0], want)
	// every Heartbeat column is selectable with its type
	checkAllColumnsSelectable(t, w, s.cat.Heartbeat)
}

// checkAllColumnsSelectable selects each column of table by name, alone.
func checkAllColumnsSelectable(t *testing.T, w *Workspace, table *schema.Table) {
	t.Helper()
	for _, c := range table.Columns {
		r, err := w.Query(context.Background(), "SELECT "+quoteIdent(c.Name)+" FROM "+quoteIdent(table.Name)+" LIMIT 1")
		if err != nil {
			t.Errorf("%s.%s: %v", table.Name, c.Name, err)
			continue
		}
		if r.Columns[0].Type != kqlTypeName(c.Type) {
			t.Errorf("%s.%s: type %s, want %s", table.Name, c.Name, r.Columns[0].Type, kqlTypeName(c.Type))
		}
	}
}

// TestRetentionDetectionTables: SecurityAlert, SecurityIncident and
// Anomalies rows leave by their own retention (by _TimeReceived) like
// every table.
func TestRetentionDetectionTables(t *testing.T) {
	s, clk, _ := openTestStore(t, Options{RetentionDays: map[string]int{"SecurityAlert": 30, "Anomalies": 60, "SecurityIncident": 0}})
	w := mustWorkspace(t, s, "ws")
	ctx := context.Background()
	cat := schema.New()
	add := func(id string) {
		t.Helper()
		for _, tab := range cat.Detection() {
			var r schema.Row
			r.SetTime(tab.MustCol("TimeGenerated"), clk.Now())
			r.SetString(tab.MustCol("Description"), id)
			if err := w.AppendRows(ctx, tab.Name, []schema.Row{r}); err != nil {
				t.Fatal(err)
			}
		}
	}
	t0 := clk.Now()
	add("received 100 days ago")
	clk.Set(t0.Add(50 * 24 * time.Hour))
	add("received 50 days ago")
	clk.Set(t0.Add(100 * 24 * time.Hour))
	add("received now")
	if err := s.EnforceRetention(ctx); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int64{"SecurityAlert": 1, "Anomalies": 2, "SecurityIncident": 3} {
		if n := count(t, w, table); n != want {
			t.Errorf("%s: %d rows after retention, want %d", table, n, want)
		}
	}
}

// TestWorkspaceRetention: a workspace's own retention (the Settings
// page's) overrides the store's for the tables it names, in that
// workspace only, and a change counts from the next pass.
func TestWorkspaceRetention(t *testing.T) {
	var mu sync.Mutex
	own := map[string]map[string]int{"short": {"SecurityEvent": 10}}
	s, clk, _ := openTestStore(t, Options{
		RetentionDays: map[string]int{"SecurityEvent": 30},
		WorkspaceRetention: func(ws string) map[string]int {
			mu.Lock()
			defer mu.Unlock()
			return own[ws]
		},
	})
	ctx := context.Background()
	sec := securityEvents(t)[:20]
	t0 := clk.Now()
	for _, id := range []string{"short", "other"} {
		appendOK(t, mustWorkspace(t, s, id), "a", 1, aged(sec, t0, 0, 1))
	}
	clk.Set(t0.Add(20 * 24 * time.Hour))
	if err := s.EnforceRetention(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, mustWorkspace(t, s, "short"), "SecurityEvent"); n != 0 {
		t.Errorf("workspace with 10 days: %d rows received 20 days ago, want 0", n)
	}
	if n := count(t, mustWorkspace(t, s, "other"), "SecurityEvent"); n != int64(len(sec)) {
		t.Errorf("workspace with the store's 30 days: %d rows received 20 days ago, want %d", n, len(sec))
	}
	mu.Lock()
	own["other"] = map[string]int{"SecurityEvent": 15}
	mu.Unlock()
	if err := s.EnforceRetention(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, mustWorkspace(t, s, "other"), "SecurityEvent"); n != 0 {
		t.Errorf("after setting 15 days: %d rows received 20 days ago, want 0", n)
	}
}
