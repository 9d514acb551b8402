package filter

import (
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

// testNow is one day (minus ~0.95 s) after the first 4624 of the
// velocidex log (2019-02-06T14:18:35.9461328Z).
var testNow = time.Date(2019, 2, 7, 14, 18, 35, 0, time.UTC)

// testEvents are real events from the fixtures, by role.
type testEvents struct {
	logon, logonFail, logonRunas, proc, procCmd, procRunas, cleared, special event.Event
	alAllowed, alAudit, alBlocked, scAllowed, scAudit, scBlocked             event.Event
}

func loadTestEvents(t *testing.T) *testEvents {
	t.Helper()
	sec := readEvents(t, "security-velocidex.xml.gz")
	runas := readEvents(t, "runas-mitre.xml")
	al := readEvents(t, "applocker.xml")
	te := &testEvents{
		logon: byID(t, sec, 4624), logonFail: byID(t, sec, 4625), proc: byID(t, sec, 4688),
		cleared: byID(t, sec, 1102), special: byID(t, sec, 4672),
		logonRunas: byID(t, runas, 4624),
		alAllowed:  byID(t, al, 8002), alAudit: byID(t, al, 8003), alBlocked: byID(t, al, 8004),
		scAllowed: byID(t, al, 8005), scAudit: byID(t, al, 8006), scBlocked: byID(t, al, 8007),
	}
	for _, e := range runas {
		switch e.Value("NewProcessName") {
		case `C:\Windows\System32\cmd.exe`:
			te.procCmd = e
		case `C:\Windows\System32\runas.exe`:
			te.procRunas = e
		}
	}
	if te.procCmd.System.EventID != 4688 || te.procRunas.System.EventID != 4688 {
		t.Fatal("runas fixture lacks the cmd.exe/runas.exe 4688s")
	}
	return te
}

func withID(e event.Event, id uint16) event.Event {
	e.System.EventID = id
	return e
}

func mustQuery(t *testing.T, q string) *Query {
	t.Helper()
	c, err := CompileQuery(q, Options{})
	if err != nil {
		t.Fatalf("CompileQuery(%q): %v", q, err)
	}
	return c
}

type xpathCase struct {
	q    string
	e    event.Event
	want bool
}

// xpathFormCases are the query forms of the DCR and Windows event log
// documentation, each on real events it must and must not match.
func xpathFormCases(te *testEvents) []xpathCase {
	return []xpathCase{
		// The DCR portal's forms.
		{`Security!*[System[(EventID=4624 or EventID=4625)]]`, te.logon, true},
		{`Security!*[System[(EventID=4624 or EventID=4625)]]`, te.logonFail, true},
		{`Security!*[System[(EventID=4624 or EventID=4625)]]`, te.proc, false},
		{`Security!*[System[(EventID=4624 or EventID=4625)]]`, withChannel(te.logon, "System"), false},
		{`Security!*[System[(EventID=4624 or EventID=4625)]]`, withChannel(te.logon, "security"), true},
		{`SECURITY!*[System[(EventID=4624 or EventID=4625)]]`, te.logon, true},
		{`Security!*[System[(EventID=4624 or EventID=4625 or EventID=4688 or Level=9)]]`, te.proc, true},
		{`Security!*[System[(EventID=4624 or EventID=4625 or EventID=4688 or Level=9)]]`, te.special, false},
		{`Security!*[System[(EventID=4624 or EventID=4625 or EventID=4688 or Level=0)]]`, te.special, true},
		{`Security!*[System[(EventID=4624 or EventID='4625' or 4688=EventID)]]`, te.proc, true},
		// Keywords: audit success|failure = 0x30000000000000.
		{`Security!*[System[(band(Keywords,13510798882111488))]]`, te.logon, true},
		{`Security!*[System[(band(Keywords,13510798882111488))]]`, te.logonFail, true},
		{`Security!*[System[(band(Keywords,13510798882111488))]]`, func() event.Event { e := te.logon; e.System.Keywords = 0x8000000000000000; return e }(), false},
		{`Security!*[System[band(Keywords,4503599627370496)]]`, te.logonFail, true}, // audit failure bit
		{`Security!*[System[band(Keywords,4503599627370496)]]`, te.logon, false},
		{`Security!*[System[band(Keywords,9007199254740992)]]`, te.logon, true}, // audit success bit
		{`Security!*[System[band(Keywords,9007199254740992)]]`, te.logonFail, false},
		{`Security!*[System[band(9232379236109516800, Keywords)]]`, te.logon, true}, // 0x8020000000000000
		{`Security!*[System[Keywords=9232379236109516800]]`, te.logon, true},
		{`Security!*[System[Keywords=9227875636482146304]]`, te.logonFail, true}, // 0x8010000000000000
		{`Security!*[System[Keywords='0x8020000000000000']]`, te.logon, true},
		{`Security!*[System[Keywords='0x8010000000000000']]`, te.logon, false},
		// Event data.
		{`Security!*[System[EventID=4688]] and *[EventData[Data[@Name='NewProcessName']='C:\Windows\System32\cmd.exe']]`, te.procCmd, true},
		{`Security!*[System[EventID=4688]] and *[EventData[Data[@Name='NewProcessName']='C:\Windows\System32\cmd.exe']]`, te.procRunas, false},
		{`Security!*[System[EventID=4688]] and *[EventData[Data[@Name='NewProcessName']='c:\windows\system32\cmd.exe']]`, te.procCmd, false},
		{`Security!*[System[EventID=4624]] or *[EventData[Data[@Name='NewProcessName']='C:\Windows\System32\cmd.exe']]`, te.procCmd, true},
		{`Security!*[EventData[Data='hack1']]`, te.logonRunas, true},
		{`Security!*[EventData[Data='hack1']]`, te.logon, false},
		{`Security!*[EventData[Data[@Name='LogonType']=2]]`, te.logon, true},
		{`Security!*[EventData[Data[@Name='LogonType']='2']]`, te.logon, true},
		{`Security!*[EventData[Data[@Name='LogonType']=5]]`, te.logon, false},
		{`Security!*[EventData[Data[@Name='LogonType']>=2 and Data[@Name='LogonType']<3]]`, te.logon, true},
		{`Security!*[EventData[Data[@Name='SubjectLogonId']='0x000000000002995e']]`, te.logon, true},
		{`Security!*[EventData[Data[@Name='SubjectLogonId']=170334]]`, te.logon, true}, // 0x2995e read as hex
		{`Security!*[EventData[Data[@Name='Status']='0xc000006d']]`, te.logonFail, true},
		{`Security!*[EventData[Data[@Name='IpAddress']!='-']]`, te.logon, true},
		{`Security!*[EventData[Data[@Name='TargetUserName']!='user']]`, te.logon, false},
		{`Security!*[EventData[Data[@Name='NoSuchField']!='-']]`, te.logon, false},
		{`Security!*[EventData[Data[@Name='CommandLine']]]`, te.proc, true},
		{`Security!*[EventData/Data[@Name='CommandLine']/text()]`, te.procCmd, true},
		{`Security!*[EventData/Data[@Name='CommandLine']/text()]`, te.proc, false}, // <Data Name="CommandLine"/>
		{`Security!*[EventData/Data[1]='S-1-5-18']`, te.proc, true},
		{`Security!*[EventData/Data[1]='S-1-5-18']`, te.logon, false},
		{`Security!*[EventData/Data[position()=9]=2]`, te.logon, true},
		{`Security!*[EventData/Data[position()>=9][1]=2]`, te.logon, true},
		{`Security!*[EventData/Data[position()>=9][2]=2]`, te.logon, false},
		{`Security!*[EventData/Data[@Name='LogonType'][1]=2]`, te.logon, true},
		{`Security!*[EventData[Binary]]`, te.logon, false},
		// System fields.
		{`Security!*[System[Provider[@Name='Microsoft-Windows-Security-Auditing']]]`, te.logon, true},
		{`Security!*[System[Provider[@Name='Microsoft-Windows-Security-Auditing']]]`, te.cleared, false},
		{`Security!*[System[Provider[@Name='Microsoft-Windows-Eventlog']]]`, te.cleared, true},
		{`Security!*[System[Provider[@Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}']]]`, te.logon, true},
		{`Security!*[System[Correlation[@ActivityID='{02277543-beaa-0000-bb75-2702aabed401}']]]`, te.logon, true},
		{`Security!*[System[EventID>=4720 and EventID<=4730]]`, withID(te.logon, 4720), true},
		{`Security!*[System[EventID>=4720 and EventID<=4730]]`, withID(te.logon, 4730), true},
		{`Security!*[System[EventID>=4720 and EventID<=4730]]`, withID(te.logon, 4719), false},
		{`Security!*[System[EventID>=4720 and EventID<=4730]]`, withID(te.logon, 4731), false},
		{`Security!*[System[EventID!=4624]]`, te.logon, false},
		{`Security!*[System[EventID!=4624]]`, te.logonFail, true},
		{`Security!*[System[EventID<4625]]`, te.logon, true},
		{`Security!*[System[EventID<4625]]`, te.logonFail, false},
		{`Security!*[System[EventID>4624]]`, te.logonFail, true},
		{`Security!*[System[4625>EventID]]`, te.logon, true},
		{`Security!*[System[EventID='4624']]`, te.logon, true},
		{`Security!*[System[Execution[@ProcessID=4]]]`, te.proc, true},
		{`Security!*[System[Execution[@ProcessID=4]]]`, te.logon, false},
		{`Security!*[System[Execution[@ThreadID>100]]]`, te.logon, true},
		{`Security!*[System[Computer='TestComputer']]`, te.logon, true},
		{`Security!*[System[Computer='testcomputer']]`, te.logon, false},
		{`Security!*[System[Computer='TestComputer']]`, te.logonRunas, false},
		{`Security!*[System[Task=12544]]`, te.logon, true},
		{`Security!*[System[Task=12544]]`, te.proc, false},
		{`Security!*[System[Opcode=0 and Version=2]]`, te.logon, true},
		{`Security!*[System[Opcode=0 and Version=2]]`, withID(te.cleared, 4648), false},
		{`Security!*[System[EventRecordID=31880]]`, te.logon, true},
		{`Security!*[System[EventRecordID>=31879 and EventRecordID<31880]]`, te.logon, false},
		{`Security!*[System[Level=0]]`, te.logon, true},
		{`Security!*[System[Level='0']]`, te.logon, true},
		{`Security!*[System/Level=0]`, te.logon, true},
		{`Security!Event[System/EventID=4624]`, te.logon, true},
		{`Security!Event/System[EventID=4624]`, te.logon, true},
		{`Security!*`, te.logon, true},
		{`Security!`, te.cleared, true},
		{`Security!child::*[child::System[child::Provider[attribute::Name='Microsoft-Windows-Security-Auditing']]]`, te.logon, true},
		{`Security!*[System/*[@Name='Microsoft-Windows-Security-Auditing']]`, te.logon, true},
		{`Security!*[System/*[@ProcessID=676]]`, te.logon, true},
		{`Security!*[System/Provider/@*='{54849625-5478-4994-A5BA-3E3B0328C30D}']`, te.logon, true},
		{`Security!*[System[Channel='Security']]`, te.logon, true},
		// Time.
		{`Security!*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]`, te.logon, true},
		{`Security!*[System[TimeCreated[timediff(@SystemTime) <= 86399000]]]`, te.logon, false},
		{`Security!*[System[(Level <= 3) and TimeCreated[timediff(@SystemTime) <= 86400000]]]`, te.logon, true},
		{`Security!*[System[TimeCreated[timediff(@SystemTime, '2019-02-06T14:18:36.9461328Z') = 1000]]]`, te.logon, true},
		{`Security!*[System[TimeCreated[timediff('2019-02-06T14:18:34.9461328Z', @SystemTime) = 1000]]]`, te.logon, true},
		{`Security!*[System[TimeCreated[@SystemTime>='2019-02-06T14:18:00.000Z' and @SystemTime<='2019-02-06T14:19:00.000Z']]]`, te.logon, true},
		{`Security!*[System[TimeCreated[@SystemTime>='2019-02-06T14:19:00.000Z']]]`, te.logon, false},
		{`Security!*[System[TimeCreated[@SystemTime='2019-02-06T14:18:35.9461328Z']]]`, te.logon, true},
		// UserData.
		{`Security!*[UserData/LogFileCleared/SubjectUserName='test']`, te.cleared, true},
		{`Security!*[UserData/*/SubjectUserName='test']`, te.cleared, true},
		{`Security!*[UserData/Other/SubjectUserName='test']`, te.cleared, false},
		{`Security!*[UserData/*/SubjectLogonId=170294]`, te.cleared, true}, // 0x29936
		// AppLocker channels (names with spaces and "/").
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[System[(Level=2 or Level=3)]]`, te.alBlocked, true},
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[System[(Level=2 or Level=3)]]`, te.alAudit, true},
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[System[(Level=2 or Level=3)]]`, te.alAllowed, false},
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[System[(Level=2 or Level=3)]]`, te.scBlocked, false},
		{`Microsoft-Windows-AppLocker/MSI and Script!*[System[(Level=2 or Level=3)]]`, te.scBlocked, true},
		{`Microsoft-Windows-AppLocker/MSI and Script!*[System[(Level=2 or Level=3)]]`, te.scAudit, true},
		{`Microsoft-Windows-AppLocker/MSI and Script!*[System[(Level=2 or Level=3)]]`, te.alBlocked, false},
		{`Microsoft-Windows-AppLocker/MSI and Script!*`, te.scAllowed, true},
		{`Microsoft-Windows-AppLocker/MSI and Script!*`, te.alAllowed, false},
		{`Microsoft-Windows-AppLocker/EXE and DLL!`, te.alAllowed, true},
		{`Microsoft-Windows-AppLocker/MSI and Script!*[System[Security[@UserID='S-1-5-18']]]`, te.scAllowed, true},
		{`Microsoft-Windows-AppLocker/MSI and Script!*[System[Security[@UserID='S-1-5-18']]]`, te.scAudit, false},
		{`Microsoft-Windows-AppLocker/MSI and Script!*[System[Security[@UserID='s-1-5-18']]]`, te.scAllowed, true},
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[System[EventID=8004]] and *[UserData/RuleAndFileData[PolicyName='EXE' and TargetProcessId=10388]]`, te.alBlocked, true},
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[UserData/RuleAndFileData[PolicyName='EXE' and TargetProcessId=10388]]`, te.alAudit, false},
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[UserData/RuleAndFileData/FilePath='%OSDRIVE%\USERS\JDOE\DOWNLOADS\PSEXEC64.EXE']`, te.alAudit, true},
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[UserData/RuleAndFileData/*[1]=3]`, te.alAudit, true}, // PolicyNameLength
		{`Microsoft-Windows-AppLocker/EXE and DLL!*[UserData/RuleAndFileData/*[2]='EXE']`, te.alAudit, true},
		// Constant folding and literals as predicates.
		{`Security!*[System[1=1]]`, te.logon, true},
		{`Security!*[System['a'='b']]`, te.logon, false},
		{`Security!*[System['x']]`, te.logon, true},
	}
}

