package schema

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"wsec/internal/event"
)

func TestDataJSON(t *testing.T) {
	tests := []struct {
		name string
		e    event.Event
		want string
	}{
		{
			name: "named fields in document order",
			e:    event.Event{Section: event.SectionEventData, Data: fields("RuleName", "-", "UtcTime", "2021-08-02 13:05:32.765", "PipeName", `\MICROSOFT##WID\tsql\query`)},
			want: `{"RuleName":"-","UtcTime":"2021-08-02 13:05:32.765","PipeName":"\\MICROSOFT##WID\\tsql\\query"}`,
		},
		{
			name: "unnamed values collected into one Data array, Binary last",
			e: event.Event{Section: event.SectionEventData, Binary: "0A00",
				Data: []event.Field{{Value: "audit_schema_version:1"}, {Value: "b\"q\"\n"}}},
			want: `{"Data":["audit_schema_version:1","b\"q\"\n"],"Binary":"0A00"}`,
		},
		{
			name: "repeated names keep every value",
			e:    event.Event{Section: event.SectionEventData, Data: fields("Param", "a", "Other", "x", "Param", "b", "Param", "c")},
			want: `{"Param":"a","Other":"x","Param_1":"b","Param_2":"c"}`,
		},
		{
			name: "UserData children by path name",
			e: event.Event{Section: event.SectionUserData, UserDataName: "LogFileCleared",
				Data: fields("SubjectUserName", "admmig", "Params/Param", "1")},
			want: `{"SubjectUserName":"admmig","Params/Param":"1"}`,
		},
		{
			name: "control characters and invalid UTF-8",
			e:    event.Event{Section: event.SectionEventData, Data: fields("A", "x\x01\ty\xffé")},
			want: `{"A":"x\u0001\ty\ufffdé"}`,
		},
		{name: "no payload", e: event.Event{}, want: `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DataJSON(&tc.e)
			if got != tc.want {
				t.Errorf("DataJSON:\n got %s\nwant %s", got, tc.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

func TestDataJSONManyDuplicates(t *testing.T) {
	// Above dupScanFields the counter map takes over; the result is the same.
	e := event.Event{Section: event.SectionEventData}
	for i := 0; i < dupScanFields+10; i++ {
		e.Data = append(e.Data, event.Field{Name: "P", Value: strconv.Itoa(i)})
	}
	got := DataJSON(&e)
	var obj map[string]string
	if err := json.Unmarshal([]byte(got), &obj); err != nil {
		t.Fatal(err)
	}
	if len(obj) != len(e.Data) || obj["P"] != "0" || obj["P_73"] != "73" {
		t.Errorf("got %d members, P=%q P_73=%q", len(obj), obj["P"], obj["P_73"])
	}
}

func TestWindowsEventRow(t *testing.T) {
	// The Sysmon 18 row of the GoldenSAML export (legacy Event table there).
	e := &event.Event{
		System: event.System{
			Provider: "Microsoft-Windows-Sysmon", ProviderGUID: "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
			EventID: 18, Version: 1, Level: 4, Task: 18, Opcode: 0, Keywords: 0x8000000000000000,
			TimeCreated: time.Date(2021, 8, 2, 13, 5, 32, 770000000, time.UTC), EventRecordID: 123456,
			ProcessID: 3000, ThreadID: 4000, Channel: "Microsoft-Windows-Sysmon/Operational",
			Computer: "ADFS01.simulandlabs.com", UserID: "S-1-5-18",
		},
		Section: event.SectionEventData,
		Data: fields("RuleName", "-", "EventType", "ConnectPipe", "UtcTime", "2021-08-02 13:05:32.765",
			"ProcessGuid", "{9acedb82-ccd4-6107-22de-030000000600}", "ProcessId", "5692",
			"PipeName", `\MICROSOFT##WID\tsql\query`, "Image", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`),
	}
	got, tbl := rowValues(t, NewMapper(New()), e)
	if tbl.Name != WindowsEventTable {
		t.Fatalf("table %s", tbl.Name)
	}
	want := map[string]string{
		"Type": "WindowsEvent", "Provider": "Microsoft-Windows-Sysmon", "EventID": "18", "EventLevel": "4",
		"EventLevelName": "Information", "EventRecordId": "123456", "Keywords": "0x8000000000000000",
		"Opcode": "0", "Version": "1", "Task": "18", "SystemProcessId": "3000", "SystemThreadId": "4000",
		"SystemUserId": "S-1-5-18", "Channel": "Microsoft-Windows-Sysmon/Operational",
		"Computer": "ADFS01.simulandlabs.com", "SourceSystem": "OpsManager",
		"TimeGenerated": "2021-08-02T13:05:32.77Z",
	}
	for col, w := range want {
		if got[col] != w {
			t.Errorf("%s = %q, want %q", col, got[col], w)
		}
	}
	var data map[string]string
	if err := json.Unmarshal([]byte(got["EventData"]), &data); err != nil {
		t.Fatalf("EventData is not a JSON object: %v", err)
	}
	if data["PipeName"] != `\MICROSOFT##WID\tsql\query` || data["ProcessId"] != "5692" {
		t.Errorf("EventData = %s", got["EventData"])
	}
}

func TestHeartbeatRow(t *testing.T) {
	m := NewMapper(New())
	var r Row
	h := &Heartbeat{
		Time: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), Computer: "WORKSTATION5", OSType: "Windows",
		OSName: "Windows 10 Enterprise", OSMajorVersion: "10", OSMinorVersion: "0", AgentVersion: "0.1.0",
		SourceComputerID: "29acc230-2f13-49db-9ef2-c9b20229a10d", SourceSystem: "OpsManager",
		Category: "Direct Agent", EventsPerSecond: 1234.5, QueueDepth: 17,
	}
	tbl := m.HeartbeatRow(h, &r)
	got := map[string]string{}
	for _, c := range r.Cells {
		got[tbl.Columns[c.Col].Name] = cellText(tbl, c)
	}
	want := map[string]string{
		"Type": "Heartbeat", "Computer": "WORKSTATION5", "OSType": "Windows", "OSName": "Windows 10 Enterprise",
		"OSMajorVersion": "10", "OSMinorVersion": "0", "Version": "0.1.0", "Category": "Direct Agent",
		"SourceComputerId": "29acc230-2f13-49db-9ef2-c9b20229a10d", "SourceSystem": "OpsManager",
		"EventsPerSecond": "1234.5", "QueueDepth": "17", "TimeGenerated": "2026-11-25T12:00:00Z",
	}
	for col, w := range want {
		if got[col] != w {
			t.Errorf("%s = %q, want %q", col, got[col], w)
		}
	}
	if _, ok := got["LastError"]; ok {
		t.Error("LastError set although empty")
	}
	if _, ok := got["ComputerIP"]; ok {
		t.Error("ComputerIP set although empty")
	}
}
