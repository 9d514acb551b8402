package schema

import "strings"

// The rules in this file reproduce columns Sentinel computes from the
// payload. Each states where it was learnt; doc.go lists what is known to
// differ.

// parseWinInt parses an integer as Windows renders it in EventData: decimal
// ("3", "-1") or hexadecimal with 0x ("0x3e7", "0XC000006D"). Unlike
// strconv.ParseInt with base 0 it never reads a leading 0 as octal, and it
// does not allocate on failure ("-" and "%%1833" are common and are not
// numbers). Values that do not fit in int64 fail.
func parseWinInt(s string) (int64, bool) {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		h := s[2:]
		if len(h) > 16 {
			return 0, false
		}
		var v uint64
		for i := 0; i < len(h); i++ {
			c := h[i]
			var d byte
			switch {
			case c >= '0' && c <= '9':
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				d = c - 'A' + 10
			default:
				return 0, false
			}
			v = v<<4 | uint64(d)
		}
		return int64(v), true
	}
	neg := false
	d := s
	if len(d) > 0 && (d[0] == '-' || d[0] == '+') {
		neg = d[0] == '-'
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 19 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// logonTypeName is Sentinel's LogonTypeName for a LogonType value, or "" for
// values outside the table. Oracle: "3 - Network"; the other names are the
// LogonType names of Microsoft's 4624 documentation in the same form. Types
// 0, 12 and 13 exist but are absent from the reference list (spec
// securityevent.md), so their name is left null rather than invented.
func logonTypeName(t int64) string {
	switch t {
	case 2:
		return "2 - Interactive"
	case 3:
		return "3 - Network"
	case 4:
		return "4 - Batch"
	case 5:
		return "5 - Service"
	case 7:
		return "7 - Unlock"
	case 8:
		return "8 - NetworkCleartext"
	case 9:
		return "9 - NewCredentials"
	case 10:
		return "10 - RemoteInteractive"
	case 11:
		return "11 - CachedInteractive"
	}
	return ""
}

// Values of the AccountType column.
const (
	accountMachine = "Machine"
	accountUser    = "User"
)

// accountType is Sentinel's AccountType for the account named name with SID
// sid (either may be ""). Oracle: "WORKSTATION5$" is Machine, "wardog" is
// User, and NT AUTHORITY\LOCAL SERVICE (S-1-5-19) is Machine although its
// name has no "$". The other two service principals of the same kind,
// SYSTEM (S-1-5-18) and NETWORK SERVICE (S-1-5-20), are taken as Machine too;
// every other name is User (ANONYMOUS LOGON, S-1-5-7, included: not seen in
// the oracle).
func accountType(name, sid string) string {
	if strings.HasSuffix(name, "$") {
		return accountMachine
	}
	switch sid {
	case "S-1-5-18", "S-1-5-19", "S-1-5-20":
		return accountMachine
	}
	return accountUser
}

// targetAccountFirst reports whether Account is the target account for the
// event ID even when the event also names a subject. Oracle and Sentinel
// maintainers (Azure-Sentinel issue #587): 4624 and 4625 take the account
// that logged on. Other events with both take the subject, the account that
// acted (oracle: 4688; issue #1776: 4722/4725 Account is the admin, not the
// enabled account). Events with only target fields (4634, 4647, 4768, 4769,
// 4771, 4776, 4800-4803) fall back to the target.
func targetAccountFirst(id uint16) bool {
	return id == 4624 || id == 4625
}

// processFileName is Sentinel's Process column: the file name after the last
// backslash of NewProcessName (4688) or ProcessName. Oracle: "-" stays "-",
// "C:\Windows\System32\svchost.exe" gives "svchost.exe".
func processFileName(path string) string {
	if i := strings.LastIndexByte(path, '\\'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// Keyword bits that make an event an audit success or failure.
const (
	keywordAuditFailure = 0x10000000000000
	keywordAuditSuccess = 0x20000000000000
)

// securityLevel is Sentinel's SecurityEvent Level: the classic (pre-Vista)
// event type of the record, as its Windows agent reads it. Evidence: "8" on
// every audit success of the GoldenSAML oracle, AD FS events included, and
// "16" on Microsoft's published 4625 row; the same agent's legacy Event rows
// carry EventLevel 8 "Audit Success" for a classic audit and 4 "Information"
// for a Sysmon event. Events without an audit keyword take the type Windows
// gives them when read through the classic API: 1 (error) for levels 1-2,
// 2 (warning) for level 3, 4 (information) for the rest.
func securityLevel(keywords uint64, level uint8) string {
	switch {
	case keywords&keywordAuditFailure != 0:
		return "16"
	case keywords&keywordAuditSuccess != 0:
		return "8"
	case level == 1 || level == 2:
		return "1"
	case level == 3:
		return "2"
	}
	return "4"
}
