package sigma

import (
	"fmt"
	"strings"
)

// Target is one place a Sigma log source's events are found in wsec: a
// channel, optionally narrowed to event IDs, and the renames a rule's field
// names need to read that event's payload.
type Target struct {
	Channel  string
	EventIDs []uint16 // empty: every event of the channel
	// Fields maps a Sigma field name to the event's field name; a field
	// not listed keeps its name. A name mapped to "" does not exist in this
	// event (the rule's test of it never matches).
	Fields map[string]string
	// Table is the workspace table the events land in: SecurityEvent for
	// the Security and AppLocker channels, WindowsEvent otherwise.
	Table string
}

// Mapping is one Sigma log source (a category or a service of product
// windows) and the targets it covers.
type Mapping struct {
	Category string
	Service  string
	Targets  []Target
}

const (
	sysmon        = "Microsoft-Windows-Sysmon/Operational"
	psOperational = "Microsoft-Windows-PowerShell/Operational"
	psCore        = "PowerShellCore/Operational"
	psClassic     = "Windows PowerShell"
	tableSecurity = "SecurityEvent"
	tableWindows  = "WindowsEvent"
)

// security4688 renames Sysmon process-creation fields to those of Security
// 4688 ("A new process has been created"). Sysmon fields 4688 does not carry
// (hashes, file version information, GUIDs, CurrentDirectory, parent command
// line on older systems) keep their name and so match nothing there.
func security4688() map[string]string {
	return map[string]string{
		"Image":           "NewProcessName",
		"ParentImage":     "ParentProcessName",
		"ProcessId":       "NewProcessId",
		"ParentProcessId": "ProcessId",
		"User":            "SubjectUserName",
		"LogonId":         "SubjectLogonId",
		"IntegrityLevel":  "MandatoryLabel",
	}
}

