package schema

import (
	"strconv"
	"unsafe"

	"wsec/internal/event"
)

// roleValues holds the values of the fields the derived columns read; the
// first occurrence of a field wins, as for its column.
type roleValues struct {
	v   [numRoles]string
	set uint32
}

func (d *roleValues) put(r fieldRole, v string) {
	if d.set&(1<<r) == 0 {
		d.v[r] = v
		d.set |= 1 << r
	}
}

func (d *roleValues) has(r fieldRole) bool { return d.set&(1<<r) != 0 }

// securityEvent fills r with e's SecurityEvent row, with its EventData text
// when eventData is set.
func (m *Mapper) securityEvent(e *event.Event, sourceSystem string, r *Row, eventData bool) {
	c, s := &m.se, &e.System
	var done colSet
	var d roleValues

	// Payload fields first: each fills its column once (first occurrence).
	for i := range e.Data {
		f := &e.Data[i]
		spec, ok := m.seFields[f.Name]
		if !ok {
			continue
		}
		if spec.role != roleNone {
			d.put(spec.role, f.Value)
		}
		col := int(spec.col)
		if done.has(col) {
			continue
		}
		if spec.typ == Int {
			v, ok := parseWinInt(f.Value)
			if !ok {
				continue
			}
			r.SetInt(col, v)
		} else {
			r.SetString(col, f.Value)
		}
		done.add(col)
	}

	// One buffer holds every string this row makes: the EventData text, the
	// Subject/Target accounts, the Keywords text and, for an ID without a
	// title, the bare ID. It becomes one string; the columns are substrings.
	hasSubject := d.has(roleSubjectUserName)
	hasTarget := d.has(roleTargetUserName)
	act := activity(s.EventID)
	size := len("0x0123456789abcdef") + len("65535")
	if eventData {
		size += eventDataXMLSizeHint(e)
	}
	if hasSubject {
		size += len(d.v[roleSubjectDomainName]) + 1 + len(d.v[roleSubjectUserName])
	}
	if hasTarget {
		size += len(d.v[roleTargetDomainName]) + 1 + len(d.v[roleTargetUserName])
	}
	buf := make([]byte, 0, size)
	if eventData {
		buf = appendEventDataXML(buf, e)
	}
	xmlEnd := len(buf)
	if hasSubject {
		buf = append(buf, d.v[roleSubjectDomainName]...)
		buf = append(buf, '\\')
		buf = append(buf, d.v[roleSubjectUserName]...)
	}
	subjectEnd := len(buf)
	if hasTarget {
		buf = append(buf, d.v[roleTargetDomainName]...)
		buf = append(buf, '\\')
		buf = append(buf, d.v[roleTargetUserName]...)
	}
	targetEnd := len(buf)
	buf = append(buf, "0x"...)
	buf = strconv.AppendUint(buf, s.Keywords, 16)
	keywordsEnd := len(buf)
	if act == "" {
		buf = strconv.AppendUint(buf, uint64(s.EventID), 10)
	}
	str := unsafe.String(unsafe.SliceData(buf), len(buf))
	xml := str[:xmlEnd]
	subject := str[xmlEnd:subjectEnd]
	target := str[subjectEnd:targetEnd]
	keywords := str[targetEnd:keywordsEnd]
	if act == "" {
		act = str[keywordsEnd:]
	}

	// System columns.
	r.SetTime(c.timeGenerated, s.TimeCreated)
	r.SetString(c.computer, s.Computer)
	r.SetInt(c.eventID, int64(s.EventID))
	r.SetString(c.channel, s.Channel)
	r.SetInt(c.task, int64(s.Task))
	r.SetString(c.level, securityLevel(s.Keywords, s.Level))
	r.SetString(c.eventSourceName, s.Provider)
	r.SetString(c.sourceSystem, sourceSystem)
	r.SetString(c.typ, SecurityEventTable)
	r.SetString(c.activity, act)
	r.SetInt(c.eventRecordID, int64(s.EventRecordID))
	r.SetString(c.keywords, keywords)
	if s.ProviderGUID != "" {
		r.SetString(c.providerGUID, s.ProviderGUID)
	}
	r.SetInt(c.opcode, int64(s.Opcode))
	r.SetInt(c.version, int64(s.Version))
	r.SetInt(c.execPID, int64(s.ProcessID))
	r.SetInt(c.execTID, int64(s.ThreadID))
	if s.UserID != "" {
		r.SetString(c.userID, s.UserID)
	}
	if s.ActivityID != "" {
		r.SetString(c.activityID, s.ActivityID)
	}
	if xml != "" {
		r.SetString(c.eventData, xml)
	}

	// Derived columns.
	if hasSubject {
		r.SetString(c.subjectAccount, subject)
	}
	if hasTarget {
		r.SetString(c.targetAccount, target)
	}
	switch {
	case hasTarget && (targetAccountFirst(s.EventID) || !hasSubject):
		sid := d.v[roleTargetUserSid]
		if !d.has(roleTargetUserSid) {
			sid = d.v[roleTargetSid]
		}
		r.SetString(c.account, target)
		r.SetString(c.accountType, accountType(d.v[roleTargetUserName], sid))
	case hasSubject:
		r.SetString(c.account, subject)
		r.SetString(c.accountType, accountType(d.v[roleSubjectUserName], d.v[roleSubjectUserSid]))
	}
	if d.has(roleLogonType) {
		if t, ok := parseWinInt(d.v[roleLogonType]); ok {
			if name := logonTypeName(t); name != "" {
				r.SetString(c.logonTypeName, name)
			}
		}
	}
	switch {
	case d.has(roleNewProcessName):
		r.SetString(c.process, processFileName(d.v[roleNewProcessName]))
	case d.has(roleProcessName):
		r.SetString(c.process, processFileName(d.v[roleProcessName]))
	}
}
