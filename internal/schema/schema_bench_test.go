package schema

import (
	"testing"
	"time"

	"wsec/internal/event"
)

// benchMix is a Security log as a domain member writes it: mostly logon,
// logoff and special-logon triples, process creation, some failures. The
// field sets are the real ones of the unit tests (oracle, hayabusa corpus).
func benchMix() []*event.Event {
	const auditing = "Microsoft-Windows-Security-Auditing"
	logon := fields(
		"SubjectUserSid", "S-1-5-18", "SubjectUserName", "DC01$", "SubjectDomainName", "SIMULANDLABS", "SubjectLogonId", "0x3e7",
		"TargetUserSid", "S-1-5-21-2490359158-13971675-3780420524-1106", "TargetUserName", "cjones",
		"TargetDomainName", "SIMULANDLABS.COM", "TargetLogonId", "0x8f0de422", "LogonType", "3",
		"LogonProcessName", "Kerberos", "AuthenticationPackageName", "Kerberos", "WorkstationName", "-",
		"LogonGuid", "{73969297-3475-37ab-4f01-3654d1f9b922}", "TransmittedServices", "-", "LmPackageName", "-",
		"KeyLength", "0", "ProcessId", "0x0", "ProcessName", "-", "IpAddress", "fe80::1d35:28c0:59d6:6862", "IpPort", "58720",
		"ImpersonationLevel", "%%1833", "RestrictedAdminMode", "-", "TargetOutboundUserName", "-",
		"TargetOutboundDomainName", "-", "VirtualAccount", "%%1843", "TargetLinkedLogonId", "0x0", "ElevatedToken", "%%1842")
	failed := fields(
		"SubjectUserSid", "S-1-5-21-113448046-927799223-410490820-1001", "SubjectUserName", "Admin",
		"SubjectDomainName", "WIN", "SubjectLogonId", "0x393f6d", "TargetUserSid", "S-1-0-0",
		"TargetUserName", "Administrator", "TargetDomainName", "WIN", "Status", "0xc000006d",
		"FailureReason", "%%2313", "SubStatus", "0xc000006a", "LogonType", "2", "LogonProcessName", "Advapi  ",
		"AuthenticationPackageName", "Negotiate", "WorkstationName", "WIN", "TransmittedServices", "-",
		"LmPackageName", "-", "KeyLength", "0", "ProcessId", "0x1b0c",
		"ProcessName", `C:\Users\Admin\Desktop\AccountRestore.bin\AccountRestore.exe`, "IpAddress", "-", "IpPort", "-")
	process := fields(
		"SubjectUserSid", "S-1-5-19", "SubjectUserName", "LOCAL SERVICE", "SubjectDomainName", "NT AUTHORITY",
		"SubjectLogonId", "0x3e5", "NewProcessId", "0x824", "NewProcessName", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		"TokenElevationType", "%%1936", "ProcessId", "0xf60",
		"CommandLine", `powershell.exe -NonI -W Hidden -NoP -Exec Bypass -Enc SQBmACgAJABQAFMAVgBlAHIAcwBpAG8AbgBUAGEAYgBsAGUALgBQAFMAVgBlAHIAcwBpAG8AbgAuAE0AYQBqAG8AcgAgAC0AZwBlACAAMwApAHsA`,
		"TargetUserSid", "S-1-0-0", "TargetUserName", "-", "TargetDomainName", "-", "TargetLogonId", "0x0",
		"ParentProcessName", `C:\ProgramData\chocolatey\lib\Tomcat\tools\apache-tomcat-9.0.62\bin\tomcat9.exe`,
		"MandatoryLabel", "S-1-16-16384")
	logoff := fields(
		"TargetUserSid", "S-1-5-21-2490359158-13971675-3780420524-1106", "TargetUserName", "cjones",
		"TargetDomainName", "SIMULANDLABS", "TargetLogonId", "0x8f0de422", "LogonType", "3")
	special := fields(
		"SubjectUserSid", "S-1-5-21-2490359158-13971675-3780420524-500", "SubjectUserName", "wardog",
		"SubjectDomainName", "SIMULANDLABS", "SubjectLogonId", "0x8f0f2cd7",
		"PrivilegeList", "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege")
	mk := func(id uint16, kw uint64, d []event.Field, rec uint64) *event.Event {
		e := securityEventOf(id, auditing, kw, d)
		e.System.ProviderGUID = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
		e.System.Task = 12544
		e.System.EventRecordID = rec
		e.System.TimeCreated = time.Date(2021, 8, 2, 13, 6, 38, int(rec)*1000, time.UTC)
		return e
	}
	var out []*event.Event
	// 20 events: 6 logon, 5 logoff, 4 special logon, 4 process, 1 failure.
	for i, spec := range []struct {
		id uint16
		kw uint64
		d  []event.Field
		n  int
	}{
		{4624, kwSuccess, logon, 6}, {4634, kwSuccess, logoff, 5}, {4672, kwSuccess, special, 4},
		{4688, kwSuccess, process, 4}, {4625, kwFailure, failed, 1},
	} {
		for j := 0; j < spec.n; j++ {
			out = append(out, mk(spec.id, spec.kw, spec.d, uint64(1000*i+j)))
		}
	}
	return out
}

func payloadBytes(evs []*event.Event) int64 {
	var n int64
	for _, e := range evs {
		for _, f := range e.Data {
			n += int64(len(f.Name) + len(f.Value))
		}
	}
	return n
}

// BenchmarkMapSecurityEvent measures Map on the mix; one op maps the whole
// mix of 20 events, SetBytes counts the payload names and values.
func BenchmarkMapSecurityEvent(b *testing.B) {
	evs := benchMix()
	m := NewMapper(New())
	r := Row{Cells: make([]Cell, 0, 64)}
	b.ReportAllocs()
	b.SetBytes(payloadBytes(evs))
	b.ResetTimer()
	for b.Loop() {
		for _, e := range evs {
			m.Map(e, "OpsManager", &r)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMapSecurityEventParallel is the same on all cores (the ingest
// path maps batches concurrently; the Mapper is shared).
func BenchmarkMapSecurityEventParallel(b *testing.B) {
	evs := benchMix()
	m := NewMapper(New())
	b.ReportAllocs()
	b.SetBytes(payloadBytes(evs))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := Row{Cells: make([]Cell, 0, 64)}
		for pb.Next() {
			for _, e := range evs {
				m.Map(e, "OpsManager", &r)
			}
		}
	})
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEventDataXML isolates the EventData text, the one allocation.
func BenchmarkEventDataXML(b *testing.B) {
	evs := benchMix()
	b.ReportAllocs()
	b.SetBytes(payloadBytes(evs))
	for b.Loop() {
		for _, e := range evs {
			_ = EventDataXML(e)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}
