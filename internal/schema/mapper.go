package schema

import (
	"strconv"

	"wsec/internal/event"
)

// Mapper turns events into rows of SecurityEvent or WindowsEvent. It is
// immutable after NewMapper and safe for concurrent use.
type Mapper struct {
	cat *Catalog
	se  seCols
	we  weCols
}

type seCols struct {
	timeGenerated, computer, eventID, channel, task, level, eventSourceName,
	eventData, sourceSystem, typ, eventRecordID, keywords, providerGUID,
	opcode, version, execPID, execTID, userID, activityID int
}

type weCols struct {
	timeGenerated, computer, eventID, channel, provider, task, eventLevel,
	eventLevelName, eventRecordID, keywords, data, sourceSystem, typ,
	opcode, version, execPID, execTID, userID int
}

// NewMapper prepares column positions for the catalog's tables.
func NewMapper(c *Catalog) *Mapper {
	s, w := c.SecurityEvent, c.WindowsEvent
	return &Mapper{
		cat: c,
		se: seCols{
			timeGenerated: s.MustCol("TimeGenerated"), computer: s.MustCol("Computer"),
			eventID: s.MustCol("EventID"), channel: s.MustCol("Channel"), task: s.MustCol("Task"),
			level: s.MustCol("Level"), eventSourceName: s.MustCol("EventSourceName"),
			eventData: s.MustCol("EventData"), sourceSystem: s.MustCol("SourceSystem"),
			typ: s.MustCol("Type"), eventRecordID: s.MustCol("EventRecordID"),
			keywords: s.MustCol("Keywords"), providerGUID: s.MustCol("ProviderGuid"),
			opcode: s.MustCol("Opcode"), version: s.MustCol("Version"),
			execPID: s.MustCol("ExecutionProcessId"), execTID: s.MustCol("ExecutionThreadId"),
			userID: s.MustCol("UserID"), activityID: s.MustCol("ActivityID"),
		},
		we: weCols{
			timeGenerated: w.MustCol("TimeGenerated"), computer: w.MustCol("Computer"),
			eventID: w.MustCol("EventID"), channel: w.MustCol("Channel"), provider: w.MustCol("Provider"),
			task: w.MustCol("Task"), eventLevel: w.MustCol("EventLevel"),
			eventLevelName: w.MustCol("EventLevelName"), eventRecordID: w.MustCol("EventRecordId"),
			keywords: w.MustCol("Keywords"), data: w.MustCol("Data"),
			sourceSystem: w.MustCol("SourceSystem"), typ: w.MustCol("Type"),
			opcode: w.MustCol("Opcode"), version: w.MustCol("Version"),
			execPID: w.MustCol("ExecutionProcessId"), execTID: w.MustCol("ExecutionThreadId"),
			userID: w.MustCol("UserID"),
		},
	}
}

// Map fills r (after resetting it) with e's row and returns the table the
// row belongs to: SecurityEvent for the Security and AppLocker channels,
// WindowsEvent otherwise. sourceSystem says how the event was collected.
func (m *Mapper) Map(e *event.Event, sourceSystem string, r *Row) *Table {
	r.Reset()
	if IsSecurityChannel(e.System.Channel) {
		m.securityEvent(e, sourceSystem, r)
		return m.cat.SecurityEvent
	}
	m.windowsEvent(e, sourceSystem, r)
	return m.cat.WindowsEvent
}

func (m *Mapper) securityEvent(e *event.Event, sourceSystem string, r *Row) {
	c, s := &m.se, &e.System
	t := m.cat.SecurityEvent
	r.SetInt(c.timeGenerated, s.TimeCreated.UnixNano())
	r.SetString(c.computer, s.Computer)
	r.SetInt(c.eventID, int64(s.EventID))
	r.SetString(c.channel, s.Channel)
	r.SetInt(c.task, int64(s.Task))
	r.SetString(c.level, strconv.Itoa(int(s.Level)))
	r.SetString(c.eventSourceName, s.Provider)
	r.SetString(c.sourceSystem, sourceSystem)
	r.SetString(c.typ, SecurityEventTable)
	r.SetInt(c.eventRecordID, int64(s.EventRecordID))
	r.SetString(c.keywords, event.FormatKeywords(s.Keywords))
	r.SetString(c.providerGUID, s.ProviderGUID)
	r.SetInt(c.opcode, int64(s.Opcode))
	r.SetInt(c.version, int64(s.Version))
	r.SetInt(c.execPID, int64(s.ProcessID))
	r.SetInt(c.execTID, int64(s.ThreadID))
	r.SetString(c.userID, s.UserID)
	r.SetString(c.activityID, s.ActivityID)
	for _, f := range e.Data {
		col, ok := t.Col(f.Name)
		if !ok || col >= len(securityEventReference) {
			continue
		}
		switch t.Columns[col].Type {
		case Int:
			if v, err := strconv.ParseInt(f.Value, 0, 64); err == nil {
				r.SetInt(col, v)
			}
		case String:
			r.SetString(col, f.Value)
		}
	}
	r.SetString(c.eventData, EventDataXML(e))
}

func (m *Mapper) windowsEvent(e *event.Event, sourceSystem string, r *Row) {
	c, s := &m.we, &e.System
	r.SetInt(c.timeGenerated, s.TimeCreated.UnixNano())
	r.SetString(c.computer, s.Computer)
	r.SetInt(c.eventID, int64(s.EventID))
	r.SetString(c.channel, s.Channel)
	r.SetString(c.provider, s.Provider)
	r.SetInt(c.task, int64(s.Task))
	r.SetInt(c.eventLevel, int64(s.Level))
	r.SetString(c.eventLevelName, event.LevelName(s.Level))
	r.SetString(c.eventRecordID, strconv.FormatUint(s.EventRecordID, 10))
	r.SetString(c.keywords, event.FormatKeywords(s.Keywords))
	r.SetString(c.data, DataJSON(e))
	r.SetString(c.sourceSystem, sourceSystem)
	r.SetString(c.typ, WindowsEventTable)
	r.SetInt(c.opcode, int64(s.Opcode))
	r.SetInt(c.version, int64(s.Version))
	r.SetInt(c.execPID, int64(s.ProcessID))
	r.SetInt(c.execTID, int64(s.ThreadID))
	r.SetString(c.userID, s.UserID)
}
