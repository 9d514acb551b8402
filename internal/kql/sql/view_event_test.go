package sql

import (
	"strings"
	"testing"

	"wsec/internal/kql"
	"wsec/internal/schema"
)

// TestEventView reads the legacy Event table over WindowsEvent rows: the
// legacy column names, the payload as the agent's EventData XML that rules
// take apart with parse_xml(EventData).DataItem.EventData.Data (as
// Sentinel's ADFSDBNamedPipeConnection does), and no double counting in
// wildcard unions.
func TestEventView(t *testing.T) {
	cat := schema.New()
	db := openSchemaDB(t, cat)
	_, err := db.Exec(`INSERT INTO WindowsEvent (TimeGenerated, Channel, Provider, Computer, EventID, EventLevel, EventLevelName, Task, SystemUserId, EventData) VALUES
		('2026-01-10 08:00:00', 'Microsoft-Windows-Sysmon/Operational', 'Microsoft-Windows-Sysmon', 'ADFS01', 18, 4, 'Information', 18, 'S-1-5-18',
		 '{"RuleName":"technique_id=T1021,technique_name=Named Pipes","PipeName":"\\MICROSOFT##WID\\tsql\\query","Image":"C:\\x\\a&b<c>.exe"}'),
		('2026-01-10 08:01:00', 'System', 'Service Control Manager', 'WS01', 7045, 4, 'Information', 0, '', '{"ServiceName":"evil"}')`)
	if err != nil {
		t.Fatal(err)
	}
	kcat := kql.NewCatalog(cat)
	_, rows, err := runKQL(db, kcat, `Event
| where Source == "Microsoft-Windows-Sysmon" and EventLog == "Microsoft-Windows-Sysmon/Operational" and EventID == 18
| extend EventData = parse_xml(EventData).DataItem.EventData.Data
| mv-expand bagexpansion=array EventData
| evaluate bag_unpack(EventData)
| extend Key = tostring(column_ifexists('@Name', "")), Value = tostring(column_ifexists('#text', ""))
| project Computer, UserName, EventCategory, Type, Key, Value`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		if r[0] != "ADFS01" || r[1] != "S-1-5-18" || r[2] != "18" || r[3] != "Event" {
			t.Errorf("row %v: want ADFS01 | S-1-5-18 | 18 | Event", r)
		}
		got[r[4]] = r[5]
	}
	want := map[string]string{
		"RuleName": "technique_id=T1021,technique_name=Named Pipes",
		"PipeName": `\MICROSOFT##WID\tsql\query`,
		"Image":    `C:\x\a&b<c>.exe`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("EventData %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	_, rows, err = runKQL(db, kcat, `Event | where EventID == 7045 | project EventData, ParameterXml`)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !strings.Contains(rows[0][0], `<Data Name="ServiceName">evil</Data>`) || rows[0][1] != "<Param>evil</Param>" {
		t.Errorf("7045 row %v", rows)
	}
	_, rows, err = runKQL(db, kcat, `union * | count`)
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "2" {
		t.Errorf("union * counts %s rows, want 2 (Event is a view of WindowsEvent, not more rows)", rows[0][0])
	}
}
