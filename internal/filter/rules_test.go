package filter

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

func mustCompile(t *testing.T, p Policy) *Rules {
	t.Helper()
	r, err := Compile(p, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("Compile(%+v): %v", p, err)
	}
	return r
}

func TestRulesUnion(t *testing.T) {
	te := loadTestEvents(t)
	// Minimal plus a query for 4672 (special logon, Common only) and for
	// AppLocker allowed events (8002 is in the sets, 8005 too: use Level 4
	// on EXE and DLL to add nothing new, and a query on System).
	r := mustCompile(t, Policy{Set: SetMinimal, Queries: []string{
		`Security!*[System[EventID=4672]]`,
		`Microsoft-Windows-AppLocker/EXE and DLL!*[System[Level=4]]`,
		`System!*[System[Provider[@Name='Service Control Manager'] and EventID=7045]]`,
	}})
	svc := withChannel(withID(te.logon, 7045), "System")
	svc.System.Provider = "Service Control Manager"
	cases := []struct {
		name string
		e    event.Event
		want bool
	}{
		{"4624 by the set", te.logon, true},
		{"4672 by the query", te.special, true},
		{"4634 by neither", withID(te.logon, 4634), false},
		{"8004 by the set", te.alBlocked, true},
		{"8002 by the set and the query", te.alAllowed, true},
		{"7045 on System by the query", svc, true},
		{"7045 on Security by nothing", withID(te.logon, 7045), false},
		{"4672 on System: the query is on Security", withChannel(te.special, "System"), false},
	}
	for _, c := range cases {
		if got := r.Keep(&c.e); got != c.want {
			t.Errorf("%s: Keep = %v, want %v", c.name, got, c.want)
		}
	}
	want := []string{
		"Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker/MSI and Script", "Security", "System",
	}
	if got := r.Channels(); !slices.Equal(got, want) {
		t.Errorf("Channels = %q, want %q", got, want)
	}
}

func TestRulesSetsOnly(t *testing.T) {
	te := loadTestEvents(t)
	none := mustCompile(t, Policy{})
	all := mustCompile(t, Policy{Set: SetAll})
	for _, e := range []event.Event{te.logon, te.alAllowed, te.scBlocked} {
		if none.Keep(&e) {
			t.Errorf("the zero policy kept %d", e.System.EventID)
		}
		if !all.Keep(&e) {
			t.Errorf("All dropped %d", e.System.EventID)
		}
	}
	if got := none.Channels(); len(got) != 0 {
		t.Errorf("None needs channels %q", got)
	}
	if got := all.Channels(); len(got) != 5 || got[0] != "Microsoft-Windows-AppLocker/EXE and DLL" || got[4] != "Security" {
		t.Errorf("All channels = %q", got)
	}
}

func TestRulesChannelsDedup(t *testing.T) {
	r := mustCompile(t, Policy{Set: SetCommon, Queries: []string{
		`security!*[System[EventID=1]]`, `Application!*`, `application!*[System[Level=2]]`,
	}})
	want := []string{"Application", "Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker/MSI and Script", "Security"}
	if got := r.Channels(); !slices.Equal(got, want) {
		t.Errorf("Channels = %q, want %q", got, want)
	}
}

