package sentinelref

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"wsec/internal/event"
	"wsec/internal/schema"
)

// Event is one event of the loaded corpus: the table it went to, its raw
// fields and its TimeGenerated as loaded (At, set by the loader after any
// replay shift).
type Event struct {
	Table    string
	id       uint16
	provider string
	computer string
	At       time.Time
	data     map[string]string
}

func NewEvent(table string, e *event.Event) Event {
	s := Event{Table: table, id: e.System.EventID, provider: strings.Clone(e.System.Provider),
		computer: strings.Clone(e.System.Computer), data: make(map[string]string, len(e.Data))}
	for _, f := range e.Data {
		if _, dup := s.data[f.Name]; !dup {
			s.data[strings.Clone(f.Name)] = strings.Clone(f.Value)
		}
	}
	return s
}

func (s Event) v(name string) string { return s.data[name] }

// isUser is AccountType == "User": not a name ending in "$", and not one
// of the service principals SYSTEM, LOCAL SERVICE, NETWORK SERVICE.
func isUser(name, sid string) bool {
	switch sid {
	case "S-1-5-18", "S-1-5-19", "S-1-5-20":
		return false
	}
	return !strings.HasSuffix(name, "$")
}

// subjectIsUser: AccountType of an event whose Account is the subject
// (every event but 4624 and 4625 when it names a subject).
func (s Event) subjectIsUser() bool { return isUser(s.v("SubjectUserName"), s.v("SubjectUserSid")) }

// targetIsUser: AccountType of a logon event (4624, 4625: the account that
// logged on).
func (s Event) targetIsUser() bool { return isUser(s.v("TargetUserName"), s.v("TargetUserSid")) }

// logonTypeNamed: the LogonType values that have a LogonTypeName; every
// other value (and none) has the empty name.
var logonTypeNamed = map[string]bool{"2": true, "3": true, "4": true, "5": true, "7": true, "8": true, "9": true, "10": true, "11": true}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

type keySet map[string]struct{}

func (d keySet) add(parts ...any) { d[fmt.Sprint(parts...)] = struct{}{} }

