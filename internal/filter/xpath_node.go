package filter

import (
	"strings"

	"wsec/internal/event"
)

// The compiled matcher walks a virtual XML tree laid over event.Event: the
// nodes Windows' event schema defines, named as in the rendered event XML,
// without building the XML. A node is a small value (kind plus indexes), so
// walking never allocates.
//
//	(root) / Event / System / Provider@Name@Guid@EventSourceName, EventID@Qualifiers,
//	                          Version, Level, Task, Opcode, Keywords, TimeCreated@SystemTime,
//	                          EventRecordID, Correlation@ActivityID@RelatedActivityID,
//	                          Execution@ProcessID@ThreadID, Channel, Computer, Security@UserID
//	               / EventData / Data@Name*, Binary
//	               / UserData / <wrapper> / <element>... (Field names split at "/")

type kind uint8

const (
	kRoot kind = iota
	kEvent
	kSystem
	kProvider // first System child
	kEventID
	kVersion
	kLevel
	kTask
	kOpcode
	kKeywords
	kTimeCreated
	kEventRecordID
	kCorrelation
	kExecution
	kChannel
	kComputer
	kSecurity // last System child
	kEventData
	kData
	kBinary
	kUserData
	kUDWrap // the UserData wrapper element, named by Event.UserDataName
	kUDElem // an element below the wrapper: Data[idx], segment depth of its name
	numKinds
)

// name is the element name of fixed-name kinds.
func (k kind) name() string {
	switch k {
	case kEvent:
		return "Event"
	case kSystem:
		return "System"
	case kProvider:
		return "Provider"
	case kEventID:
		return "EventID"
	case kVersion:
		return "Version"
	case kLevel:
		return "Level"
	case kTask:
		return "Task"
	case kOpcode:
		return "Opcode"
	case kKeywords:
		return "Keywords"
	case kTimeCreated:
		return "TimeCreated"
	case kEventRecordID:
		return "EventRecordID"
	case kCorrelation:
		return "Correlation"
	case kExecution:
		return "Execution"
	case kChannel:
		return "Channel"
	case kComputer:
		return "Computer"
	case kSecurity:
		return "Security"
	case kEventData:
		return "EventData"
	case kData:
		return "Data"
	case kBinary:
		return "Binary"
	case kUserData:
		return "UserData"
	case kUDWrap:
		return "the UserData wrapper"
	case kUDElem:
		return "a UserData element"
	}
	return "the root"
}

func isSystemChild(k kind) bool { return k >= kProvider && k <= kSecurity }

// hasText reports kinds whose element holds text (leaves). UserData
// elements are leaves only when nothing is nested below them, which is known
// per event.
func hasText(k kind) bool {
	switch k {
	case kEventID, kVersion, kLevel, kTask, kOpcode, kKeywords, kEventRecordID,
		kChannel, kComputer, kData, kBinary, kUDElem:
		return true
	}
	return false
}

type kindSet uint32

func kinds(ks ...kind) kindSet {
	var s kindSet
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

func (s kindSet) has(k kind) bool { return s&(1<<k) != 0 }

// only returns the single kind in s.
func (s kindSet) only() (kind, bool) {
	if s == 0 || s&(s-1) != 0 {
		return 0, false
	}
	for k := kind(0); k < numKinds; k++ {
		if s.has(k) {
			return k, true
		}
	}
	return 0, false
}

// first returns the lowest kind in s, to name it in messages.
func (s kindSet) first() kind {
	for k := kind(0); k < numKinds; k++ {
		if s.has(k) {
			return k
		}
	}
	return kRoot
}

func (s kindSet) each(f func(kind)) {
	for k := kind(0); k < numKinds; k++ {
		if s.has(k) {
			f(k)
		}
	}
}

// attr is an attribute of a fixed-schema element.
type attr uint8

const (
	aNone attr = iota
	aName
	aGuid
	aEventSourceName
	aQualifiers
	aSystemTime
	aActivityID
	aRelatedActivityID
	aProcessID
	aThreadID
	aUserID
	numAttrs
)

func (a attr) String() string {
	switch a {
	case aName:
		return "Name"
	case aGuid:
		return "Guid"
	case aEventSourceName:
		return "EventSourceName"
	case aQualifiers:
		return "Qualifiers"
	case aSystemTime:
		return "SystemTime"
	case aActivityID:
		return "ActivityID"
	case aRelatedActivityID:
		return "RelatedActivityID"
	case aProcessID:
		return "ProcessID"
	case aThreadID:
		return "ThreadID"
	case aUserID:
		return "UserID"
	}
	return ""
}

func attrByName(name string) attr {
	for a := aName; a < numAttrs; a++ {
		if a.String() == name {
			return a
		}
	}
	return aNone
}

// attrOf reports whether kind k carries attribute a.
func attrOf(k kind, a attr) bool {
	switch k {
	case kProvider:
		return a == aName || a == aGuid || a == aEventSourceName
	case kEventID:
		return a == aQualifiers
	case kTimeCreated:
		return a == aSystemTime
	case kCorrelation:
		return a == aActivityID || a == aRelatedActivityID
	case kExecution:
		return a == aProcessID || a == aThreadID
	case kSecurity:
		return a == aUserID
	case kData:
		return a == aName
	}
	return false
}

func attrsOf(k kind) string {
	var b strings.Builder
	for a := aName; a < numAttrs; a++ {
		if attrOf(k, a) {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString("@" + a.String())
		}
	}
	return b.String()
}

// node is a position in the virtual tree of one event.
type node struct {
	kind  kind
	attr  attr  // aNone for the element itself
	pos   int32 // 1-based position in the node-set a predicate is filtering
	idx   int32 // Data/UserData field index (kData, kUDElem)
	depth int32 // name segment of Data[idx].Name (kUDElem)
}

// exists reports whether a fixed-kind element is present in e.
func exists(e *event.Event, k kind) bool {
	switch k {
	case kEventData:
		return e.Section == event.SectionEventData || (e.Section == event.SectionNone && len(e.Data) > 0)
	case kUserData:
		return e.Section == event.SectionUserData
	case kUDWrap:
		return e.Section == event.SectionUserData && e.UserDataName != ""
	case kBinary:
		return e.Binary != ""
	}
	return true
}

// segment returns the d-th "/"-separated segment of a UserData field name
// and whether more segments follow it; ok is false when there is no such
// segment.
func segment(name string, d int32) (seg string, more, ok bool) {
	for ; d > 0; d-- {
		i := strings.IndexByte(name, '/')
		if i < 0 {
			return "", false, false
		}
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '/'); i >= 0 {
		return name[:i], true, true
	}
	return name, false, true
}

// sameParent reports whether UserData fields a and b sit in the same
// element at depth d: their first d+1 segments are equal and both continue
// below it. Only then is that element one node, not two.
func sameParent(a, b string, d int32) bool {
	for ; d >= 0; d-- {
		ia, ib := strings.IndexByte(a, '/'), strings.IndexByte(b, '/')
		if ia < 0 || ib < 0 || a[:ia] != b[:ib] {
			return false
		}
		a, b = a[ia+1:], b[ib+1:]
	}
	return true
}
