package event

import (
	"strconv"
	"time"
)

// Section says which payload element an event carried.
type Section uint8

const (
	SectionNone      Section = iota // neither EventData nor UserData
	SectionEventData                // <EventData><Data Name="...">...</Data></EventData>
	SectionUserData                 // <UserData><Wrapper xmlns="..."><Name>...</Name></Wrapper></UserData>
)

func (s Section) String() string {
	switch s {
	case SectionEventData:
		return "EventData"
	case SectionUserData:
		return "UserData"
	}
	return ""
}

// Field is one payload value. Name is "" for an unnamed <Data> element.
// UserData children nested deeper than the wrapper's direct children are
// named by their path below the wrapper joined with "/" (e.g. "Params/Param"),
// and attributes by the element's path plus "/@name" (e.g. "Result/@value":
// CAPI2 keeps all its data in attributes). Unknown children of EventData are
// flattened the same way.
type Field struct {
	Name  string
	Value string
}

// System is the <System> element. Zero values mean "absent" for every field
// except where a Has* flag says otherwise.
type System struct {
	Provider          string // Provider/@Name
	ProviderGUID      string // Provider/@Guid as rendered, "{54849625-5478-4994-A5BA-3E3B0328C30D}"
	EventSource       string // Provider/@EventSourceName (classic event logs)
	EventID           uint16
	Qualifiers        uint16
	HasQualifiers     bool
	Version           uint8
	Level             uint8
	Task              uint16
	Opcode            uint8
	Keywords          uint64
	TimeCreated       time.Time // UTC, 100 ns precision
	EventRecordID     uint64
	ActivityID        string // Correlation/@ActivityID as rendered
	RelatedActivityID string
	ProcessID         uint32
	ThreadID          uint32
	Channel           string
	Computer          string
	UserID            string // Security/@UserID, a SID string
}

// Rendering is the optional <RenderingInfo> that wevtutil /f:RenderedXml and
// Get-WinEvent add: message texts resolved on the source machine.
type Rendering struct {
	Culture  string
	Message  string
	Level    string
	Task     string
	Opcode   string
	Channel  string
	Provider string
	Keywords []string
}

// Event is a parsed Windows event.
type Event struct {
	System  System
	Section Section
	// UserDataName is the local name of the UserData wrapper element
	// (e.g. "LogFileCleared"), and UserDataNS its xmlns, when Section is
	// SectionUserData.
	UserDataName string
	UserDataNS   string
	Data         []Field
	// Binary is the hex text of EventData/Binary, written by classic providers.
	Binary    string
	Rendering *Rendering
}

// Get returns the value of the first field called name.
func (e *Event) Get(name string) (string, bool) {
	for i := range e.Data {
		if e.Data[i].Name == name {
			return e.Data[i].Value, true
		}
	}
	return "", false
}

// Value returns the value of the first field called name, or "".
func (e *Event) Value(name string) string {
	v, _ := e.Get(name)
	return v
}

// Key identifies an event across senders: the workspace stores an event once
// per Key, so N agents shipping the same log behind a load balancer store it
// once.
type Key struct {
	Computer      string
	Channel       string
	EventRecordID uint64
	TimeCreated   int64 // Unix nanoseconds
}

// Key returns the event's identity.
func (e *Event) Key() Key {
	return Key{
		Computer:      e.System.Computer,
		Channel:       e.System.Channel,
		EventRecordID: e.System.EventRecordID,
		TimeCreated:   e.System.TimeCreated.UnixNano(),
	}
}

// TimeLayout renders TimeCreated as Windows does: RFC 3339 with seven
// fractional digits (100 ns ticks), always UTC.
const TimeLayout = "2006-01-02T15:04:05.0000000Z"

// FormatKeywords renders keywords as Windows does: "0x8020000000000000".
func FormatKeywords(k uint64) string {
	return "0x" + strconv.FormatUint(k, 16)
}

// LevelName is the standard name of a level value, as Sentinel's
// EventLevelName column has it.
func LevelName(level uint8) string {
	switch level {
	case 0:
		return "LogAlways"
	case 1:
		return "Critical"
	case 2:
		return "Error"
	case 3:
		return "Warning"
	case 4:
		return "Information"
	case 5:
		return "Verbose"
	}
	return strconv.Itoa(int(level))
}