func TestXPathForms(t *testing.T) {
	te := loadTestEvents(t)
	for _, c := range xpathFormCases(te) {
		q := mustQuery(t, c.q)
		if got := q.Match(&c.e, testNow); got != c.want {
			t.Errorf("%s\n  on %d/%s record %d = %v, want %v", c.q, c.e.System.EventID, c.e.System.Channel, c.e.System.EventRecordID, got, c.want)
		}
	}
}

func TestXPathUserDataNesting(t *testing.T) {
	// A UserData payload with nested elements, flattened by the decoders as
	// "Params/Param" names, and unnamed EventData of a classic provider.
	ud := event.Event{Section: event.SectionUserData, UserDataName: "Wrapper", Data: []event.Field{
		{Name: "Id", Value: "7"},
		{Name: "Params/Param", Value: "a"},
		{Name: "Params/Param", Value: "b"},
		{Name: "Other/Param", Value: "c"},
	}}
	ud.System.Channel = "Application"
	classic := event.Event{Section: event.SectionEventData, Data: []event.Field{{Value: "first"}, {Value: "second"}}, Binary: "00FF"}
	classic.System.Channel = "Application"
	f := func(q string, e *event.Event, want bool) {
		t.Helper()
		if got := mustQuery(t, q).Match(e, testNow); got != want {
			t.Errorf("%s = %v, want %v", q, got, want)
		}
	}
	f(`Application!*[UserData/Wrapper/Params/Param='b']`, &ud, true)
	f(`Application!*[UserData/Wrapper/Params/Param='c']`, &ud, false)
	f(`Application!*[UserData/Wrapper/Params/Param[2]='b']`, &ud, true)
	f(`Application!*[UserData/Wrapper/Params[2]]`, &ud, false) // one Params element
	f(`Application!*[UserData/Wrapper/*[2]/Param='a']`, &ud, true)
	f(`Application!*[UserData/Wrapper/*[3]/Param='c']`, &ud, true)
	f(`Application!*[UserData/Wrapper/Params='a']`, &ud, false) // not a leaf
	f(`Application!*[UserData/Wrapper/Id=7]`, &ud, true)
	f(`Application!*[UserData/Wrapper/Id/text()]`, &ud, true)
	f(`Application!*[EventData[Data='second']]`, &classic, true)
	f(`Application!*[EventData[Data[2]='second']]`, &classic, true)
	f(`Application!*[EventData[Data[@Name]]]`, &classic, false)
	f(`Application!*[EventData[Binary='00FF']]`, &classic, true)
	f(`Application!*[EventData/*[3]='00FF']`, &classic, true)
	f(`Application!*[EventData]`, &ud, false)
	f(`Application!*[UserData]`, &classic, false)
}