// WindowsMappings is the table of Sigma log sources wsec maps (product
// windows). It is data: LOGSOURCES.md is generated from it and lists every
// row; a log source absent here makes its rules unsupported with that
// reason.
func WindowsMappings() []Mapping {
	sys := func(cat string, ids ...uint16) Mapping {
		return Mapping{Category: cat, Targets: []Target{{Channel: sysmon, EventIDs: ids, Table: tableWindows}}}
	}
	svc := func(service string, channels ...string) Mapping {
		m := Mapping{Service: service}
		for _, c := range channels {
			t := tableWindows
			if c == "Security" || strings.HasPrefix(c, "Microsoft-Windows-AppLocker/") {
				t = tableSecurity
			}
			m.Targets = append(m.Targets, Target{Channel: c, Table: t})
		}
		return m
	}
	ps := func(cat string, id uint16, channels ...string) Mapping {
		m := Mapping{Category: cat}
		for _, c := range channels {
			m.Targets = append(m.Targets, Target{Channel: c, EventIDs: []uint16{id}, Table: tableWindows})
		}
		return m
	}
	return []Mapping{
		{Category: "process_creation", Targets: []Target{
			{Channel: sysmon, EventIDs: []uint16{1}, Table: tableWindows},
			{Channel: "Security", EventIDs: []uint16{4688}, Fields: security4688(), Table: tableSecurity},
		}},
		sys("file_change", 2),
		sys("network_connection", 3),
		sys("sysmon_status", 4, 16),
		sys("process_termination", 5),
		sys("driver_load", 6),
		sys("image_load", 7),
		sys("create_remote_thread", 8),
		sys("raw_access_thread", 9),
		sys("process_access", 10),
		sys("file_event", 11),
		sys("registry_add", 12),
		sys("registry_delete", 12),
		sys("registry_event", 12, 13, 14),
		sys("registry_set", 13),
		sys("registry_rename", 14),
		sys("create_stream_hash", 15),
		sys("pipe_created", 17, 18),
		sys("wmi_event", 19, 20, 21),
		sys("dns_query", 22),
		sys("file_delete", 23, 26),
		sys("clipboard_capture", 24),
		sys("process_tampering", 25),
		sys("file_delete_detected", 26),
		sys("file_block_executable", 27),
		sys("file_block_shredding", 28),
		sys("file_executable_detected", 29),
		sys("sysmon_error", 255),
		ps("ps_module", 4103, psOperational, psCore),
		ps("ps_script", 4104, psOperational, psCore),
		ps("ps_classic_start", 400, psClassic),
		ps("ps_classic_provider_start", 600, psClassic),
		ps("ps_classic_script", 800, psClassic),
		svc("security", "Security"),
		svc("system", "System"),
		svc("application", "Application"),
		svc("sysmon", sysmon),
		svc("powershell", psOperational, psCore),
		svc("powershell-classic", psClassic),
		svc("applocker", "Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker/MSI and Script",
			"Microsoft-Windows-AppLocker/Packaged app-Deployment", "Microsoft-Windows-AppLocker/Packaged app-Execution"),
		svc("appmodel-runtime", "Microsoft-Windows-AppModel-Runtime/Admin"),
		svc("appxdeployment-server", "Microsoft-Windows-AppXDeploymentServer/Operational"),
		svc("appxpackaging-om", "Microsoft-Windows-AppxPackaging/Operational"),
		svc("bits-client", "Microsoft-Windows-Bits-Client/Operational"),
		svc("capi2", "Microsoft-Windows-CAPI2/Operational"),
		svc("certificateservicesclient-lifecycle-system", "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"),
		svc("codeintegrity-operational", "Microsoft-Windows-CodeIntegrity/Operational"),
		svc("dhcp", "Microsoft-Windows-DHCP-Server/Operational"),
		svc("diagnosis-scripted", "Microsoft-Windows-Diagnosis-Scripted/Operational"),
		svc("dns-client", "Microsoft-Windows-DNS Client Events/Operational"),
		svc("dns-server", "DNS Server"),
		svc("dns-server-audit", "Microsoft-Windows-DNS-Server/Audit"),
		svc("driver-framework", "Microsoft-Windows-DriverFrameworks-UserMode/Operational"),
		svc("firewall-as", "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"),
		svc("iis-configuration", "Microsoft-IIS-Configuration/Operational"),
		svc("ldap", "Microsoft-Windows-LDAP-Client/Debug"),
		svc("ldap_debug", "Microsoft-Windows-LDAP-Client/Debug"),
		svc("lsa-server", "Microsoft-Windows-LSA/Operational"),
		svc("microsoft-servicebus-client", "Microsoft-ServiceBus-Client"),
		svc("msexchange-management", "MSExchange Management"),
		svc("ntlm", "Microsoft-Windows-NTLM/Operational"),
		svc("openssh", "OpenSSH/Operational"),
		svc("printservice-admin", "Microsoft-Windows-PrintService/Admin"),
		svc("printservice-operational", "Microsoft-Windows-PrintService/Operational"),
		svc("security-mitigations", "Microsoft-Windows-Security-Mitigations/Kernel Mode", "Microsoft-Windows-Security-Mitigations/User Mode"),
		svc("shell-core", "Microsoft-Windows-Shell-Core/Operational"),
		svc("smbclient-connectivity", "Microsoft-Windows-SmbClient/Connectivity"),
		svc("smbclient-security", "Microsoft-Windows-SmbClient/Security"),
		svc("smbserver-connectivity", "Microsoft-Windows-SMBServer/Connectivity"),
		svc("taskscheduler", "Microsoft-Windows-TaskScheduler/Operational"),
		svc("terminalservices-localsessionmanager", "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"),
		svc("vhdmp", "Microsoft-Windows-VHDMP-Operational"),
		svc("windefend", "Microsoft-Windows-Windows Defender/Operational"),
		svc("wmi", "Microsoft-Windows-WMI-Activity/Operational"),
	}
}

// resolveLogSource finds the targets of a rule's log source in ms. A rule
// naming both a category and a service gets the category's targets
// narrowed to the service's channels.
func resolveLogSource(l LogSource, ms []Mapping) ([]Target, error) {
	if l.Product != "windows" {
		return nil, &UnsupportedError{Reason: fmt.Sprintf("log source product %q is not mapped (wsec reads Windows event logs)", l.Product)}
	}
	find := func(cat, svc string) []Target {
		for _, m := range ms {
			if m.Category == cat && m.Service == svc {
				return m.Targets
			}
		}
		return nil
	}
	var cat, svc []Target
	if l.Category != "" {
		if cat = find(l.Category, ""); cat == nil {
			return nil, &UnsupportedError{Reason: fmt.Sprintf("log source category %q is not mapped to a Windows channel", l.Category)}
		}
	}
	if l.Service != "" {
		if svc = find("", l.Service); svc == nil {
			return nil, &UnsupportedError{Reason: fmt.Sprintf("log source service %q is not mapped to a Windows channel", l.Service)}
		}
	}
	switch {
	case cat != nil && svc != nil:
		var out []Target
		for _, t := range cat {
			for _, s := range svc {
				if t.Channel == s.Channel {
					out = append(out, t)
				}
			}
		}
		if len(out) == 0 {
			return nil, &UnsupportedError{Reason: fmt.Sprintf("log source category %q has no events in service %q", l.Category, l.Service)}
		}
		return out, nil
	case cat != nil:
		return cat, nil
	case svc != nil:
		return svc, nil
	}
	return nil, &UnsupportedError{Reason: "log source names neither a category nor a service"}
}
