package schema

import (
	"strconv"
	"unsafe"

	"wsec/internal/event"
)

// windowsEvent fills r with e's WindowsEvent row, shaped as Sentinel's
// WindowsEvent table (Azure Monitor Agent): the payload is the dynamic
// EventData column (see DataJSON), the System fields have their own columns.
func (m *Mapper) windowsEvent(e *event.Event, sourceSystem string, r *Row) {
	c, s := &m.we, &e.System

	// One buffer for the strings this row makes: EventData JSON, the record
	// ID and the Keywords text.
	buf := make([]byte, 0, dataJSONSizeHint(e)+len("18446744073709551615")+len("0x0123456789abcdef"))
	buf = appendDataJSON(buf, e)
	jsonEnd := len(buf)
	buf = strconv.AppendUint(buf, s.EventRecordID, 10)
	recEnd := len(buf)
	buf = append(buf, "0x"...)
	buf = strconv.AppendUint(buf, s.Keywords, 16)
	str := unsafe.String(unsafe.SliceData(buf), len(buf))
	data := str[:jsonEnd]
	recordID := str[jsonEnd:recEnd]
	keywords := str[recEnd:]

	r.SetTime(c.timeGenerated, s.TimeCreated)
	r.SetString(c.computer, s.Computer)
	r.SetInt(c.eventID, int64(s.EventID))
	r.SetString(c.channel, s.Channel)
	r.SetString(c.provider, s.Provider)
	r.SetInt(c.task, int64(s.Task))
	r.SetInt(c.eventLevel, int64(s.Level))
	r.SetString(c.eventLevelName, levelName(e))
	r.SetString(c.eventRecordID, recordID)
	r.SetString(c.keywords, keywords)
	r.SetString(c.eventData, data)
	r.SetString(c.sourceSystem, sourceSystem)
	r.SetString(c.typ, WindowsEventTable)
	r.SetString(c.opcode, m.decimals[s.Opcode])
	r.SetInt(c.version, int64(s.Version))
	r.SetInt(c.sysPID, int64(s.ProcessID))
	r.SetInt(c.sysTID, int64(s.ThreadID))
	if s.UserID != "" {
		r.SetString(c.sysUserID, s.UserID)
	}
	if s.ActivityID != "" {
		r.SetString(c.correlation, s.ActivityID)
	}
}

// levelName is WindowsEvent's EventLevelName, "the rendered message string
// of the level": the rendered text when the event carries it (Security
// events render level 0 as "Information"), else the standard name.
func levelName(e *event.Event) string {
	if e.Rendering != nil && e.Rendering.Level != "" {
		return e.Rendering.Level
	}
	return event.LevelName(e.System.Level)
}
