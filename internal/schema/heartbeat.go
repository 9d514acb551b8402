package schema

import "time"

// Heartbeat is what an agent reports about itself once a minute; it becomes a
// row of the Heartbeat table. Zero-valued strings are left null.
type Heartbeat struct {
	Time             time.Time // when the agent took the reading
	Computer         string    // the agent's host name as its events carry it
	ComputerIP       string
	Category         string // e.g. "Direct Agent" (as Sentinel's Windows agents)
	OSType           string // "Windows"
	OSName           string // e.g. "Windows Server 2022 Datacenter"
	OSMajorVersion   string
	OSMinorVersion   string
	AgentVersion     string // the Version column
	SourceComputerID string // the agent's stable ID
	SourceSystem     string // how the agent sends, as in SecurityEvent
	EventsPerSecond  float64
	QueueDepth       int64  // events spooled and not yet acknowledged
	LastError        string // the last error the agent reported, "" for none
}

// HeartbeatRow fills r (after resetting it) with h's row and returns the
// Heartbeat table.
func (m *Mapper) HeartbeatRow(h *Heartbeat, r *Row) *Table {
	r.Reset()
	c := &m.hb
	r.SetTime(c.timeGenerated, h.Time)
	r.SetString(c.typ, HeartbeatTable)
	r.SetReal(c.eventsPerSecond, h.EventsPerSecond)
	r.SetInt(c.queueDepth, h.QueueDepth)
	for _, f := range [...]struct {
		col int
		v   string
	}{
		{c.computer, h.Computer}, {c.computerIP, h.ComputerIP}, {c.category, h.Category},
		{c.osType, h.OSType}, {c.osName, h.OSName}, {c.osMajor, h.OSMajorVersion},
		{c.osMinor, h.OSMinorVersion}, {c.version, h.AgentVersion},
		{c.sourceComputerID, h.SourceComputerID}, {c.sourceSystem, h.SourceSystem},
		{c.lastError, h.LastError},
	} {
		if f.v != "" {
			r.SetString(f.col, f.v)
		}
	}
	return m.cat.Heartbeat
}
