package rdpsim

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"wsec/internal/event"
	"wsec/internal/rdpanomaly"
)

// WriteXML writes the dataset's logons as Windows event XML (4624 and
// 4625, LogonType 10, one event per line), the input of 'wsec import':
// the product path from events to anomalies.
func (ds *Dataset) WriteXML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	records := map[string]uint64{}
	for i := range ds.Logons {
		l := &ds.Logons[i]
		records[l.Computer]++
		e := logonEvent(l, records[l.Computer])
		buf = append(e.AppendXML(buf[:0]), "\r\n"...)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

const auditSuccess, auditFailure = 0x8020000000000000, 0x8010000000000000

func logonEvent(l *rdpanomaly.Logon, record uint64) *event.Event {
	domain, user, ok := strings.Cut(l.User, `\`)
	if !ok {
		domain, user = "-", l.User
	}
	e := &event.Event{Section: event.SectionEventData, System: event.System{
		Provider: "Microsoft-Windows-Security-Auditing", ProviderGUID: "{54849625-5478-4994-A5BA-3E3B0328C30D}",
		EventID: uint16(l.EventID), Task: 12544, Keywords: auditSuccess, TimeCreated: l.Time,
		EventRecordID: record, Channel: "Security", Computer: l.Computer, ProcessID: 716, ThreadID: 800,
	}}
	f := func(name, value string) { e.Data = append(e.Data, event.Field{Name: name, Value: value}) }
	port := strconv.Itoa(49152 + int(record%16000))
	if l.EventID == rdpanomaly.EventLogonFailed {
		e.System.Keywords = auditFailure
		f("SubjectUserSid", "S-1-0-0")
		f("TargetUserName", user)
		f("TargetDomainName", domain)
		f("Status", "0xc000006d")
		f("SubStatus", "0xc000006a")
		f("LogonType", "10")
		f("IpAddress", l.IP)
		f("IpPort", port)
		return e
	}
	e.System.Version = 2
	f("SubjectUserSid", "S-1-5-18")
	f("TargetUserName", user)
	f("TargetDomainName", domain)
	f("LogonType", "10")
	f("LogonProcessName", "User32 ")
	f("AuthenticationPackageName", "Negotiate")
	f("IpAddress", l.IP)
	f("IpPort", port)
	return e
}
