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
	hb  hbCols
	// seFields maps an EventData/UserData field name to the SecurityEvent
	// column it fills and, for the fields the derived columns read, its role.
	seFields map[string]fieldSpec
	// decimals holds the decimal text of 0..255, so that writing a small
	// number (an opcode) never allocates.
	decimals [256]string
}

// fieldSpec says what a payload field feeds.
type fieldSpec struct {
	col  int16
	typ  Type
	role fieldRole
}

// fieldRole names the payload fields the derived columns are computed from.
type fieldRole uint8

const (
	roleNone fieldRole = iota
	roleSubjectUserName
	roleSubjectDomainName
	roleSubjectUserSid
	roleTargetUserName
	roleTargetDomainName
	roleTargetUserSid
	roleTargetSid
	roleLogonType
	roleNewProcessName
	roleProcessName
	numRoles
)

var roleFields = [numRoles]string{
	roleSubjectUserName:   "SubjectUserName",
	roleSubjectDomainName: "SubjectDomainName",
	roleSubjectUserSid:    "SubjectUserSid",
	roleTargetUserName:    "TargetUserName",
	roleTargetDomainName:  "TargetDomainName",
	roleTargetUserSid:     "TargetUserSid",
	roleTargetSid:         "TargetSid",
	roleLogonType:         "LogonType",
	roleNewProcessName:    "NewProcessName",
	roleProcessName:       "ProcessName",
}

// notFromPayload are SecurityEvent columns a payload field must never fill:
// the mapper computes them from System or from other fields, or the
// workspace sets them. A field of the same name stays in EventData only.
var notFromPayload = [...]string{
	"TimeGenerated", "Computer", "EventID", "Channel", "Task", "Level",
	"EventSourceName", "EventData", "SourceSystem", "Type", "Activity",
	"Account", "AccountType", "SubjectAccount", "TargetAccount",
	"LogonTypeName", "Process", "ManagementGroupName", "SourceComputerId",
	"AzureDeploymentID", "StorageAccount",
	"EventRecordID", "Keywords", "ProviderGuid", "Opcode", "Version",
	"ExecutionProcessId", "ExecutionThreadId", "UserID", "ActivityID",
	"TenantId", "_ResourceId", "_TimeReceived",
}

type seCols struct {
	timeGenerated, computer, eventID, channel, task, level, eventSourceName,
	eventData, sourceSystem, typ, eventRecordID, keywords, providerGUID,
	opcode, version, execPID, execTID, userID, activityID,
	activity, account, accountType, subjectAccount, targetAccount,
	logonTypeName, process int
}

type weCols struct {
	timeGenerated, computer, eventID, channel, provider, task, eventLevel,
	eventLevelName, eventRecordID, keywords, eventData, sourceSystem, typ,
	opcode, version, sysPID, sysTID, sysUserID, correlation int
}

type hbCols struct {
	timeGenerated, computer, computerIP, category, osType, osName,
	osMajor, osMinor, version, sourceComputerID, sourceSystem,
	eventsPerSecond, queueDepth, lastError, typ int
}

