package sigma

import (
	"errors"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

func sysmon1(fields ...string) *event.Event {
	e := &event.Event{System: event.System{Channel: "Microsoft-Windows-Sysmon/Operational", EventID: 1, Provider: "Microsoft-Windows-Sysmon", Computer: "ws1", TimeCreated: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}}
	for i := 0; i+1 < len(fields); i += 2 {
		e.Data = append(e.Data, event.Field{Name: fields[i], Value: fields[i+1]})
	}
	return e
}

func proc4688(fields ...string) *event.Event {
	e := sysmon1(fields...)
	e.System.Channel, e.System.EventID = "Security", 4688
	return e
}

const ruleHead = "title: t\nid: 11111111-1111-1111-1111-111111111111\nlevel: high\nlogsource:\n  product: windows\n  category: process_creation\n"

// matches compiles one process_creation rule with the given detection and
// reports whether it matches e.
func matches(t *testing.T, detection string, e *event.Event) bool {
	t.Helper()
	rules, err := Parse("t.yml", []byte(ruleHead+"detection:\n"+detection))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	rs := Compile(rules, Options{})
	if len(rs.Problems) > 0 {
		t.Fatalf("compile: %v", rs.Problems[0].Err)
	}
	d := rs.NewDoc()
	d.Reset(e)
	hit := false
	rs.Match(d, func(Hit) { hit = true })
	return hit
}

func TestModifiers(t *testing.T) {
	ev := sysmon1(
		"Image", `C:\Windows\System32\cmd.exe`,
		"CommandLine", `cmd.exe /c whoami -all`,
		"ParentImage", `C:\Windows\explorer.exe`,
		"DestinationIp", "10.1.2.3",
		"ProcessId", "4242",
		"OriginalFileName", "Cmd.Exe",
		"Description", "",
		"TargetFilename", `C:\Windows\System32\cmd.exe`,
		"EncodedCommand", "powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA",
		"ScriptBlock", "JABzAD0AJwBJAG4AdgBvAGsAZQAtAE0AaQBtAGkAawBhAHQAegAnAA==",
	)
	f := func(detection string, want bool) {
		t.Helper()
		if got := matches(t, "  sel:\n"+detection+"  condition: sel\n", ev); got != want {
			t.Errorf("%s: got %v, want %v", detection, got, want)
		}
	}
	f("    Image: 'c:\\windows\\system32\\CMD.exe'\n", true)
	f("    Image: 'cmd.exe'\n", false)
	f("    Image|endswith: '\\cmd.exe'\n", true)
	f("    Image|startswith: 'C:\\Windows\\'\n", true)
	f("    CommandLine|contains: 'WHOAMI'\n", true)
	f("    CommandLine|contains|cased: 'WHOAMI'\n", false)
	f("    CommandLine|contains|cased: 'whoami'\n", true)
	f("    CommandLine|contains|all: ['/c', 'whoami']\n", true)
	f("    CommandLine|contains|all: ['/c', 'hostname']\n", false)
	f("    CommandLine|contains: ['hostname', 'whoami']\n", true)
	f("    CommandLine: 'cmd.exe*who?mi*'\n", true)
	f("    CommandLine: 'cmd.exe*who??mi*'\n", false)
	f("    Image: 'C:\\Windows\\System32\\cmd.ex\\*'\n", false)
	f("    CommandLine|windash|contains: ' -c '\n", true)
	f("    CommandLine|windash|contains: ' /all'\n", true)
	f("    CommandLine|windash|contains: ' /x'\n", false)
	f("    CommandLine|re: 'who[a-z]+ -all$'\n", true)
	f("    CommandLine|re: 'WHOAMI'\n", false)
	f("    CommandLine|re|i: 'WHOAMI'\n", true)
	f("    DestinationIp|cidr: '10.0.0.0/8'\n", true)
	f("    DestinationIp|cidr: '192.168.0.0/16'\n", false)
	f("    ProcessId|gt: 4000\n", true)
	f("    ProcessId|lte: 4000\n", false)
	f("    ProcessId|gte: 4242\n", true)
	f("    ProcessId|lt: 4243\n", true)
	f("    ParentCommandLine|exists: false\n", true)
	f("    Image|exists: true\n", true)
	f("    ParentCommandLine: null\n", true)
	f("    Description: null\n", true)
	f("    Image: null\n", false)
	f("    Description: ''\n", true)
	f("    TargetFilename|fieldref: Image\n", true)
	f("    ParentImage|fieldref: Image\n", false)
	f("    EncodedCommand|base64offset|contains: 'IEX (New-Object'\n", false)
	f("    EncodedCommand|wide|base64offset|contains: 'IEX (New-Object'\n", true)
	f("    ScriptBlock|wide|base64offset|contains: 'Invoke-Mimikatz'\n", true)
	f("    ScriptBlock|utf16le|base64offset|contains: 'Invoke-Mimikatz'\n", true)
	f("    ScriptBlock|base64offset|contains: 'Invoke-Mimikatz'\n", false) // the text is UTF-16LE
	f("    ScriptBlock|base64|contains: 'Invoke-Mimikatz'\n", false)
	f("    EventID: 1\n    Provider_Name: microsoft-windows-sysmon\n    Computer: ws1\n", true)
	f("    EventID: 4688\n", false)
}

func TestBase64Modifier(t *testing.T) {
	ev := sysmon1("CommandLine", "echo aGVsbG8gd29ybGQ= | base64 -d")
	if !matches(t, "  sel:\n    CommandLine|base64|contains: 'hello world'\n  condition: sel\n", ev) {
		t.Error("base64 of 'hello world' not found")
	}
}

func TestConditions(t *testing.T) {
	ev := sysmon1("Image", `C:\x\a.exe`, "CommandLine", "a.exe run", "User", "CORP\\bob")
	searches := "  sel_img:\n    Image|endswith: '\\a.exe'\n  sel_cmd:\n    CommandLine|contains: run\n  filter_user:\n    User|endswith: bob\n  _hidden:\n    Image: nothing\n"
	f := func(cond string, want bool) {
		t.Helper()
		if got := matches(t, searches+"  condition: "+cond+"\n", ev); got != want {
			t.Errorf("%s: got %v, want %v", cond, got, want)
		}
	}
	f("sel_img and sel_cmd", true)
	f("sel_img and not filter_user", false)
	f("sel_img and not (filter_user and _hidden)", true)
	f("all of sel_*", true)
	f("1 of sel_* and not 1 of filter_*", false)
	f("all of them", true) // _hidden is not part of them
	f("all of sel_* and _hidden", false)
	f("_hidden or sel_cmd", true)
	f("not sel_img or not sel_cmd", false)
	f("NOT _hidden AND (sel_img OR _hidden)", true)
	f("2 of them", true)
	f("3 of sel_*", false)
}

func TestKeywords(t *testing.T) {
	ev := sysmon1("CommandLine", "mimikatz.exe sekurlsa::logonpasswords exit")
	f := func(detection string, want bool) {
		t.Helper()
		if got := matches(t, detection, ev); got != want {
			t.Errorf("%s: got %v, want %v", detection, got, want)
		}
	}
	f("  keywords:\n    - 'SEKURLSA::'\n    - 'kerberos::golden'\n  condition: keywords\n", true)
	f("  keywords:\n    - 'kerberos::golden'\n  condition: keywords\n", false)
	f("  keywords:\n    '|all':\n      - sekurlsa\n      - exit\n  condition: keywords\n", true)
	f("  keywords:\n    '|all':\n      - sekurlsa\n      - golden\n  condition: keywords\n", false)
}

// TestProcessCreationOn4688 checks that a process_creation rule runs on
// Security 4688 with the renames of the log source table.
func TestProcessCreationOn4688(t *testing.T) {
	det := "  sel:\n    Image|endswith: '\\whoami.exe'\n    ParentImage|endswith: '\\cmd.exe'\n    User: alice\n  condition: sel\n"
	if !matches(t, det, proc4688("NewProcessName", `C:\Windows\System32\whoami.exe`, "ParentProcessName", `C:\Windows\System32\cmd.exe`, "SubjectUserName", "alice")) {
		t.Error("4688 with renamed fields does not match")
	}
	if matches(t, det, proc4688("Image", `C:\Windows\System32\whoami.exe`, "ParentImage", `C:\Windows\System32\cmd.exe`, "User", "alice")) {
		t.Error("4688 matched through Sysmon's field names")
	}
	ev := proc4688("NewProcessName", `C:\Windows\System32\whoami.exe`)
	ev.System.EventID = 4689
	if matches(t, "  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\n", ev) {
		t.Error("a process_creation rule matched Security 4689")
	}
}

func TestRejected(t *testing.T) {
	f := func(rule, want string) {
		t.Helper()
		rules, err := Parse("bad.yml", []byte(rule))
		if err == nil {
			rs := Compile(rules, Options{})
			if len(rs.Problems) == 0 {
				t.Fatalf("rule accepted, want error containing %q", want)
			}
			err = rs.Problems[0].Err
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	f("title: x\n", "neither detection nor correlation")
	f(": [\n", "read YAML")
	f("- a\n", "must be a YAML map")
	f(ruleHead+"detection:\n  sel:\n    a: b\n", "detection has no condition")
	f(ruleHead+"detection:\n  sel:\n    a: b\n  condition: sel and other\n", `search identifier "other" is not defined`)
	f(ruleHead+"detection:\n  sel:\n    a: b\n  condition: 1 of x*\n", `no search identifier matches "x*"`)
	f(ruleHead+"detection:\n  sel:\n    a: b\n  condition: (sel\n", "missing ')'")
	f(ruleHead+"detection:\n  sel:\n    a: b\n  condition: sel and\n", "condition ends")
	f(ruleHead+"detection:\n  sel:\n    a: b\n  condition: sel | count() by x > 3\n", "write it as a correlation rule")
	f(ruleHead+"detection:\n  sel:\n    a|frobnicate: b\n  condition: sel\n", `modifier "frobnicate" is not implemented`)
	f(ruleHead+"detection:\n  sel:\n    a|re: '(?<=x)y'\n  condition: sel\n", "RE2")
	f(ruleHead+"detection:\n  sel:\n    a|cidr: '10.0.0.0/33'\n  condition: sel\n", "not a CIDR prefix")
	f(ruleHead+"detection:\n  sel:\n    a|expand: '%admins%'\n  condition: sel\n", "placeholder %admins% has no value")
	f("title: t\nlogsource:\n  product: linux\n  category: process_creation\ndetection:\n  sel:\n    a: b\n  condition: sel\n", `product "linux" is not mapped`)
	f("title: t\nlogsource:\n  product: windows\n  category: file_access\ndetection:\n  sel:\n    a: b\n  condition: sel\n", `category "file_access" is not mapped`)
}

func TestUnsupportedIsMarked(t *testing.T) {
	rules, err := Parse("u.yml", []byte(ruleHead+"detection:\n  sel:\n    a|expand: '%x%'\n  condition: sel\n"))
	if err != nil {
		t.Fatal(err)
	}
	rs := Compile(rules, Options{})
	var u *UnsupportedError
	if len(rs.Problems) != 1 || !rs.Problems[0].Unsupported() || !errors.As(rs.Problems[0].Err, &u) {
		t.Fatalf("problems %v: want one UnsupportedError", rs.Problems)
	}
	rs = Compile(rules, Options{Placeholders: map[string][]string{"x": {"a*", "b"}}})
	if len(rs.Problems) != 0 {
		t.Fatalf("with the placeholder given: %v", rs.Problems[0].Err)
	}
}
