package duckdb

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// formatV2Hot is SecurityEvent's hot list of the first format 2 layout,
// before the payload columns rules name most became physical.
var formatV2Hot = []string{
	"TimeGenerated", "Computer", "EventID", "Channel", "Task", "EventRecordID",
	"Activity", "Account", "AccountType", "SubjectAccount", "TargetAccount",
	"LogonTypeName", "Process", "_TimeReceived",
}

// TestMigrateEarlierLayout: a workspace written with the earlier hot list
// opens with the current one, its newly physical columns backfilled from
// what the view showed, and answers every column as before, equal to the
// mapper's row; rows appended after the migration are right too.
func TestMigrateEarlierLayout(t *testing.T) {
	evs := append(securityEvents(t), sysmonEvents(t)...)
	old, later := evs[:len(evs)/2], evs[len(evs)/2:]
	const all = "SELECT * FROM SecurityEvent ORDER BY Computer, EventRecordID"

	securityEventLayout = formatV2Hot
	t.Cleanup(func() { securityEventLayout = securityEventHot[:] })
	s, clk, dir := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	appendOK(t, w, "a", 1, old)
	before := mustQuery(t, w, all)
	cols, err := w.physColumns(context.Background(), w.se.phys)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cols.names, "IpAddress") {
		t.Fatalf("the earlier layout already has IpAddress: %v", cols.names)
	}
	if _, err := w.wconn.ExecContext(context.Background(), "UPDATE "+metaTable+" SET value = '2' WHERE key = 'format'"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	securityEventLayout = securityEventHot[:]
	s2, err := Open(dir, Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("reopen with the current layout: %v", err)
	}
	t.Cleanup(func() { s2.Close() })
	w2 := mustWorkspace(t, s2, "ws")
	cols, err = w2.physColumns(context.Background(), w2.se.phys)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range securityEventHot {
		if !slices.Contains(cols.names, c) {
			t.Errorf("after migration %s is not physical", c)
		}
	}
	if v := mustQuery(t, w2, "SELECT value FROM "+metaTable+" WHERE key = 'format'").Rows[0][0]; v != strconv.Itoa(formatVersion) {
		t.Errorf("format after migration %v, want %d", v, formatVersion)
	}
	after := mustQuery(t, w2, all)
	if !reflect.DeepEqual(before.Columns, after.Columns) {
		t.Fatalf("columns changed:\n%v\n%v", before.Columns, after.Columns)
	}
	if len(before.Rows) != len(after.Rows) {
		t.Fatalf("%d rows before, %d after", len(before.Rows), len(after.Rows))
	}
	for i := range before.Rows {
		if !reflect.DeepEqual(before.Rows[i], after.Rows[i]) {
			t.Fatalf("row %d differs after migration:\n%v\n%v", i, before.Rows[i], after.Rows[i])
		}
	}
	appendOK(t, w2, "a", 2, later)
	checkTableAgainstMapper(t, w2, s2.cat.SecurityEvent, evs, clk.Now())
}
