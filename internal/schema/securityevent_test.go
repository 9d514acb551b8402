package schema

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

// Field sets below are copied from real events: the Sentinel oracle
// (testdata/oracle), Microsoft's published 4625 SecurityEvent row, the
// hayabusa-sample-evtx corpus (rendered with evtxexport) and the Sigma
// regression data; the file each comes from is named per case.

const (
	kwSuccess = 0x8020000000000000
	kwFailure = 0x8010000000000000
)

func fields(kv ...string) []event.Field {
	if len(kv)%2 != 0 {
		panic("BUG: odd field list")
	}
	out := make([]event.Field, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		out = append(out, event.Field{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func securityEventOf(id uint16, provider string, keywords uint64, data []event.Field) *event.Event {
	return &event.Event{
		System: event.System{
			Provider: provider, EventID: id, Keywords: keywords, Channel: "Security",
			Computer: "DC01.simulandlabs.com", TimeCreated: time.Date(2021, 8, 2, 13, 6, 38, 330000000, time.UTC),
			EventRecordID: 4242, ProcessID: 636, ThreadID: 5084,
		},
		Section: event.SectionEventData,
		Data:    data,
	}
}

// rowValues maps e and returns every set column as text, failing on a column
// set twice.
func rowValues(t *testing.T, m *Mapper, e *event.Event) (map[string]string, *Table) {
	t.Helper()
	var r Row
	tbl := m.Map(e, "OpsManager", &r)
	out := map[string]string{}
	for _, c := range r.Cells {
		name := tbl.Columns[c.Col].Name
		if _, dup := out[name]; dup {
			t.Fatalf("column %s set twice", name)
		}
		out[name] = cellText(tbl, c)
	}
	return out, tbl
}

const unset = "<unset>"

func TestSecurityEventDerivedColumns(t *testing.T) {
	m := NewMapper(New())
	const auditing = "Microsoft-Windows-Security-Auditing"
	tests := []struct {
		name string
		e    *event.Event
		want map[string]string
	}{
		{
			name: "4624 kerberos network logon (oracle goldensaml:3)",
			e: securityEventOf(4624, auditing, kwSuccess, fields(
				"SubjectUserSid", "S-1-0-0", "SubjectUserName", "-", "SubjectDomainName", "-", "SubjectLogonId", "0x0",
				"TargetUserSid", "S-1-5-21-2490359158-13971675-3780420524-500", "TargetUserName", "wardog",
				"TargetDomainName", "SIMULANDLABS.COM", "TargetLogonId", "0x8f0cd568", "LogonType", "3",
				"LogonProcessName", "Kerberos", "AuthenticationPackageName", "Kerberos", "WorkstationName", "-",
				"LogonGuid", "{bd2dda1b-862a-504f-2260-d9d2ed316e26}", "TransmittedServices", "-", "LmPackageName", "-",
				"KeyLength", "0", "ProcessId", "0x0", "ProcessName", "-", "IpAddress", "192.168.2.5", "IpPort", "53085",
				"ImpersonationLevel", "%%1833", "RestrictedAdminMode", "-", "TargetOutboundUserName", "-",
				"TargetOutboundDomainName", "-", "VirtualAccount", "%%1843", "TargetLinkedLogonId", "0x0", "ElevatedToken", "%%1842")),
			want: map[string]string{
				"Activity": "4624 - An account was successfully logged on.", "Level": "8",
				"Account": `SIMULANDLABS.COM\wardog`, "AccountType": "User",
				"TargetAccount": `SIMULANDLABS.COM\wardog`, "SubjectAccount": `-\-`,
				"LogonType": "3", "LogonTypeName": "3 - Network", "KeyLength": "0",
				"Process": "-", "ProcessName": "-", "ProcessId": "0x0", "IpAddress": "192.168.2.5",
				"ImpersonationLevel": "%%1833", "ElevatedToken": "%%1842", "EventID": "4624",
				"Type": "SecurityEvent", "SourceSystem": "OpsManager", "EventSourceName": auditing,
				"Keywords": "0x8020000000000000", "EventRecordID": "4242",
			},
		},
		{
			name: "4625 local brute force (hayabusa ID 4776,4625-AccountRestore local bruteforce.evtx)",
			e: securityEventOf(4625, auditing, kwFailure, fields(
				"SubjectUserSid", "S-1-5-21-113448046-927799223-410490820-1001", "SubjectUserName", "Admin",
				"SubjectDomainName", "WIN", "SubjectLogonId", "0x393f6d", "TargetUserSid", "S-1-0-0",
				"TargetUserName", "Administrator", "TargetDomainName", "WIN", "Status", "0xc000006d",
				"FailureReason", "%%2313", "SubStatus", "0xc000006a", "LogonType", "2", "LogonProcessName", "Advapi  ",
				"AuthenticationPackageName", "Negotiate", "WorkstationName", "WIN", "TransmittedServices", "-",
				"LmPackageName", "-", "KeyLength", "0", "ProcessId", "0x1b0c",
				"ProcessName", `C:\Users\Admin\Desktop\AccountRestore.bin\AccountRestore.exe`, "IpAddress", "-", "IpPort", "-")),
			want: map[string]string{
				"Activity": "4625 - An account failed to log on.", "Level": "16",
				"Account": `WIN\Administrator`, "AccountType": "User", "SubjectAccount": `WIN\Admin`,
				"FailureReason": "%%2313", "Status": "0xc000006d", "SubStatus": "0xc000006a",
				"LogonTypeName": "2 - Interactive", "Process": "AccountRestore.exe", "ProcessId": "0x1b0c",
				"IpAddress": "-", "LogonProcessName": "Advapi  ",
			},
		},
		{
			name: "4625 with empty target domain (Microsoft's published SecurityEvent row)",
			e: securityEventOf(4625, auditing, kwFailure, fields(
				"SubjectUserSid", "S-1-0-0", "SubjectUserName", "-", "SubjectDomainName", "-", "SubjectLogonId", "0x0",
				"TargetUserSid", "S-1-0-0", "TargetUserName", "ADMINISTRATOR", "TargetDomainName", "",
				"Status", "0xc000006d", "FailureReason", "%%2313", "SubStatus", "0xc0000064", "LogonType", "3",
				"LogonProcessName", "NtLmSsp ", "AuthenticationPackageName", "NTLM", "WorkstationName", "-",
				"TransmittedServices", "-", "LmPackageName", "-", "KeyLength", "0", "ProcessId", "0x0",
				"ProcessName", "-", "IpAddress", "176.113.115.73", "IpPort", "0")),
			want: map[string]string{
				"Account": `\ADMINISTRATOR`, "AccountType": "User", "Level": "16", "FailureReason": "%%2313",
				"LogonTypeName": "3 - Network", "Process": "-", "ProcessId": "0x0", "IpPort": "0",
				"LogonProcessName": "NtLmSsp ", "TargetDomainName": "",
			},
		},
		{
			name: "4688 by LOCAL SERVICE (oracle log4shell)",
			e: securityEventOf(4688, auditing, kwSuccess, fields(
				"SubjectUserSid", "S-1-5-19", "SubjectUserName", "LOCAL SERVICE", "SubjectDomainName", "NT AUTHORITY",
				"SubjectLogonId", "0x3e5", "NewProcessId", "0x2e04", "NewProcessName", `C:\Windows\System32\conhost.exe`,
				"TokenElevationType", "%%1936", "ProcessId", "0x824", "CommandLine", `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`,
				"TargetUserSid", "S-1-0-0", "TargetUserName", "-", "TargetDomainName", "-", "TargetLogonId", "0x0",
				"ParentProcessName", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "MandatoryLabel", "S-1-16-16384")),
			want: map[string]string{
				"Activity": "4688 - A new process has been created.", "Account": `NT AUTHORITY\LOCAL SERVICE`,
				"AccountType": "Machine", "SubjectAccount": `NT AUTHORITY\LOCAL SERVICE`, "TargetAccount": `-\-`,
				"Process": "conhost.exe", "CommandLine": `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`,
				"LogonTypeName": unset,
			},
		},
		{
			name: "4720 computer-like account created (hayabusa ID4720-Fake computer account created.evtx)",
			e: securityEventOf(4720, auditing, kwSuccess, fields(
				"TargetUserName", "FAKE-COMPUTER$", "TargetDomainName", "OFFSEC",
				"TargetSid", "S-1-5-21-4230534742-2542757381-3142984815-1168",
				"SubjectUserSid", "S-1-5-21-4230534742-2542757381-3142984815-1158", "SubjectUserName", "lambda-user",
				"SubjectDomainName", "OFFSEC", "SubjectLogonId", "0x880cbad", "PrivilegeList", "-",
				"SamAccountName", "FAKE-COMPUTER$", "DisplayName", "FAKE-COMPUTER", "UserPrincipalName", "FAKE-COMPUTER$@offsec.lan",
				"PrimaryGroupId", "513", "OldUacValue", "0x0", "NewUacValue", "0x15", "UserAccountControl", "\n\t\t%%2084",
				"LogonHours", "%%1793")),
			want: map[string]string{
				"Activity": "4720 - A user account was created.", "Account": `OFFSEC\lambda-user`, "AccountType": "User",
				"TargetAccount": `OFFSEC\FAKE-COMPUTER$`, "SamAccountName": "FAKE-COMPUTER$",
				"UserAccountControl": "\n\t\t%%2084", "NewUacValue": "0x15", "Process": unset,
			},
		},
		{
			name: "4648 explicit credentials (sigma regression win_security_explicit_credential_local_logon)",
			e: securityEventOf(4648, auditing, kwSuccess, fields(
				"SubjectUserSid", "S-1-5-21-2555720767-1205513275-3893774561-1001", "SubjectUserName", "xodih",
				"SubjectDomainName", "SWACHCHHANDA", "SubjectLogonId", "0x85527", "LogonGuid", "{00000000-0000-0000-0000-000000000000}",
				"TargetUserName", "testuser", "TargetDomainName", "swachchhanda", "TargetLogonGuid", "{00000000-0000-0000-0000-000000000000}",
				"TargetServerName", "localhost", "TargetInfo", "localhost", "ProcessId", "0x378",
				"ProcessName", `C:\Users\xodih\OneDrive\Desktop\LegacyHive.exe`, "IpAddress", "-", "IpPort", "-")),
			want: map[string]string{
				"Activity": "4648 - A logon was attempted using explicit credentials.",
				"Account":  `SWACHCHHANDA\xodih`, "TargetAccount": `swachchhanda\testuser`,
				"TargetServerName": "localhost", "Process": "LegacyHive.exe",
			},
		},
		{
			name: "4634 has only target fields",
			e: securityEventOf(4634, auditing, kwSuccess, fields(
				"TargetUserSid", "S-1-5-21-3541430928-2051711210-1391384369-1001", "TargetUserName", "vagrant",
				"TargetDomainName", "VAGRANT-2012-R2", "TargetLogonId", "0x837f2", "LogonType", "8")),
			want: map[string]string{
				"Activity": "4634 - An account was logged off.", "Account": `VAGRANT-2012-R2\vagrant`,
				"AccountType": "User", "SubjectAccount": unset, "LogonTypeName": "8 - NetworkCleartext",
			},
		},
		{
			name: "4776 names the account without a domain",
			e: securityEventOf(4776, auditing, kwFailure, fields(
				"PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName", "Admin",
				"Workstation", "WIN", "Status", "0xc000006a")),
			want: map[string]string{
				"Activity": "4776 - The domain controller attempted to validate the credentials for an account.",
				"Account":  `\Admin`, "TargetAccount": `\Admin`, "Workstation": "WIN", "Status": "0xc000006a",
				"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "Level": "16",
			},
		},
		{
			name: "4672 SYSTEM special logon",
			e: securityEventOf(4672, auditing, kwSuccess, fields(
				"SubjectUserSid", "S-1-5-18", "SubjectUserName", "SYSTEM", "SubjectDomainName", "NT AUTHORITY",
				"SubjectLogonId", "0x3e7", "PrivilegeList", "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege")),
			want: map[string]string{
				"Account": `NT AUTHORITY\SYSTEM`, "AccountType": "Machine", "TargetAccount": unset,
				"PrivilegeList": "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege",
			},
		},
		{
			name: "4697 service install: int columns parse decimal, hex stays text",
			e: securityEventOf(4697, auditing, kwSuccess, fields(
				"SubjectUserSid", "S-1-5-18", "SubjectUserName", "WIN-GG82ULGC9GO$", "SubjectDomainName", "CONTOSO",
				"SubjectLogonId", "0x3e7", "ServiceName", "AppHostSvc", "ServiceFileName", `%windir%\system32\svchost.exe -k apphost`,
				"ServiceType", "0x20", "ServiceStartType", "2", "ServiceAccount", "localSystem")),
			want: map[string]string{
				"ServiceStartType": "2", "ServiceType": "0x20", "AccountType": "Machine",
				"Account": `CONTOSO\WIN-GG82ULGC9GO$`,
			},
		},
		{
			name: "AD FS 412 has no title, 501 takes the title Sentinel keys by ID (oracle goldensaml:1)",
			e:    securityEventOf(412, "AD FS Auditing", kwSuccess, fields("", "00000000-0000-0000-0000-000000000000", "", "-")),
			want: map[string]string{"Activity": "412", "Account": unset, "Level": "8", "EventSourceName": "AD FS Auditing"},
		},
		{
			name: "unknown ID keeps the bare number; int field that is not a number stays null",
			e: securityEventOf(40961, "Some-Provider", 0, fields(
				"LogonType", "-", "KeyLength", "%%1833", "ErrorCode", "0x80070005")),
			want: map[string]string{
				"Activity": "40961", "LogonType": unset, "LogonTypeName": unset, "KeyLength": unset,
				"ErrorCode": strconv.Itoa(0x80070005), "Level": "4",
			},
		},
		{
			name: "AppLocker block: error level without audit keyword is classic type 1",
			e: func() *event.Event {
				e := securityEventOf(8004, "Microsoft-Windows-AppLocker", 0x8000000000000000, nil)
				e.System.Channel, e.System.Level = "Microsoft-Windows-AppLocker/EXE and DLL", 2
				e.Section, e.UserDataName = event.SectionUserData, "RuleAndFileData"
				e.UserDataNS = "http://schemas.microsoft.com/schemas/event/Microsoft.Windows/1.0.0.0"
				e.Data = fields("PolicyNameLength", "3", "PolicyName", "EXE", "FilePath", "%OSDRIVE%\\USERS\\X\\EVIL.EXE",
					"FileHash", "5A0B...", "Fqbn", "-", "TargetUser", "S-1-5-21-1-2-3-1001", "FullFilePath", "C:\\Users\\x\\evil.exe")
				return e
			}(),
			want: map[string]string{
				"Level": "1", "Activity": "8004 - %1 was prevented from running.", "Channel": "Microsoft-Windows-AppLocker/EXE and DLL",
				"FilePath": "%OSDRIVE%\\USERS\\X\\EVIL.EXE", "Fqbn": "-", "TargetUser": "S-1-5-21-1-2-3-1001", "Account": unset,
			},
		},
		{
			name: "4778 names its account in AccountName/AccountDomain, plain columns; Account stays null",
			e: securityEventOf(4778, auditing, kwSuccess, fields(
				"AccountName", "wardog", "AccountDomain", "SIMULANDLABS", "LogonID", "0x8f0f2cd7",
				"SessionName", "RDP-Tcp#3", "ClientName", "WKS01", "ClientAddress", "192.168.2.5")),
			want: map[string]string{
				"AccountName": "wardog", "AccountDomain": "SIMULANDLABS", "LogonID": "0x8f0f2cd7", "SessionName": "RDP-Tcp#3",
				"ClientAddress": "192.168.2.5", "Account": unset, "AccountType": unset,
				"Activity": "4778 - A session was reconnected to a Window Station.",
			},
		},
		{
			name: "int columns take 0x-hex (4612 AuditsDiscarded, 5027 ErrorCode)",
			e:    securityEventOf(4612, auditing, kwSuccess, fields("AuditsDiscarded", "0x1F", "AuthenticationLevel", "6", "ErrorCode", "0x5")),
			want: map[string]string{"AuditsDiscarded": "31", "AuthenticationLevel": "6", "ErrorCode": "5"},
		},
		{
			name: "payload fields never overwrite System or derived columns; the first duplicate wins",
			e: securityEventOf(4663, auditing, kwSuccess, fields(
				"SubjectUserSid", "S-1-5-18", "SubjectUserName", "WORKSTATION5$", "SubjectDomainName", "WORKGROUP",
				"SubjectLogonId", "0x3e7", "Computer", "evil", "Activity", "evil", "Account", "evil", "Type", "evil",
				"ObjectName", "first", "ObjectName", "second", "ProcessName", `C:\Windows\System32\svchost.exe`)),
			want: map[string]string{
				"Computer": "DC01.simulandlabs.com", "Activity": "4663 - An attempt was made to access an object.",
				"Account": `WORKGROUP\WORKSTATION5$`, "Type": "SecurityEvent", "ObjectName": "first", "Process": "svchost.exe",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := rowValues(t, m, tc.e)
			for col, want := range tc.want {
				v, ok := got[col]
				if !ok {
					v = unset
				}
				if v != want {
					t.Errorf("%s = %q, want %q", col, v, want)
				}
			}
			if got["EventData"] != EventDataXML(tc.e) {
				t.Errorf("EventData column differs from EventDataXML")
			}
		})
	}
}

func TestSecurityEventUserData1102(t *testing.T) {
	// hayabusa "ID104-1102-Event log cleared.evtx", record 2.
	e := &event.Event{
		System: event.System{
			Provider: "Microsoft-Windows-Eventlog", EventID: 1102, Keywords: 0x4020000000000000,
			Channel: "Security", Computer: "DC01.offsec.lan", TimeCreated: time.Date(2019, 3, 19, 23, 34, 25, 0, time.UTC),
		},
		Section:      event.SectionUserData,
		UserDataName: "LogFileCleared",
		UserDataNS:   "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
		Data: fields("SubjectUserSid", "S-1-5-21-4230534742-2542757381-3142984815-1111", "SubjectUserName", "admmig",
			"SubjectDomainName", "OFFSEC", "SubjectLogonId", "0x123550"),
	}
	got, _ := rowValues(t, NewMapper(New()), e)
	want := map[string]string{
		"Activity": "1102 - The audit log was cleared.", "Account": `OFFSEC\admmig`, "AccountType": "User",
		"SubjectAccount": `OFFSEC\admmig`, "SubjectUserName": "admmig", "EventSourceName": "Microsoft-Windows-Eventlog",
		"Level": "8",
		"EventData": "<UserData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n" +
			"  <LogFileCleared xmlns=\"http://manifests.microsoft.com/win/2004/08/windows/eventlog\">\r\n" +
			"    <SubjectUserSid>S-1-5-21-4230534742-2542757381-3142984815-1111</SubjectUserSid>\r\n" +
			"    <SubjectUserName>admmig</SubjectUserName>\r\n" +
			"    <SubjectDomainName>OFFSEC</SubjectDomainName>\r\n" +
			"    <SubjectLogonId>0x123550</SubjectLogonId>\r\n" +
			"  </LogFileCleared>\r\n" +
			"</UserData>",
	}
	for col, w := range want {
		if got[col] != w {
			t.Errorf("%s = %q, want %q", col, got[col], w)
		}
	}
}

func TestMapRoutesByChannel(t *testing.T) {
	m := NewMapper(New())
	for _, tc := range []struct {
		channel, table string
	}{
		{"Security", SecurityEventTable},
		{"security", SecurityEventTable},
		{"Microsoft-Windows-AppLocker/EXE and DLL", SecurityEventTable},
		{"Microsoft-Windows-AppLocker/MSI and Script", SecurityEventTable},
		{"Microsoft-Windows-Sysmon/Operational", WindowsEventTable},
		{"System", WindowsEventTable},
	} {
		var r Row
		e := &event.Event{System: event.System{Channel: tc.channel, EventID: 8004}}
		if got := m.Map(e, "OpsManager", &r).Name; got != tc.table {
			t.Errorf("channel %q mapped to %s, want %s", tc.channel, got, tc.table)
		}
	}
}

// TestIsSecurityChannelLowersLikeToLower checks the allocation-free prefix
// test against the definition it replaces, strings.ToLower then HasPrefix,
// on spellings that differ from the prefix in case, length and runes that
// lower to ASCII (KELVIN SIGN to 'k', DOTTED CAPITAL I to 'i').
func TestIsSecurityChannelLowersLikeToLower(t *testing.T) {
	const p = "microsoft-windows-applocker/"
	for _, ch := range []string{
		"", "Security", "SECURITY", "Securit", "Security ", "Microsoft-Windows-AppLocker/EXE and DLL",
		"MICROSOFT-WINDOWS-APPLOCKER/", "microsoft-windows-applocker", "Microsoft-Windows-AppLocker",
		"Microsoft-Windows-AppLoc\u212Aer/Packaged app-Execution", "M\u0130crosoft-Windows-AppLocker/x",
		"Microsoft-Windows-AppLocker\xff/", "\xffMicrosoft-Windows-AppLocker/", "Microsoft-Windows-Sysmon/Operational",
	} {
		want := strings.EqualFold(ch, "Security") || strings.HasPrefix(strings.ToLower(ch), p)
		if got := IsSecurityChannel(ch); got != want {
			t.Errorf("IsSecurityChannel(%q) = %v, want %v", ch, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { IsSecurityChannel("Microsoft-Windows-Sysmon/Operational") }); n != 0 {
		t.Errorf("IsSecurityChannel allocates %v times per call", n)
	}
}

func TestParseWinInt(t *testing.T) {
	f := func(in string, want int64, ok bool) {
		t.Helper()
		got, gotOK := parseWinInt(in)
		if got != want || gotOK != ok {
			t.Errorf("parseWinInt(%q) = %d, %v; want %d, %v", in, got, gotOK, want, ok)
		}
	}
	f("3", 3, true)
	f("010", 10, true) // decimal, not octal
	f("-1", -1, true)
	f("0x3e7", 0x3e7, true)
	f("0XC000006D", 0xC000006D, true)
	f("0xffffffffffffffff", -1, true)
	f("0x1ffffffffffffffff", 0, false)
	f("9223372036854775807", 9223372036854775807, true)
	f("9223372036854775808", 0, false)
	f("-9223372036854775808", -9223372036854775808, true)
	f("-", 0, false)
	f("", 0, false)
	f("0x", 0, false)
	f("%%1833", 0, false)
	f("1_000", 0, false)
	f(" 3", 0, false)
}

// TestMapKeepingPayload maps the real events of the oracle extract both
// ways: MapKeepingPayload leaves EventData unset and sets every other
// column as Map does.
func TestMapKeepingPayload(t *testing.T) {
	m := NewMapper(New())
	rows, err := readJSONLFile(filepath.Join("testdata", "oracle", "log4shell.jsonl"), "log4shell")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, sr := range rows {
		e, _, err := rebuildEvent(sr)
		if err != nil {
			continue
		}
		var full, kept Row
		tbl := m.Map(e, "OpsManager", &full)
		if got := m.MapKeepingPayload(e, "OpsManager", &kept); got != tbl {
			t.Fatalf("record %d: MapKeepingPayload chose %s, Map %s", e.System.EventRecordID, got.Name, tbl.Name)
		}
		want := map[string]string{}
		for _, c := range full.Cells {
			if name := tbl.Columns[c.Col].Name; name != "EventData" {
				want[name] = cellText(tbl, c)
			}
		}
		got := map[string]string{}
		for _, c := range kept.Cells {
			got[tbl.Columns[c.Col].Name] = cellText(tbl, c)
		}
		if _, ok := got["EventData"]; ok {
			t.Errorf("record %d: MapKeepingPayload set EventData", e.System.EventRecordID)
		}
		if len(got) != len(want) {
			t.Errorf("record %d: %d columns, want %d", e.System.EventRecordID, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("record %d: %s = %q, Map gives %q", e.System.EventRecordID, k, got[k], v)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked %d events, want at least 10", checked)
	}
}