func TestRulesErrorsName(t *testing.T) {
	_, err := Compile(Policy{Queries: []string{
		`Security!*[System[EventID=4624]]`,
		`Security!*[System[EventId=4624]]`,
		`Security!*[EventData[contains(Data,'x')]]`,
	}}, Options{})
	if err == nil {
		t.Fatal("bad queries compiled")
	}
	msg := err.Error()
	for _, want := range []string{"query 2: xpath: column 19:", "query 3: xpath: column 22:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	var xe *Error
	if !errors.As(err, &xe) || xe.Column != 19 {
		t.Errorf("errors.As: %+v", xe)
	}
	if _, err := Compile(Policy{Queries: make([]string, 3)}, Options{MaxQueries: 2}); err == nil || !strings.Contains(err.Error(), "3 queries, over the limit of 2") {
		t.Errorf("MaxQueries: %v", err)
	}
}

func TestRulesTimediffUsesInjectedClock(t *testing.T) {
	te := loadTestEvents(t)
	calls := 0
	now := testNow
	r, err := Compile(Policy{Queries: []string{`Security!*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]`}},
		Options{Now: func() time.Time { calls++; return now }})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Keep(&te.logon) {
		t.Error("event within a day dropped")
	}
	now = now.Add(2 * time.Second)
	if r.Keep(&te.logon) {
		t.Error("event older than a day kept")
	}
	if calls != 2 {
		t.Errorf("clock read %d times for 2 events, want 2", calls)
	}
	calls = 0
	plain, err := Compile(Policy{Set: SetCommon, Queries: []string{`Security!*[System[Level=0]]`}},
		Options{Now: func() time.Time { calls++; return now }})
	if err != nil {
		t.Fatal(err)
	}
	plain.Keep(&te.logon)
	plain.Keep(&te.proc)
	if calls != 0 {
		t.Errorf("clock read %d times without timediff()", calls)
	}
}

func TestQueryList(t *testing.T) {
	te := loadTestEvents(t)
	ql := `<QueryList>
  <Query Id="0" Path="Security">
    <Select Path="Security">*[System[(EventID=4624 or EventID=4625)]]</Select>
    <Suppress Path="Security">*[EventData[Data[@Name='LogonType']=5]]</Suppress>
  </Query>
  <Query Id="1">
    <Select Path="Microsoft-Windows-AppLocker/EXE and DLL">*[System[Level &lt;= 3]]</Select>
    <Select Path="Microsoft-Windows-AppLocker/MSI and Script">*</Select>
  </Query>
</QueryList>`
	r := mustCompile(t, Policy{Queries: []string{ql}})
	service := te.logon
	service.Data = slices.Clone(te.logon.Data)
	for i := range service.Data {
		if service.Data[i].Name == "LogonType" {
			service.Data[i].Value = "5"
		}
	}
	cases := []struct {
		name string
		e    event.Event
		want bool
	}{
		{"4624 interactive", te.logon, true},
		{"4624 service logon suppressed", service, false},
		{"4625", te.logonFail, true},
		{"4688 not selected", te.proc, false},
		{"8004 Level 2", te.alBlocked, true},
		{"8002 Level 4", te.alAllowed, false},
		{"8005 any", te.scAllowed, true},
	}
	for _, c := range cases {
		if got := r.Keep(&c.e); got != c.want {
			t.Errorf("%s: Keep = %v, want %v", c.name, got, c.want)
		}
	}
	want := []string{"Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker/MSI and Script", "Security"}
	if got := r.Channels(); !slices.Equal(got, want) {
		t.Errorf("Channels = %q, want %q", got, want)
	}
	f := func(doc, msg string) {
		t.Helper()
		_, err := CompileQueryList(doc, Options{})
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("CompileQueryList(%s) = %v, want %q", doc, err, msg)
		}
	}
	f(`<QueryList><Query Id="0" Path="Security"><Select>*[System[EventId=1]]</Select></Query></QueryList>`,
		`querylist: query "0" select 1 (Path "Security"): xpath: column 10: element "EventId" does not exist here`)
	f(`<QueryList><Query Id="0"><Select>*</Select></Query></QueryList>`, `select 1: no Path on it or on its Query`)
	f(`<QueryList><Query Id="0" Path="Security"></Query></QueryList>`, `no <Select> element`)
	f(`<QueryList></QueryList>`, `no <Query> element`)
	f(`<QueryList><Query>`, `querylist: parse xml:`)
}

// TestUnion: a host with several DCRs collects their union (the widest
// set and every query once), which agents compile in place of the default
// policy: the DCR wins.
func TestUnion(t *testing.T) {
	te := loadTestEvents(t)
	kerberos := DCR{Name: "dc-kerberos", Set: SetNone, XPathQueries: []string{`Security!*[System[(EventID=4768 or EventID=4769 or EventID=4771)]]`}}
	dcrs := []DCR{kerberos, {Name: "everything", Set: SetAll}, {Name: "DC-Kerberos", XPathQueries: kerberos.XPathQueries}}
	// The JSON form the workspace sends round-trips.
	b, err := json.Marshal(dcrs)
	if err != nil {
		t.Fatal(err)
	}
	var back []DCR
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	if !strings.Contains(string(b), `"set":"All"`) || !strings.Contains(string(b), `"xPathQueries":["Security!*[System[(EventID=4768`) {
		t.Errorf("JSON form: %s", b)
	}
	p := Union(back)
	if p.Set != SetAll || len(p.Queries) != 1 {
		t.Fatalf("union = %+v, want All and the kerberos query once", p)
	}
	only, err := Compile(Union(back[:1]), Options{})
	if err != nil {
		t.Fatal(err)
	}
	kerb := withID(te.logon, 4768)
	for _, c := range []struct {
		name string
		e    event.Event
		want bool
	}{
		{"kerberos DCR alone: 4768 kept", kerb, true},
		{"kerberos DCR alone: 4624 dropped (set None)", te.logon, false},
	} {
		if got := only.Keep(&c.e); got != c.want {
			t.Errorf("%s: Keep = %v, want %v", c.name, got, c.want)
		}
	}
}
