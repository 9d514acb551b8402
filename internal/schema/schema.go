package schema

import (
	"math"
	"strings"
	"time"
	"unicode"
)

// Type is a column's logical (KQL) type.
type Type uint8

const (
	String Type = iota
	Int         // 32-bit in KQL; stored as 64-bit
	Long
	Real
	Bool
	DateTime
	TimeSpan
	Dynamic // JSON text
	GUID
)

var typeNames = [...]string{"string", "int", "long", "real", "bool", "datetime", "timespan", "dynamic", "guid"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// ParseType returns the type named as KQL names it ("string", "datetime", ...).
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if strings.EqualFold(n, s) {
			return Type(i), true
		}
	}
	return 0, false
}

// Column is one logical column.
type Column struct {
	Name string
	Type Type
}

// Table is a logical table: the contract with queries. How a store lays it
// out physically is the store's business.
type Table struct {
	Name    string
	Columns []Column
	index   map[string]int
}

// NewTable returns a table with its column index built, so Col works; use
// it for tables defined at run time (custom _CL tables).
func NewTable(name string, cols []Column) *Table {
	t := &Table{Name: name, Columns: cols, index: make(map[string]int, len(cols))}
	for i, c := range cols {
		t.index[c.Name] = i
	}
	return t
}

// Col returns the position of the named column (case-sensitive, as KQL is).
func (t *Table) Col(name string) (int, bool) {
	i, ok := t.index[name]
	return i, ok
}

// MustCol is Col for names the caller knows exist; it panics with a BUG
// message otherwise.
func (t *Table) MustCol(name string) int {
	i, ok := t.index[name]
	if !ok {
		panic("BUG: schema: table " + t.Name + " has no column " + name)
	}
	return i
}

// Names of the built-in tables.
const (
	SecurityEventTable = "SecurityEvent"
	WindowsEventTable  = "WindowsEvent"
	HeartbeatTable     = "Heartbeat"
)

// Standard columns the workspace adds to every table.
var standardColumns = [...]Column{
	{Name: "TenantId", Type: String},
	{Name: "_ResourceId", Type: String},
	{Name: "_TimeReceived", Type: DateTime},
}

// securityEventExtra are wsec's own columns after the reference ones.
//
// The first block carries System fields the reference schema lacks, so that
// nothing of the header is lost. The second block holds EventData fields that
// real Sentinel SecurityEvent rows carry as columns although the public table
// reference does not list them (seen in both Sentinel exports of the oracle:
// AccessList on 4662/4663, ImpersonationLevel on 4624); rules that read them
// as columns would otherwise find null.
var securityEventExtra = [...]Column{
	{Name: "EventRecordID", Type: Long},
	{Name: "Keywords", Type: String},
	{Name: "ProviderGuid", Type: String},
	{Name: "Opcode", Type: Int},
	{Name: "Version", Type: Int},
	{Name: "ExecutionProcessId", Type: Long},
	{Name: "ExecutionThreadId", Type: Long},
	{Name: "UserID", Type: String},
	{Name: "ActivityID", Type: String},

	{Name: "AccessList", Type: String},
	{Name: "ImpersonationLevel", Type: String},
}

// windowsEventColumns are the columns of Sentinel's WindowsEvent table (the
// Azure Monitor table reference, alphabetical) followed by wsec's own:
// SourceSystem says how the event was collected, as in SecurityEvent.
var windowsEventColumns = [...]Column{
	{Name: "Channel", Type: String},
	{Name: "Computer", Type: String},
	{Name: "Correlation", Type: String},
	{Name: "EventData", Type: Dynamic},
	{Name: "EventID", Type: Int},
	{Name: "EventLevel", Type: Int},
	{Name: "EventLevelName", Type: String},
	{Name: "EventOriginId", Type: String},
	{Name: "EventRecordId", Type: String},
	{Name: "Keywords", Type: String},
	{Name: "ManagementGroupName", Type: String},
	{Name: "Opcode", Type: String},
	{Name: "Provider", Type: String},
	{Name: "RawEventData", Type: String},
	{Name: "SystemProcessId", Type: Int},
	{Name: "SystemThreadId", Type: Int},
	{Name: "SystemUserId", Type: String},
	{Name: "Task", Type: Int},
	{Name: "TimeGenerated", Type: DateTime},
	{Name: "Type", Type: String},
	{Name: "Version", Type: Int},

	{Name: "SourceSystem", Type: String},
}

var heartbeatColumns = [...]Column{
	{Name: "TimeGenerated", Type: DateTime},
	{Name: "Computer", Type: String},
	{Name: "ComputerIP", Type: String},
	{Name: "Category", Type: String},
	{Name: "OSType", Type: String},
	{Name: "OSName", Type: String},
	{Name: "OSMajorVersion", Type: String},
	{Name: "OSMinorVersion", Type: String},
	{Name: "Version", Type: String},
	{Name: "SourceComputerId", Type: String},
	{Name: "SourceSystem", Type: String},
	{Name: "EventsPerSecond", Type: Real},
	{Name: "QueueDepth", Type: Long},
	{Name: "LastError", Type: String},
	{Name: "Type", Type: String},
}

// Catalog holds the built-in tables. It is immutable after New and safe for
// concurrent use.
type Catalog struct {
	SecurityEvent    *Table
	WindowsEvent     *Table
	Heartbeat        *Table
	SecurityAlert    *Table
	SecurityIncident *Table
	Anomalies        *Table
}

