package filter

import (
	"testing"
	"time"

	"wsec/internal/event"
)

// TestXPathValueConversions: how a comparison reads a value decides which
// events a collection rule keeps. Hex data ("0xAF", as Windows writes logon
// IDs) compares as its number in either letter case; a string literal that
// is not a number never equals a numeric or time attribute (so '=' drops
// the event and '!=' keeps it); an attribute that is absent does not exist
// for the query.
func TestXPathValueConversions(t *testing.T) {
	e := event.Event{Section: event.SectionEventData, Data: []event.Field{
		{Name: "Upper", Value: "0xAF"},
		{Name: "Lower", Value: "0xaf"},
		{Name: "Mixed", Value: "0x9fE"},
	}}
	e.System = event.System{Channel: "Security", EventID: 4624, Keywords: 0x8020000000000000,
		TimeCreated: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), ActivityID: "{A1B2C3D4-0000-0000-0000-000000000001}"}
	related := e
	related.System.RelatedActivityID = "{A1B2C3D4-0000-0000-0000-000000000002}"
	for _, c := range []struct {
		q    string
		e    *event.Event
		want bool
	}{
		{`Security!*[EventData[Data[@Name='Upper']=175]]`, &e, true},
		{`Security!*[EventData[Data[@Name='Upper']=176]]`, &e, false},
		{`Security!*[EventData[Data[@Name='Lower']=175]]`, &e, true},
		{`Security!*[EventData[Data[@Name='Lower']>=175]]`, &e, true},
		{`Security!*[EventData[Data[@Name='Mixed']=2558]]`, &e, true},
		{`Security!*[System[EventID='not a number']]`, &e, false},
		{`Security!*[System[EventID!='not a number']]`, &e, true},
		{`Security!*[System[Keywords='audit']]`, &e, false},
		{`Security!*[System[Keywords!='audit']]`, &e, true},
		{`Security!*[System[TimeCreated[@SystemTime='yesterday']]]`, &e, false},
		{`Security!*[System[TimeCreated[@SystemTime!='yesterday']]]`, &e, true},
		{`Security!*[System[Correlation[@ActivityID]]]`, &e, true},
		{`Security!*[System[Correlation[@RelatedActivityID]]]`, &e, false},
		{`Security!*[System[Correlation[@RelatedActivityID]]]`, &related, true},
	} {
		if got := mustQuery(t, c.q).Match(c.e, testNow); got != c.want {
			t.Errorf("%s = %v, want %v", c.q, got, c.want)
		}
	}
}
