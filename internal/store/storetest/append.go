package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// securityCount is how many of evs land in SecurityEvent.
func securityCount(evs []*event.Event) int64 {
	var n int64
	for _, e := range evs {
		if schema.IsSecurityChannel(e.System.Channel) {
			n++
		}
	}
	return n
}

// testExactlyOnce: a batch sent again (same sender and seq, or by another
// sender, or split differently) stores nothing new, and every event is
// queryable exactly once.
func testExactlyOnce(t *testing.T, open Opener, evs []*event.Event) {
	b, w := openWorkspace(t, open, Config{})
	ctx := context.Background()
	r, err := w.AppendEvents(ctx, "agent-1", 1, evs, "OpsManager")
	if err != nil {
		t.Fatal(err)
	}
	if r.Stored != len(evs) || r.Duplicates != 0 || len(r.Rejected) != 0 {
		t.Fatalf("first append: %+v, want all %d stored", r, len(evs))
	}
	r, err = w.AppendEvents(ctx, "agent-1", 1, evs, "OpsManager")
	if err != nil {
		t.Fatal(err)
	}
	if r.Stored != 0 || r.Duplicates != len(evs) {
		t.Fatalf("same batch again: %+v, want 0 stored and %d duplicates", r, len(evs))
	}
	half := len(evs) / 2
	r, err = w.AppendEvents(ctx, "agent-2", 7, evs[half:], "OpsManager")
	if err != nil {
		t.Fatal(err)
	}
	if r.Stored != 0 || r.Duplicates != len(evs)-half {
		t.Fatalf("same events from another sender: %+v, want 0 stored", r)
	}
	if got, want := count(t, b, w, "SecurityEvent"), securityCount(evs); got != want {
		t.Fatalf("SecurityEvent holds %d rows, want %d (each sample event once)", got, want)
	}
	if got, want := count(t, b, w, "union SecurityEvent, WindowsEvent"), int64(len(evs)); got != want {
		t.Fatalf("SecurityEvent+WindowsEvent hold %d rows, want %d", got, want)
	}
	distinct := query(t, b, w, "SecurityEvent | summarize n = count() by Computer, EventRecordID, TimeGenerated | where n > 1")
	if len(distinct) != 0 {
		t.Fatalf("events stored twice: %v", distinct)
	}
}

// testDedupInBatch: an event repeated inside one batch is stored once, and
// an event without identity is rejected alone.
func testDedupInBatch(t *testing.T, open Opener, evs []*event.Event) {
	b, w := openWorkspace(t, open, Config{})
	batch := append([]*event.Event{}, evs[:10]...)
	batch = append(batch, evs[3], &event.Event{}, evs[4])
	r, err := w.AppendEvents(context.Background(), "agent-1", 1, batch, "OpsManager")
	if err != nil {
		t.Fatal(err)
	}
	if r.Stored != 10 || r.Duplicates != 2 || len(r.Rejected) != 1 || r.Rejected[0].Index != 11 {
		t.Fatalf("append: %+v, want 10 stored, 2 duplicates, event 11 rejected", r)
	}
	if got, want := count(t, b, w, "union SecurityEvent, WindowsEvent"), int64(10); got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}
}

// testCustomTables: records become typed, suffixed columns; a later call
// adds columns; names are refused as Log Analytics refuses them.
func testCustomTables(t *testing.T, open Opener) {
	b, w := openWorkspace(t, open, Config{})
	ctx := context.Background()
	when := time.Date(2026, 1, 9, 8, 30, 0, 0, time.UTC)
	n, err := w.AppendCustom(ctx, "App_CL", []map[string]any{
		{"User": "alice", "Bytes": 1200.0, "Ok": true, "At": "2026-01-09T08:30:00Z"},
		{"User": "bob", "Bytes": 30.5, "Ok": false},
	}, "At")
	if err != nil || n != 2 {
		t.Fatalf("AppendCustom: %d, %v", n, err)
	}
	if _, err := w.AppendCustom(ctx, "App_CL", []map[string]any{{"User": "carol", "Extra": "x"}}, ""); err != nil {
		t.Fatal(err)
	}
	tables, err := w.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var app *schema.Table
	for _, tb := range tables {
		if tb.Name == "App_CL" {
			app = tb
		}
	}
	if app == nil {
		t.Fatalf("Tables has no App_CL: %v", tables)
	}
	for name, typ := range map[string]schema.Type{"User_s": schema.String, "Bytes_d": schema.Real, "Ok_b": schema.Bool, "At_t": schema.DateTime, "Extra_s": schema.String} {
		i, ok := app.Col(name)
		if !ok || app.Columns[i].Type != typ {
			t.Errorf("App_CL column %s: present %v, want type %s (%v)", name, ok, typ, app.Columns)
		}
	}
	rows := query(t, b, w, "App_CL | where Ok_b == true | project User_s, Bytes_d, TimeGenerated, Type")
	if len(rows) != 1 || rows[0][0] != "alice" || rows[0][1] != 1200.0 || !rows[0][2].(time.Time).Equal(when) || rows[0][3] != "App_CL" {
		t.Fatalf("alice's record: %v", rows)
	}
	if got := count(t, b, w, "App_CL | where isnotempty(Extra_s)"); got != 1 {
		t.Fatalf("records with Extra_s: %d, want 1", got)
	}
	_, err = w.AppendCustom(ctx, "Bad-Name_CL", []map[string]any{{"a": "b"}}, "")
	if !errors.Is(err, store.ErrInvalidName) {
		t.Fatalf("bad table name: %v, want ErrInvalidName", err)
	}
	_, err = w.AppendCustom(ctx, "App_CL", []map[string]any{{"bad key": "b"}}, "")
	if !errors.Is(err, store.ErrInvalidName) {
		t.Fatalf("bad property name: %v, want ErrInvalidName", err)
	}
}

// testRetention: rows received longer ago than the retention go, by
// receive time, whatever their TimeGenerated; recent ones stay.
func testRetention(t *testing.T, open Opener, evs []*event.Event) {
	clock := &fixedClock{t: time.Now().Add(-40 * 24 * time.Hour)}
	b, w := openWorkspace(t, open, Config{Now: clock.now, RetentionDays: 30})
	ctx := context.Background()
	half := len(evs) / 2
	if _, err := w.AppendEvents(ctx, "agent-1", 1, evs[:half], "OpsManager"); err != nil {
		t.Fatal(err)
	}
	clock.t = time.Now()
	if _, err := w.AppendEvents(ctx, "agent-1", 2, evs[half:], "OpsManager"); err != nil {
		t.Fatal(err)
	}
	if err := b.EnforceRetention(ctx); err != nil {
		t.Fatal(err)
	}
	want := int64(len(evs) - half)
	// A server store may delete asynchronously (ClickHouse mutations):
	// poll, bounded.
	var got int64
	for range 100 {
		if got = count(t, b, w, "union SecurityEvent, WindowsEvent"); got == want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got != want {
		t.Fatalf("after retention %d rows, want the %d received within 30 days", got, want)
	}
}
