package sentinelref

import (
	"regexp"
	"strings"
	"time"

	"wsec/internal/schema"
)

var sidWellKnownLocal = regexp.MustCompile(`S-1-5-[0-9][0-9]$`)

// Witnesses maps each rule that returns no row on the corpus (path under
// sentinel-rules, with its query in queries) to its witness count over the
// events all with the rules' clock at now. A test asserting 0 rows for a
// rule with no witness holds the compiler to the rule; a corpus change that
// gives the rule witnesses fails such a test until its count is worked out
// in Rows.
func Witnesses(all []Event, queries map[string]string, now time.Time) map[string]int {
	evs := inTable(all, schema.SecurityEventTable)
	day := 24 * time.Hour
	count := func(keep func(Event) bool) int {
		n := 0
		for _, e := range evs {
			if keep(e) {
				n++
			}
		}
		return n
	}
	// groupsOver counts the groups of the events kept whose size exceeds min.
	groupsOver := func(min int, keep func(Event) bool, key func(Event) string) int {
		size := map[string]int{}
		for _, e := range evs {
			if keep(e) {
				size[key(e)]++
			}
		}
		n := 0
		for _, s := range size {
			if s > min {
				n++
			}
		}
		return n
	}
	since := func(e Event, d time.Duration) bool { return !e.At.Before(now.Add(-d)) }
	failedLogonKey := func(e Event) string {
		return e.computer + "|" + e.v("WorkstationName") + "|" + e.v("IpAddress") + "|" + e.v("SubStatus")
	}
	cmdHas := func(e Event, subs ...string) bool {
		for _, s := range subs {
			if !containsFold(e.v("CommandLine"), s) {
				return false
			}
		}
		return true
	}
	// A hunting template whose times are not filled in:
	// todatetime('{{StartTimeISO}}') is null, and no time lies between null
	// bounds.
	unfilledTemplate := func(rule string) int {
		if strings.Contains(queries[rule], "todatetime('{{StartTimeISO}}')") {
			return 0
		}
		return 1
	}

	return map[string]int{
		// More than 15 services asked for RC4 tickets (4769, 0x17,
		// 0x40810000, status 0) by one account in the last hour.
		"Detections/SecurityEvent/PotentialKerberoast.yaml": func() int {
			services := map[string]map[string]bool{}
			for _, e := range evs {
				if e.id != 4769 || !since(e, time.Hour) || e.v("TicketEncryptionType") != "0x17" ||
					e.v("TicketOptions") != "0x40810000" || e.v("Status") != "0x0" {
					continue
				}
				u := e.v("TargetUserName")
				if services[u] == nil {
					services[u] = map[string]bool{}
				}
				services[u][e.v("ServiceName")] = true
			}
			n := 0
			for _, s := range services {
				if len(s) > 15 {
					n++
				}
			}
			return n
		}(),
		// Two RDP logons (4624 type 10) of one account on two computers
		// within the last day.
		"Detections/SecurityEvent/RDP_Nesting.yaml": func() int {
			hosts := map[string]map[string]bool{}
			for _, e := range evs {
				if e.id == 4624 && e.v("LogonType") == "10" && since(e, day) {
					u := strings.ToLower(e.v("TargetUserName"))
					if hosts[u] == nil {
						hosts[u] = map[string]bool{}
					}
					hosts[u][strings.ToUpper(e.computer)] = true
				}
			}
			n := 0
			for _, h := range hosts {
				if len(h) > 1 {
					n++
				}
			}
			return n
		}(),
		// 20 or more user logon failures in the last 10 minutes sharing
		// computer, workstation, address and SubStatus (the rule groups by
		// more columns). The corpus's brute force (3,558 failures) names
		// a different random workstation in each event.
		"Detections/SecurityEvent/gte_6_FailedLogons_10m.yaml": groupsOver(19, func(e Event) bool {
			return e.id == 4625 && since(e, 10*time.Minute) && e.targetIsUser() && e.v("SubStatus") != "0xc0000064"
		}, failedLogonKey),
		// The same with 50 or more in the last day, loopback addresses left
		// out.
		"Solutions/Windows Security Events/Analytic Rules/ExcessiveLogonFailures.yaml": groupsOver(49, func(e Event) bool {
			ip := e.v("IpAddress")
			return e.id == 4625 && since(e, day) && e.targetIsUser() && ip != "127.0.0.1" && ip != "::1"
		}, failedLogonKey),
		// An ADFS server: a Sysmon named-pipe event (18) of
		// Microsoft.IdentityServer.ServiceHost.exe, read through Event.
		"Solutions/Windows Security Events/Analytic Rules/ADFSDBNamedPipeConnection.yaml": func() int {
			n := 0
			for _, e := range inTable(all, schema.WindowsEventTable) {
				if e.provider == "Microsoft-Windows-Sysmon" && e.id == 18 &&
					strings.HasSuffix(strings.ToLower(e.v("Image")), `\microsoft.identityserver.servicehost.exe`) {
					n++
				}
			}
			return n
		}(),
		// A directory change (5136) of an msExchOABVirtualDirectory object.
		"Solutions/Windows Security Events/Analytic Rules/ExchangeOABVirtualDirectoryAttributeContainingPotentialWebshell.yaml": count(func(e Event) bool {
			return e.id == 5136 && strings.EqualFold(e.v("ObjectClass"), "msExchOABVirtualDirectory")
		}),
		// An ADFS server: Microsoft.IdentityServer.ServiceHost.exe started
		// (4688) in the last 7 days.
		"Solutions/Windows Security Events/Analytic Rules/GainCodeExecutionADFSViaSMB.yaml": count(func(e Event) bool {
			return e.id == 4688 && since(e, 7*day) && containsFold(e.v("NewProcessName"), "Microsoft.IdentityServer.ServiceHost.exe")
		}),
		// A handle request or access (4656, 4663) on the device-join keys.
		"Solutions/Windows Security Events/Analytic Rules/LocalDeviceJoinInfoAndTransportKeyRegKeysAccess.yaml": count(func(e Event) bool {
			return (e.id == 4656 || e.id == 4663) && (containsFold(e.v("ObjectName"), `\CloudDomainJoin\JoinInfo\`) ||
				containsFold(e.v("ObjectName"), `\WorkplaceJoin`))
		}),
		// A command line decoding base64 (4688).
		"Solutions/Windows Security Events/Analytic Rules/NRT_execute_base64_decodedpayload.yaml": count(func(e Event) bool {
			return e.id == 4688 && (cmdHas(e, ".decode('base64')") || cmdHas(e, "base64 --decode") || cmdHas(e, ".decode64("))
		}),
		// A program started from a default domain policy folder (4688) in
		// the last day.
		"Solutions/Windows Security Events/Analytic Rules/NewEXEdeployedviaDefaultDomainorDefaultDomainControllerPolicies.yaml": count(func(e Event) bool {
			p := e.v("NewProcessName")
			return e.id == 4688 && since(e, day) && (containsFold(p, `Policies\{6AC1786C-016F-11D2-945F-00C04fB984F9}`) ||
				containsFold(p, `Policies\{31B2F340-016D-11D2-945F-00C04FB984F9}`))
		}),
		// A registry value change (4657) under ms-settings\shell\open\command.
		"Solutions/Windows Security Events/Analytic Rules/PotentialFodhelperUACBypass.yaml": count(func(e Event) bool {
			return e.id == 4657 && containsFold(e.v("ObjectName"), `Software\Classes\ms-settings\shell\open\command`)
		}),
		// A command line with sdelete's flags (4688).
		"Solutions/Windows Security Events/Analytic Rules/Potentialre-namedsdeleteusage.yaml": count(func(e Event) bool {
			return e.id == 4688 && cmdHas(e, "accepteula", "-r", "-s", "-q", "c:/")
		}),
		// A registry value deleted (4657) under Schedule\TaskCache\Tree.
		"Solutions/Windows Security Events/Analytic Rules/ScheduleTaskHide.yaml": count(func(e Event) bool {
			return e.id == 4657 && containsFold(e.v("ObjectName"), `Schedule\TaskCache\Tree`)
		}),
		// sdelete started (4688), the right side of the rule's inner join.
		"Solutions/Windows Security Events/Analytic Rules/SdeletedeployedviaGPOandrunrecursively.yaml": count(func(e Event) bool {
			return e.id == 4688 && (containsFold(e.v("NewProcessName"), "sdelete") || cmdHas(e, "sdelete"))
		}),
		// A handle request (4656) on the HealthService service object.
		"Solutions/Windows Security Events/Analytic Rules/StartStopHealthService.yaml": count(func(e Event) bool {
			return e.id == 4656 && strings.EqualFold(e.v("ObjectName"), "HealthService")
		}),
		// More than 5 starts of a listed program (4688) in one hour between
		// 2 days ago and the start of yesterday.
		"Solutions/Windows Security Events/Analytic Rules/TimeSeriesAnomaly-ProcessExecutions.yaml": groupsOver(5, func(e Event) bool {
			p := strings.ToLower(e.v("NewProcessName"))
			p = p[strings.LastIndexByte(p, '\\')+1:]
			listed := strings.Contains(" powershell.exe cmd.exe wmic.exe psexec.exe cacls.exe rundll32.exe ", " "+p+" ")
			return e.id == 4688 && listed && e.At.After(now.Add(-2*day)) && !e.At.After(now.Truncate(day).Add(-day))
		}, func(e Event) string { return e.At.Truncate(time.Hour).String() + e.v("NewProcessName") }),
		// An account lockout (4740).
		"Solutions/Windows Security Events/Hunting Queries/ADAccountLockouts.yaml":         count(func(e Event) bool { return e.id == 4740 }),
		"Solutions/Windows Security Events/Hunting Queries/GroupAddedToPrivlegeGroup.yaml": unfilledTemplate("Solutions/Windows Security Events/Hunting Queries/GroupAddedToPrivlegeGroup.yaml"),
		"Solutions/Windows Security Events/Hunting Queries/HostsWithNewLogons.yaml":        unfilledTemplate("Solutions/Windows Security Events/Hunting Queries/HostsWithNewLogons.yaml"),
		// Explicit credentials (4648) of a non-service subject naming a
		// service: a subject on a computer reaching two machines, or a
		// protocol outside the rule's list.
		"Solutions/Windows Security Events/Hunting Queries/MultipleExplicitCredentialUsage4648Events.yaml": func() int {
			common := " cifs ldap rpcss host http restrictedkrbhost termsrv msomsdksvc mssqlsvc "
			machines := map[string]map[string]bool{}
			n := 0
			for _, e := range evs {
				sid, info := e.v("SubjectUserSid"), e.v("TargetInfo")
				if e.id != 4648 || sid == "S-1-0-0" || sidWellKnownLocal.MatchString(sid) || !strings.Contains(info, "/") {
					continue
				}
				proto, rest, _ := strings.Cut(info, "/")
				if !strings.Contains(common, " "+strings.ToLower(proto)+" ") {
					n++
				}
				machine, _, _ := strings.Cut(rest, "/")
				k := e.computer + "|" + strings.ToLower(e.v("SubjectDomainName")+`\`+e.v("SubjectUserName"))
				if machines[k] == nil {
					machines[k] = map[string]bool{}
				}
				machines[k][strings.ToUpper(machine)] = true
			}
			for _, m := range machines {
				if len(m) > 1 {
					n++
				}
			}
			return n
		}(),
	}
}
