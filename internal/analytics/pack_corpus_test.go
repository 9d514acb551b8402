package analytics

import (
	"context"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"wsec/internal/analytics/pack"
	"wsec/internal/analytics/rule"
	"wsec/internal/corpustest"
	"wsec/internal/event"
)

// reference computes, from raw events and without KQL, the alerts a pack
// rule must raise when backfilled over hourly windows: one per distinct
// key of a matching event per hour (the rules summarize per window by
// these keys and raise one alert per result row).
type reference struct {
	file string // pack rule file
	// ids are the event IDs the rule reads: every hour with one of them
	// is backfilled, so an alert the raw events do not call for fails too.
	ids []uint16
	// key returns the alert key of an event, or "" when it does not match.
	// Rules with a threshold or a join use alerts instead.
	key func(e *event.Event) string
	// alerts, when set, computes the keys of one hour's events.
	alerts func(hour []*event.Event) []string
	// positives are corpus files (relative to hayabusa-sample-evtx) that
	// must raise at least one alert.
	positives []string
}

func acct(e *event.Event, prefix string) string {
	return e.Value(prefix+"DomainName") + `\` + e.Value(prefix+"UserName")
}

func ip(e *event.Event) string { return strings.TrimPrefix(e.Value("IpAddress"), "::ffff:") }

var replicationRights = []string{"1131f6aa-9c07-11d1-f79f-00c04fc2dcd2", "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2", "89e95b76-444d-4c62-991a-0facbeda640c"}

func references() []reference {
	id := func(e *event.Event, ids ...uint16) bool {
		return strings.EqualFold(e.System.Channel, "Security") && slices.Contains(ids, e.System.EventID)
	}
	return []reference{
		{file: "log-cleared.yaml", ids: []uint16{1102}, positives: []string{"EVTX-to-MITRE-Attack/TA0005-Defense Evasion/T1070.001-Clear Windows event logs/ID104-1102-Event log cleared.evtx"},
			key: func(e *event.Event) string {
				if !id(e, 1102) {
					return ""
				}
				return e.System.Computer + "|" + acct(e, "Subject")
			}},
		{file: "password-guessing.yaml", ids: []uint16{4625}, positives: []string{"DeepBlueCLI/smb-password-guessing-security.evtx"},
			alerts: func(hour []*event.Event) []string {
				n := map[string]int{}
				for _, e := range hour {
					if id(e, 4625) {
						n[e.System.Computer+"|"+acct(e, "Target")]++
					}
				}
				return keysWhere(n, func(v int) bool { return v >= 20 })
			}},
		{file: "password-spray.yaml", ids: []uint16{4625, 4648, 4771}, positives: []string{"DeepBlueCLI/password-spray.evtx"},
			alerts: func(hour []*event.Event) []string {
				users := map[string]map[string]bool{}
				for _, e := range hour {
					src := ip(e)
					if !id(e, 4625, 4648, 4771) || src == "" || src == "-" || src == "::1" || src == "127.0.0.1" {
						continue
					}
					k := src + "|" + e.System.Computer
					if users[k] == nil {
						users[k] = map[string]bool{}
					}
					users[k][e.Value("TargetUserName")] = true
				}
				var out []string
				for k, u := range users {
					if len(u) >= 10 {
						out = append(out, k)
					}
				}
				return out
			}},
		{file: "kerberoasting.yaml", ids: []uint16{4769}, positives: []string{
			"EVTX-to-MITRE-Attack/TA0006-Credential Access/T1558-Steal or Forge Kerberos Tickets/ID4769-Kerberoast ticket with low encryption.evtx",
			"YamatoSecurity/CredentialAccess/T1558.003_StealOrForgeKerberosTicketsKerberoasting_Security.evtx"},
			key: func(e *event.Event) string {
				svc := e.Value("ServiceName")
				if !id(e, 4769) || !slices.Contains([]string{"0x17", "0x18"}, e.Value("TicketEncryptionType")) || e.Value("Status") != "0x0" ||
					strings.HasSuffix(svc, "$") || strings.EqualFold(svc, "krbtgt") || strings.Contains(e.Value("TargetUserName"), "$@") {
					return ""
				}
				return e.Value("TargetUserName") + "|" + ip(e) + "|" + e.System.Computer
			}},
		{file: "asrep-roasting.yaml", ids: []uint16{4768}, positives: []string{
			"EVTX-to-MITRE-Attack/TA0006-Credential Access/T1558-Steal or Forge Kerberos Tickets/ID4768-Kerberos AS-REP Roasting.evtx",
			"YamatoSecurity/CredentialAccess/T1558.004_StealOrForgeKerberosTicketsAS-REP-Roasting_Security.evtx"},
			key: func(e *event.Event) string {
				if !id(e, 4768) || e.Value("Status") != "0x0" || e.Value("PreAuthType") != "0" {
					return ""
				}
				return e.Value("TargetUserName") + "|" + ip(e) + "|" + e.System.Computer
			}},
		{file: "dcsync.yaml", ids: []uint16{4662}, positives: []string{"EVTX-to-MITRE-Attack/TA0006-Credential Access/T1003-Credential dumping/ID4662-DCsync attack using Mimikatz.evtx"},
			key: func(e *event.Event) string {
				props := strings.ToLower(e.Value("Properties"))
				if !id(e, 4662) || e.Value("AccessMask") != "0x100" || strings.HasSuffix(e.Value("SubjectUserName"), "$") ||
					!slices.ContainsFunc(replicationRights, func(g string) bool { return strings.Contains(props, g) }) {
					return ""
				}
				return acct(e, "Subject") + "|" + e.System.Computer
			}},
		{file: "privileged-group-add.yaml", ids: []uint16{4728, 4732, 4756}, positives: []string{"DeepBlueCLI/new-user-security.evtx"},
			key: func(e *event.Event) string {
				sid := e.Value("TargetSid")
				if !id(e, 4728, 4732, 4756) || !(slices.Contains([]string{"S-1-5-32-544", "S-1-5-32-548", "S-1-5-32-549", "S-1-5-32-551"}, sid) ||
					strings.HasSuffix(sid, "-512") || strings.HasSuffix(sid, "-518") || strings.HasSuffix(sid, "-519")) {
					return ""
				}
				return acct(e, "Subject") + "|" + e.Value("MemberSid") + "|" + e.Value("TargetUserName") + "|" + e.System.Computer
			}},
		{file: "new-service-or-task.yaml", ids: []uint16{4697, 4698},
			key: func(e *event.Event) string {
				switch {
				case id(e, 4697):
					return "service|" + e.Value("ServiceName") + "|" + acct(e, "Subject") + "|" + e.System.Computer
				case id(e, 4698):
					return "task|" + e.Value("TaskName") + "|" + acct(e, "Subject") + "|" + e.System.Computer
				}
				return ""
			}},
		{file: "audit-policy-change.yaml", ids: []uint16{4719},
			key: func(e *event.Event) string {
				if !id(e, 4719) || strings.HasSuffix(e.Value("SubjectUserName"), "$") || e.Value("SubjectUserSid") == "S-1-5-18" {
					return ""
				}
				return acct(e, "Subject") + "|" + e.System.Computer
			}},
		{file: "account-created-deleted.yaml", ids: []uint16{4720, 4726},
			alerts: func(hour []*event.Event) []string {
				created, deleted := map[string]time.Time{}, map[string]time.Time{}
				for _, e := range hour {
					t, sid := e.System.TimeCreated, e.Value("TargetSid")
					if id(e, 4720) && (created[sid].IsZero() || t.Before(created[sid])) {
						created[sid] = t
					}
					if id(e, 4726) && t.After(deleted[sid]) {
						deleted[sid] = t
					}
				}
				var out []string
				for sid, c := range created {
					if d, ok := deleted[sid]; ok && !d.Before(c) {
						out = append(out, sid)
					}
				}
				return out
			}},
	}
}

func keysWhere(m map[string]int, ok func(int) bool) []string {
	var out []string
	for k, v := range m {
		if ok(v) {
			out = append(out, k)
		}
	}
	return out
}

// TestPackOnCorpus imports every EVTX file of the hayabusa samples (real
// attacks, 2013-2021), backfills each rule of the default pack over every
// hour that has events of the IDs it reads (so an alert where the raw
// events say none fails too), and checks each rule's alerts against the count
// computed from the raw events above; the known positives (1102 log clear,
// DeepBlueCLI password guessing and spray, Kerberoasting and AS-REP
// roasting samples, DCSync 4662) must each raise alerts.
func TestPackOnCorpus(t *testing.T) {
	root := corpustest.Dir(t, "evtx", "hayabusa-sample-evtx")
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			paths = append(paths, p)
		}
		return nil
	})
	env := newEnv(t, t.TempDir(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	raw := env.importFiles(t, paths...)
	// The store keeps one copy of an event found in several files.
	seen := map[event.Key]bool{}
	byHour := map[time.Time][]*event.Event{}
	for _, e := range raw {
		if seen[e.Key()] {
			continue
		}
		seen[e.Key()] = true
		h := e.System.TimeCreated.UTC().Truncate(time.Hour)
		byHour[h] = append(byHour[h], e)
	}
	hours := make([]time.Time, 0, len(byHour))
	for h := range byHour {
		hours = append(hours, h)
	}
	slices.SortFunc(hours, func(a, b time.Time) int { return a.Compare(b) })
	files, _, err := pack.Files()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng := env.engine(t, nil)
	checked := 0
	for _, ref := range references() {
		t.Run(ref.file, func(t *testing.T) {
			ent, err := eng.Import(ctx, testWS, files["rules/"+ref.file], true)
			if err != nil {
				t.Fatal(err)
			}
			r := ent.Rule
			want, hoursRun := 0, 0
			for _, h := range hours {
				keys := map[string]bool{}
				if ref.alerts != nil {
					for _, k := range ref.alerts(byHour[h]) {
						keys[k] = true
					}
				} else {
					for _, e := range byHour[h] {
						if k := ref.key(e); k != "" {
							keys[k] = true
						}
					}
				}
				if !slices.ContainsFunc(byHour[h], func(e *event.Event) bool { return slices.Contains(ref.ids, e.System.EventID) }) {
					continue
				}
				hoursRun++
				want += len(keys)
				if _, err := eng.Backfill(ctx, testWS, r.ID, h, h.Add(time.Hour), nil); err != nil {
					t.Fatal(err)
				}
			}
			got := env.count(t, `SecurityAlert | where AlertType == "`+testWS+"_"+r.ID+`"`)
			if got != int64(want) {
				t.Errorf("%d alerts, raw events say %d", got, want)
			}
			for _, p := range ref.positives {
				if n := positives(t, env, r, filepath.Join(root, p)); n == 0 {
					t.Errorf("known positive %s raised no alert", p)
				}
			}
			checked++
			t.Logf("%d alerts over %d hours backfilled", got, hoursRun)
		})
	}
	if checked < 8 {
		t.Errorf("only %d rules checked against raw counts", checked)
	}
}

// positives counts the alerts of rule r whose window holds an event of
// the file.
func positives(t *testing.T, env *env, r *rule.Rule, path string) int64 {
	t.Helper()
	evs := readFile(t, path)
	n := int64(0)
	for _, e := range evs {
		end := e.System.TimeCreated.UTC().Truncate(time.Hour).Add(time.Hour)
		n += env.count(t, `SecurityAlert | where AlertType == "`+testWS+"_"+r.ID+`" and TimeGenerated == datetime(`+end.Format(time.RFC3339)+`)`)
		if n > 0 {
			break
		}
	}
	return n
}
