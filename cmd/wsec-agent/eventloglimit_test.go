package main

import (
	"testing"
	"time"
)

// TestEventLogLimit (issue 17 item 6): a warning repeated every second
// reaches the Application event log once per interval, with the count of
// those held back; another message is not held back by it.
func TestEventLogLimit(t *testing.T) {
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	l := newEventLogLimit(5*time.Minute, func() time.Time { return now })
	written, held := 0, 0
	for range 600 { // ten minutes of one warning a second
		if ok, h := l.allow("delivery failed; retrying"); ok {
			written++
			held += h
		}
		now = now.Add(time.Second)
	}
	if written != 2 || held != 299 {
		t.Errorf("600 warnings in 10 minutes: %d written, %d reported held back; want 2 written (one per 5 minutes), 299 held back reported", written, held)
	}
	if ok, _ := l.allow("rules not applied"); !ok {
		t.Error("another message was held back by the repeated one")
	}
	if ok, h := l.allow("delivery failed; retrying"); !ok || h != 299 {
		t.Errorf("after the second interval: allowed %v with %d held back, want true and 299", ok, h)
	}
}