// Detection returns the low-volume tables analytics writes rows into
// (stores take them through AppendRows).
func (c *Catalog) Detection() []*Table {
	return []*Table{c.SecurityAlert, c.SecurityIncident, c.Anomalies}
}

// New builds the catalog of built-in tables.
func New() *Catalog {
	se := make([]Column, 0, len(securityEventReference)+len(securityEventExtra)+len(standardColumns))
	se = append(se, securityEventReference[:]...)
	se = append(se, securityEventExtra[:]...)
	se = append(se, standardColumns[:]...)
	we := append(append([]Column(nil), windowsEventColumns[:]...), standardColumns[:]...)
	hb := append(append([]Column(nil), heartbeatColumns[:]...), standardColumns[:]...)
	sa := append(append([]Column(nil), securityAlertColumns[:]...), standardColumns[:]...)
	si := append(append([]Column(nil), securityIncidentColumns[:]...), standardColumns[:]...)
	an := append(append([]Column(nil), anomaliesColumns[:]...), standardColumns[:]...)
	return &Catalog{
		SecurityEvent:    NewTable(SecurityEventTable, se),
		WindowsEvent:     NewTable(WindowsEventTable, we),
		Heartbeat:        NewTable(HeartbeatTable, hb),
		SecurityAlert:    NewTable(SecurityAlertTable, sa),
		SecurityIncident: NewTable(SecurityIncidentTable, si),
		Anomalies:        NewTable(AnomaliesTable, an),
	}
}

// Table returns a built-in table by name.
func (c *Catalog) Table(name string) (*Table, bool) {
	switch name {
	case SecurityEventTable:
		return c.SecurityEvent, true
	case WindowsEventTable:
		return c.WindowsEvent, true
	case HeartbeatTable:
		return c.Heartbeat, true
	case SecurityAlertTable:
		return c.SecurityAlert, true
	case SecurityIncidentTable:
		return c.SecurityIncident, true
	case AnomaliesTable:
		return c.Anomalies, true
	}
	return nil, false
}

// IsSecurityChannel reports whether events of channel land in SecurityEvent
// (the Security channel and the AppLocker channels) rather than WindowsEvent.
// It is called for every event mapped or stored, so it does not allocate.
func IsSecurityChannel(channel string) bool {
	return strings.EqualFold(channel, "Security") ||
		hasLowerPrefix(channel, "microsoft-windows-applocker/")
}

// hasLowerPrefix is strings.HasPrefix(strings.ToLower(s), prefix) for an
// ASCII lower-case prefix, without building the lowered copy: ToLower maps
// rune by rune, so each of s's leading runes must lower to the next byte of
// prefix.
func hasLowerPrefix(s, prefix string) bool {
	i := 0
	for _, r := range s {
		if i == len(prefix) {
			break
		}
		if unicode.ToLower(r) != rune(prefix[i]) {
			return false
		}
		i++
	}
	return i == len(prefix)
}

// Cell is one set value of a Row. S holds string, dynamic (JSON text) and
// guid values; I holds int, long and bool (0/1) values and datetimes as
// Ticks; F holds reals.
type Cell struct {
	Col int
	S   string
	I   int64
	F   float64
}

// Row is a sparse row: only set columns have a cell, in any order. Unset
// columns are null. A Row is reused: Reset keeps its capacity, so mapping
// does not allocate per column.
type Row struct {
	Cells []Cell
}

// Reset empties the row.
func (r *Row) Reset() { r.Cells = r.Cells[:0] }

// SetString sets a string, dynamic or guid column.
func (r *Row) SetString(col int, s string) { r.Cells = append(r.Cells, Cell{Col: col, S: s}) }

// SetInt sets an int, long, bool or datetime (Ticks) column.
func (r *Row) SetInt(col int, v int64) { r.Cells = append(r.Cells, Cell{Col: col, I: v}) }

// SetTime sets a datetime column.
func (r *Row) SetTime(col int, t time.Time) { r.SetInt(col, Ticks(t)) }

// ticksToUnix is the number of seconds from 0001-01-01 to the Unix epoch.
const ticksToUnix = 62135596800

// Ticks is t as a datetime cell holds it: 100 ns ticks since 0001-01-01
// UTC, as KQL datetimes are. That covers every time Windows writes, at its
// precision (FILETIME counts 100 ns from 1601), where Unix nanoseconds in
// an int64 wrap outside the years 1677-2262. Times past the ticks' range
// (year 29228 on) saturate.
func Ticks(t time.Time) int64 {
	sec := t.Unix() + ticksToUnix
	const maxSec = math.MaxInt64 / 10_000_000
	switch {
	case sec >= maxSec:
		return math.MaxInt64
	case sec <= -maxSec:
		return math.MinInt64
	}
	return sec*1e7 + int64(t.Nanosecond()/100)
}

// TicksTime is the time of a datetime cell (UTC).
func TicksTime(ticks int64) time.Time {
	sec, frac := ticks/1e7, ticks%1e7
	if frac < 0 {
		sec, frac = sec-1, frac+1e7
	}
	return time.Unix(sec-ticksToUnix, frac*100).UTC()
}

// TicksMicros converts ticks to Unix microseconds (DuckDB's TIMESTAMP),
// rounding down.
func TicksMicros(ticks int64) int64 {
	us := ticks / 10
	if ticks%10 < 0 {
		us--
	}
	return us - ticksToUnix*1e6
}

// SetReal sets a real column.
func (r *Row) SetReal(col int, v float64) { r.Cells = append(r.Cells, Cell{Col: col, F: v}) }