// Rows maps each rule that returns rows on the corpus (path under
// sentinel-rules) to its row count over the events all with the rules'
// clock at now.
func Rows(all []Event, now time.Time) map[string]int {
	evs := inTable(all, schema.SecurityEventTable)
	logCleared := func(since time.Time, byTime bool) int {
		d := keySet{}
		for _, e := range evs {
			if e.id == 1102 && e.provider == "Microsoft-Windows-Eventlog" && !e.At.Before(since) {
				at := time.Time{}
				if byTime {
					at = e.At
				}
				d.add(at, "|", e.computer, "|", e.v("SubjectDomainName"), `\`, e.v("SubjectUserName"))
			}
		}
		return len(d)
	}
	pefile := 0
	for _, e := range evs {
		if e.id == 4688 && containsFold(e.v("CommandLine"), "TVqQAAMAAAAEAAA") {
			pefile++
		}
	}
	reasons, logonTypes := keySet{}, keySet{}
	for _, e := range evs {
		if e.id == 4625 && e.targetIsUser() {
			reasons.add(e.v("SubStatus")) // each SubStatus gives its own Reason
		}
		if (e.id == 4624 || e.id == 4625) && e.targetIsUser() {
			lt := e.v("LogonType")
			if !logonTypeNamed[lt] {
				lt = ""
			}
			logonTypes.add(lt)
		}
	}
	// An account created and deleted within 10 minutes on one computer.
	createdDeleted := func(createdAfter, deletedAfter time.Time, key func(Event) string) int {
		n := 0
		for _, c := range evs {
			if c.id != 4720 || !c.subjectIsUser() || !c.At.After(createdAfter) {
				continue
			}
			for _, d := range evs {
				if d.id != 4726 || !d.subjectIsUser() || !d.At.After(deletedAfter) ||
					d.computer != c.computer || key(d) != key(c) {
					continue
				}
				if delta := d.At.Sub(c.At); delta >= 0 && delta < 10*time.Minute {
					n++
				}
			}
		}
		return n
	}
	byUserName := func(e Event) string { return e.v("TargetUserName") }
	byTargetAccount := func(e Event) string {
		return strings.ToLower(e.v("TargetDomainName") + `\` + e.v("TargetUserName"))
	}
	wellKnownGroup := regexp.MustCompile(`S-1-5-32-5[0-9][0-9]$|S-1-5-21-[0-9]*-[0-9]*-[0-9]*-5[0-9][0-9]$|S-1-5-21-[0-9]*-[0-9]*-[0-9]*-1102$|S-1-5-21-[0-9]*-[0-9]*-[0-9]*-1103$|S-1-5-21-[0-9]*-[0-9]*-[0-9]*-498$|S-1-5-21-[0-9]*-[0-9]*-[0-9]*-1000$`)
	privAdds := 0
	for _, e := range evs {
		if (e.id == 4728 || e.id == 4732 || e.id == 4756) && e.subjectIsUser() && e.v("MemberName") != "-" &&
			!e.At.Before(now.Add(-24*time.Hour)) && wellKnownGroup.MatchString(e.v("TargetSid")) && e.v("TargetSid") != "S-1-5-32-555" {
			privAdds++
		}
	}
	day := 24 * time.Hour
	return map[string]int{
		"Detections/SecurityEvent/SecurityEventLogCleared.yaml":                                 logCleared(now.Add(-day), true),
		"Solutions/Windows Security Events/Analytic Rules/NRT_SecurityEventLogCleared.yaml":     logCleared(time.Time{}, false),
		"Solutions/Windows Security Events/Analytic Rules/NRT_base64_encoded_pefile.yaml":       pefile,
		"Solutions/Windows Security Events/Hunting Queries/FailedUserLogons.yaml":               len(reasons),
		"Solutions/Windows Security Events/Hunting Queries/User Logons By Logon Type.yaml":      len(logonTypes),
		"Solutions/Windows Security Events/Hunting Queries/UserAccountCreatedDeleted.yaml":      createdDeleted(time.Time{}, time.Time{}, byUserName),
		"Detections/SecurityEvent/UserAccountCreatedDeleted_10m.yaml":                           createdDeleted(now.Add(-2*day), now.Add(-day), byTargetAccount),
		"Detections/SecurityEvent/UserAccountAddedToPrivlegeGroup_1h.yaml":                      privAdds,
		"Solutions/Windows Security Events/Analytic Rules/NonDCActiveDirectoryReplication.yaml": nonDCReplication(evs),
		"Solutions/Windows Security Events/Analytic Rules/password_not_set.yaml":                passwordNotSet(evs, now),
		"Solutions/Windows Security Events/Analytic Rules/MultipleFailedFollowedBySuccess.yaml": failedThenSuccess(evs, now),
		"Solutions/Windows Security Events/Hunting Queries/enumeration_user_and_group.yaml":     netEnumeration(evs),
	}
}

func inTable(evs []Event, table string) []Event {
	var out []Event
	for _, e := range evs {
		if e.Table == table {
			out = append(out, e)
		}
	}
	return out
}

// nonDCReplication: 4662 on the DS object server by a user account whose
// Properties name one of the three replication rights, each joined (left
// outer) with the network logons (4624, type 3) by users whose TargetLogonId
// is the 4662's SubjectLogonId: one row per match, one for none.
func nonDCReplication(evs []Event) int {
	rights := []string{"1131f6aa-9c07-11d1-f79f-00c04fc2dcd2", "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2", "89e95b76-444d-4c62-991a-0facbeda640c"}
	logons := map[string]int{}
	for _, e := range evs {
		if e.id == 4624 && e.v("LogonType") == "3" && e.targetIsUser() {
			logons[e.v("TargetLogonId")]++
		}
	}
	n := 0
	for _, e := range evs {
		if e.id != 4662 || e.v("ObjectServer") != "DS" || !e.subjectIsUser() {
			continue
		}
		if !slices.ContainsFunc(rights, func(r string) bool { return containsFold(e.v("Properties"), r) }) {
			continue
		}
		n += max(1, logons[e.v("SubjectLogonId")])
	}
	return n
}

// passwordNotSet: each account enabled (4722) in the last 3 days, joined
// (left outer) with the password-set attempts (4723) on the same account and
// SID; a row when there is no attempt, or per attempt made more than 2880
// whole minutes later (datetime_diff counts minute boundaries).
func passwordNotSet(evs []Event, now time.Time) int {
	type key struct{ account, sid string }
	keyOf := func(e Event) key {
		return key{e.v("TargetDomainName") + `\` + e.v("TargetUserName"), e.v("TargetSid")}
	}
	recent := func(e Event) bool {
		return !e.At.Before(now.Add(-3*24*time.Hour)) && !strings.HasSuffix(e.v("TargetUserName"), "$")
	}
	attempts := map[key][]time.Time{}
	for _, e := range evs {
		if e.id == 4723 && recent(e) {
			attempts[keyOf(e)] = append(attempts[keyOf(e)], e.At)
		}
	}
	n := 0
	for _, e := range evs {
		if e.id != 4722 || !recent(e) {
			continue
		}
		set := attempts[keyOf(e)]
		if len(set) == 0 {
			n++
			continue
		}
		for _, at := range set {
			if at.Truncate(time.Minute).Sub(e.At.Truncate(time.Minute)) > 2880*time.Minute {
				n++
			}
		}
	}
	return n
}

// netEnumeration: net.exe run by a named subject, with " user " or
// " group " and ending in " /do" or " /domain", no backslash and no /add,
// with a Target the rule's own pattern extracts; one row per subject,
// target, command line and computer.
func netEnumeration(evs []Event) int {
	target := regexp.MustCompile(`(?i)[user|group] ("*[a-zA-Z0-9-_ ]+"*)`)
	d := keySet{}
	for _, e := range evs {
		cmd := e.v("CommandLine")
		if e.id != 4688 || e.v("SubjectUserName") == "" {
			continue
		}
		if p := e.v("NewProcessName"); p[strings.LastIndexByte(p, '\\')+1:] != "net.exe" {
			continue
		}
		lc := strings.ToLower(cmd)
		if strings.Contains(lc, `\`) || strings.Contains(lc, "/add") ||
			!(strings.Contains(lc, " user ") || strings.Contains(lc, " group ")) ||
			!(strings.HasSuffix(lc, " /do") || strings.HasSuffix(lc, " /domain")) {
			continue
		}
		m := target.FindStringSubmatch(cmd)
		if m == nil || m[1] == "" {
			continue
		}
		d.add(e.v("SubjectUserName"), "|", m[1], "|", cmd, "|", e.computer)
	}
	return len(d)
}

// failedThenSuccess: logons (4624) and failures (4625) with an address in
// the last 2 hours, counted per 10-minute bin, account, address, computer
// and outcome; the bins of each account in time order cut into sessions
// (a new one at a new account, after a success, more than 1 hour after the
// previous bin or 2 hours after the session's first); a session of at
// least 5 failures whose only success is its last bin gives one row per
// address or computer it holds (the rule expands both lists side by side).
// Make_list and make_set keep 128 items. It returns -1 when an account has
// a success and a failure in the same bin: the rule's sort leaves their
// order, and so its answer, undefined.
func failedThenSuccess(evs []Event, now time.Time) int {
	type bin struct {
		at                             time.Time
		account, ip, computer, outcome string
	}
	counts := map[bin]int{}
	for _, e := range evs {
		if (e.id != 4624 && e.id != 4625) || !e.At.After(now.Add(-2*time.Hour)) || e.v("IpAddress") == "-" {
			continue
		}
		outcome := "Failure"
		if e.id == 4624 {
			outcome = "Success"
		}
		counts[bin{e.At.Truncate(10 * time.Minute), e.v("TargetDomainName") + `\` + e.v("TargetUserName"), e.v("IpAddress"), e.computer, outcome}]++
	}
	bins := make([]bin, 0, len(counts))
	for b := range counts {
		bins = append(bins, b)
	}
	slices.SortFunc(bins, func(a, b bin) int {
		if c := strings.Compare(a.account, b.account); c != 0 {
			return c
		}
		return a.at.Compare(b.at)
	})
	for i := 1; i < len(bins); i++ {
		if a, b := bins[i-1], bins[i]; a.account == b.account && a.at.Equal(b.at) && a.outcome != b.outcome {
			return -1
		}
	}
	type session struct {
		failures   int
		outcomes   []string
		ips, hosts map[string]bool
	}
	var sessions []*session
	var cur *session
	var start time.Time
	for i, b := range bins {
		if i == 0 || b.account != bins[i-1].account || bins[i-1].outcome == "Success" ||
			b.at.Sub(start) > 2*time.Hour || b.at.Sub(bins[i-1].at) > time.Hour {
			cur = &session{ips: map[string]bool{}, hosts: map[string]bool{}}
			sessions = append(sessions, cur)
			start = b.at
		}
		if b.outcome == "Failure" {
			cur.failures += counts[b]
		}
		if len(cur.outcomes) < 128 {
			cur.outcomes = append(cur.outcomes, b.outcome)
		}
		if len(cur.ips) < 128 {
			cur.ips[b.ip] = true
		}
		if len(cur.hosts) < 128 {
			cur.hosts[b.computer] = true
		}
	}
	n := 0
	for _, s := range sessions {
		first := slices.Index(s.outcomes, "Success")
		if first != 0 && first == len(s.outcomes)-1 && s.failures >= 5 {
			n += max(len(s.ips), len(s.hosts))
		}
	}
	return n
}