// NewMapper prepares column positions and the field index for the catalog's
// tables. It panics with a BUG message if the catalog lacks a column the
// mapping needs (catalogs come from New; this is a programming error).
func NewMapper(c *Catalog) *Mapper {
	s, w, h := c.SecurityEvent, c.WindowsEvent, c.Heartbeat
	for _, t := range []*Table{s, w, h} {
		if len(t.Columns) > maxTableColumns {
			panic("BUG: schema: table " + t.Name + " has more than " + strconv.Itoa(maxTableColumns) + " columns")
		}
	}
	m := &Mapper{
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
			activity: s.MustCol("Activity"), account: s.MustCol("Account"),
			accountType: s.MustCol("AccountType"), subjectAccount: s.MustCol("SubjectAccount"),
			targetAccount: s.MustCol("TargetAccount"), logonTypeName: s.MustCol("LogonTypeName"),
			process: s.MustCol("Process"),
		},
		we: weCols{
			timeGenerated: w.MustCol("TimeGenerated"), computer: w.MustCol("Computer"),
			eventID: w.MustCol("EventID"), channel: w.MustCol("Channel"), provider: w.MustCol("Provider"),
			task: w.MustCol("Task"), eventLevel: w.MustCol("EventLevel"),
			eventLevelName: w.MustCol("EventLevelName"), eventRecordID: w.MustCol("EventRecordId"),
			keywords: w.MustCol("Keywords"), eventData: w.MustCol("EventData"),
			sourceSystem: w.MustCol("SourceSystem"), typ: w.MustCol("Type"),
			opcode: w.MustCol("Opcode"), version: w.MustCol("Version"),
			sysPID: w.MustCol("SystemProcessId"), sysTID: w.MustCol("SystemThreadId"),
			sysUserID: w.MustCol("SystemUserId"), correlation: w.MustCol("Correlation"),
		},
		hb: hbCols{
			timeGenerated: h.MustCol("TimeGenerated"), computer: h.MustCol("Computer"),
			computerIP: h.MustCol("ComputerIP"), category: h.MustCol("Category"),
			osType: h.MustCol("OSType"), osName: h.MustCol("OSName"),
			osMajor: h.MustCol("OSMajorVersion"), osMinor: h.MustCol("OSMinorVersion"),
			version: h.MustCol("Version"), sourceComputerID: h.MustCol("SourceComputerId"),
			sourceSystem: h.MustCol("SourceSystem"), eventsPerSecond: h.MustCol("EventsPerSecond"),
			queueDepth: h.MustCol("QueueDepth"), lastError: h.MustCol("LastError"), typ: h.MustCol("Type"),
		},
	}
	for i := range m.decimals {
		m.decimals[i] = strconv.Itoa(i)
	}
	m.seFields = securityEventFields(s)
	return m
}

// securityEventFields builds the field-name index of SecurityEvent: every
// string or int column a payload field may fill, by its name.
func securityEventFields(t *Table) map[string]fieldSpec {
	skip := make(map[string]bool, len(notFromPayload))
	for _, n := range notFromPayload {
		skip[n] = true
	}
	out := make(map[string]fieldSpec, len(t.Columns))
	for i, c := range t.Columns {
		if skip[c.Name] || (c.Type != String && c.Type != Int) {
			continue
		}
		out[c.Name] = fieldSpec{col: int16(i), typ: c.Type}
	}
	for r := roleNone + 1; r < numRoles; r++ {
		spec, ok := out[roleFields[r]]
		if !ok {
			panic("BUG: schema: SecurityEvent has no column for field " + roleFields[r])
		}
		spec.role = r
		out[roleFields[r]] = spec
	}
	return out
}

// Map fills r (after resetting it) with e's row and returns the table the
// row belongs to: SecurityEvent for the Security and AppLocker channels,
// WindowsEvent otherwise. sourceSystem says how the event was collected
// (Sentinel writes "OpsManager" for its Windows agents).
//
// A row sets each column at most once. Its strings share one allocation made
// for the row (the EventData text and the derived strings); the other values
// point into e's strings, so e must not be modified while the row is in use.
func (m *Mapper) Map(e *event.Event, sourceSystem string, r *Row) *Table {
	return m.mapEvent(e, sourceSystem, r, true)
}

// MapKeepingPayload is Map for a consumer that keeps the event's payload
// and renders SecurityEvent's EventData from it with EventDataXML when it
// is read (the store): the row leaves that column unset, which saves
// rendering it for every event. Every other column is as Map sets it.
func (m *Mapper) MapKeepingPayload(e *event.Event, sourceSystem string, r *Row) *Table {
	return m.mapEvent(e, sourceSystem, r, false)
}

func (m *Mapper) mapEvent(e *event.Event, sourceSystem string, r *Row, eventData bool) *Table {
	r.Reset()
	if IsSecurityChannel(e.System.Channel) {
		m.securityEvent(e, sourceSystem, r, eventData)
		return m.cat.SecurityEvent
	}
	m.windowsEvent(e, sourceSystem, r)
	return m.cat.WindowsEvent
}

// colSet marks the columns a row has set.
type colSet [maxTableColumns / 64]uint64

func (s *colSet) has(c int) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *colSet) add(c int)      { s[c>>6] |= 1 << (c & 63) }
