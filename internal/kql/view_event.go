package kql

import "wsec/internal/schema"

// EventTable is Sentinel's legacy Event table (Log Analytics agent events of
// the non-Security channels). wsec stores those events once, in
// WindowsEvent; Event is a view over it with the legacy column names, so
// rules written for it run unmodified:
//
//	Source = Provider, EventLog = Channel, EventCategory = Task,
//	UserName = SystemUserId, EventData = the payload as the agent's XML
//	(<DataItem ...><EventData xmlns=...><Data Name="k">v</Data>...),
//	ParameterXml = the values as <Param>v</Param>...
//
// RenderedDescription is empty (wsec does not render message templates)
// and MG is empty.
const EventTable = "Event"

var eventColumns = []schema.Column{
	{Name: "TimeGenerated", Type: schema.DateTime},
	{Name: "Source", Type: schema.String},
	{Name: "EventLog", Type: schema.String},
	{Name: "Computer", Type: schema.String},
	{Name: "EventLevel", Type: schema.Int},
	{Name: "EventLevelName", Type: schema.String},
	{Name: "ParameterXml", Type: schema.String},
	{Name: "EventData", Type: schema.String},
	{Name: "EventID", Type: schema.Int},
	{Name: "RenderedDescription", Type: schema.String},
	{Name: "EventCategory", Type: schema.Int},
	{Name: "UserName", Type: schema.String},
	{Name: "MG", Type: schema.String},
	{Name: "ManagementGroupName", Type: schema.String},
	{Name: "SourceSystem", Type: schema.String},
	{Name: "Type", Type: schema.String},
	{Name: "TenantId", Type: schema.String},
	{Name: "_ResourceId", Type: schema.String},
}

// eventSource maps each Event column to the WindowsEvent column it reads;
// the others are computed in eventView.
var eventSource = map[string]string{
	"TimeGenerated": "TimeGenerated", "Source": "Provider", "EventLog": "Channel", "Computer": "Computer",
	"EventLevel": "EventLevel", "EventLevelName": "EventLevelName", "EventID": "EventID", "EventCategory": "Task",
	"UserName": "SystemUserId", "ManagementGroupName": "ManagementGroupName", "SourceSystem": "SourceSystem",
	"TenantId": "TenantId", "_ResourceId": "_ResourceId",
}

// eventView is the Event view's relation over a scan of WindowsEvent.
func (c *checker) eventView() Rel {
	we := c.scanTable(schema.WindowsEventTable)
	if we == nil {
		return nil
	}
	types := map[string]Type{}
	for _, col := range we.Cols {
		types[col.Name] = col.Type
	}
	payload := &ColRef{Name: "EventData", T: types["EventData"]}
	items := make([]Item, 0, len(eventColumns))
	for _, col := range eventColumns {
		t := FromSchema(col.Type)
		var x Scalar
		switch col.Name {
		case "EventData":
			x = &Call{Fn: "eventdata_xml", Args: []Scalar{payload}, T: TString}
		case "ParameterXml":
			x = &Call{Fn: "parameter_xml", Args: []Scalar{payload}, T: TString}
		case "Type":
			x = constString(EventTable)
		case "RenderedDescription", "MG":
			x = constString("")
		default:
			src := eventSource[col.Name]
			x = &ColRef{Name: src, T: types[src]}
			if types[src] != t {
				x = &Call{Fn: ConvFunc(t), Args: []Scalar{x}, T: t}
			}
		}
		items = append(items, Item{Name: col.Name, X: x})
	}
	return &Project{In: we, Items: items}
}