// TestFastPathsMatchGeneral compiles every query of these tests twice,
// with the specialised matchers and with the general path walk only, and
// requires the same answer on every fixture event.
func TestFastPathsMatchGeneral(t *testing.T) {
	te := loadTestEvents(t)
	var queries []string
	for _, c := range xpathFormCases(te) {
		queries = append(queries, c.q)
	}
	for _, bp := range benchPolicies() {
		queries = append(queries, bp.p.Queries...)
	}
	for _, q := range oracleQueries() {
		queries = append(queries, "Security!"+q)
	}
	evs := allFixtureEvents(t)
	for _, q := range queries {
		bang := strings.IndexByte(q, '!')
		if strings.TrimSpace(q[bang+1:]) == "" {
			continue
		}
		fast, _, err := compileXPathWith(&compiler{src: q}, bang+1)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		general, _, err := compileXPathWith(&compiler{src: q, general: true}, bang+1)
		if err != nil {
			t.Fatalf("%s (general): %v", q, err)
		}
		for i := range evs {
			a, b := fast(&evs[i], testNow.UnixNano(), node{kind: kRoot}), general(&evs[i], testNow.UnixNano(), node{kind: kRoot})
			if a != b {
				t.Errorf("%s on event %d (%d): fast %v, general %v", q, i, evs[i].System.EventID, a, b)
				break
			}
		}
	}
}
