package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// mappedRows maps evs as every store does (schema.Mapper): per table, the
// rows as column name → value, the oracle of the KQL tests.
func mappedRows(evs []*event.Event) map[string][]map[string]any {
	cat := schema.New()
	m := schema.NewMapper(cat)
	out := map[string][]map[string]any{}
	var r schema.Row
	for _, e := range evs {
		t := m.Map(e, "OpsManager", &r)
		row := map[string]any{}
		for _, c := range r.Cells {
			col := t.Columns[c.Col]
			switch col.Type {
			case schema.String, schema.GUID, schema.Dynamic:
				row[col.Name] = c.S
			case schema.DateTime:
				row[col.Name] = schema.TicksTime(c.I)
			case schema.Real:
				row[col.Name] = c.F
			default:
				row[col.Name] = c.I
			}
		}
		out[t.Name] = append(out[t.Name], row)
	}
	return out
}

// testKQL checks KQL answers over the sample events against answers
// computed from the mapped rows.
func testKQL(t *testing.T, open Opener, evs []*event.Event) {
	b, w := openWorkspace(t, open, Config{})
	if _, err := w.AppendEvents(context.Background(), "agent-1", 1, evs, "OpsManager"); err != nil {
		t.Fatal(err)
	}
	rows := mappedRows(evs)["SecurityEvent"]
	groupCount := func(key func(map[string]any) string, keep func(map[string]any) bool) []string {
		n := map[string]int{}
		for _, r := range rows {
			if keep == nil || keep(r) {
				n[key(r)]++
			}
		}
		var out []string
		for k, v := range n {
			out = append(out, k+"|"+strconv.Itoa(v))
		}
		return out
	}
	str := func(r map[string]any, c string) string { s, _ := r[c].(string); return s }
	cases := []struct {
		kql  string
		want []string
	}{
		{"SecurityEvent | summarize n = count() by EventID",
			groupCount(func(r map[string]any) string { return fmt.Sprint(r["EventID"]) }, nil)},
		{"SecurityEvent | where EventID == 4624 | summarize n = count() by Account",
			groupCount(func(r map[string]any) string { return str(r, "Account") }, func(r map[string]any) bool { return r["EventID"] == int64(4624) })},
		{"SecurityEvent | where Account has 'admin' or TargetUserName startswith 'adm' | summarize n = count() by Computer",
			groupCount(func(r map[string]any) string { return str(r, "Computer") }, func(r map[string]any) bool {
				return hasTerm(str(r, "Account"), "admin") || strings.HasPrefix(strings.ToLower(str(r, "TargetUserName")), "adm")
			})},
		{"SecurityEvent | where isnotempty(IpAddress) and IpAddress !in ('-', '::1', '127.0.0.1') | summarize n = count() by IpAddress",
			groupCount(func(r map[string]any) string { return str(r, "IpAddress") }, func(r map[string]any) bool {
				ip := str(r, "IpAddress")
				return ip != "" && ip != "-" && ip != "::1" && ip != "127.0.0.1"
			})},
		{"SecurityEvent | summarize n = count() by bin(TimeGenerated, 1h)",
			groupCount(func(r map[string]any) string {
				return r["TimeGenerated"].(time.Time).Truncate(time.Hour).Format(time.RFC3339)
			}, nil)},
		{"SecurityEvent | where EventID == 4688 | extend p = tolower(NewProcessName) | where p endswith '.exe' | summarize n = count() by p",
			groupCount(func(r map[string]any) string { return strings.ToLower(str(r, "NewProcessName")) }, func(r map[string]any) bool {
				return r["EventID"] == int64(4688) && strings.HasSuffix(strings.ToLower(str(r, "NewProcessName")), ".exe")
			})},
	}
	for _, c := range cases {
		got := query(t, b, w, c.kql)
		var flat []string
		for _, r := range got {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = formatCell(v)
			}
			flat = append(flat, strings.Join(cells, "|"))
		}
		sort.Strings(flat)
		sort.Strings(c.want)
		if strings.Join(flat, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s:\n got  %q\n want %q", c.kql, flat, c.want)
		}
	}
}

// hasTerm is KQL's has for an alphanumeric term: term occurs bounded by
// non-alphanumerics, case-insensitively.
func hasTerm(s, term string) bool {
	s, term = strings.ToLower(s), strings.ToLower(term)
	for i := 0; ; {
		j := strings.Index(s[i:], term)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isAlnum(s[j-1])
		after := j+len(term) == len(s) || !isAlnum(s[j+len(term)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}

// formatCell writes a normalised cell for comparison: times in RFC 3339,
// reals to 9 significant digits, JSON compact with the elements of a
// top-level array sorted (make_set's order is unspecified in KQL, so
// stores may differ in it).
func formatCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return strconv.FormatFloat(x, 'g', 9, 64)
	case json.RawMessage:
		var d any
		if json.Unmarshal(x, &d) == nil {
			if arr, ok := d.([]any); ok {
				sort.Slice(arr, func(i, j int) bool { return fmt.Sprint(arr[i]) < fmt.Sprint(arr[j]) })
			}
			b, _ := json.Marshal(d)
			return string(b)
		}
		return string(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	}
	return fmt.Sprint(v)
}

// Queries are the KQL queries whose answers Compare checks are the same on
// two backends: the shapes detection rules and hunting use (filters, term
// and prefix matches, aggregates, bins, joins, unions, top, custom
// columns), over the sample events.
var Queries = []string{
	"SecurityEvent | summarize count() by EventID, Activity",
	"SecurityEvent | where EventID in (4624, 4625) | summarize Logons = count(), Hosts = dcount(Computer) by Account, LogonTypeName",
	"SecurityEvent | where EventID == 4625 | summarize FailedLogons = count(), First = min(TimeGenerated), Last = max(TimeGenerated) by TargetAccount, IpAddress, Computer",
	"SecurityEvent | where EventID == 4688 | where CommandLine has_any ('certutil', 'urlcache', 'psexec') | project TimeGenerated, Computer, Account, NewProcessName, CommandLine",
	"SecurityEvent | where EventID == 4688 | extend Proc = tolower(tostring(split(NewProcessName, '\\\\')[-1])) | summarize count() by Proc",
	"SecurityEvent | summarize n = count() by bin(TimeGenerated, 5m), Computer | where n > 1",
	"SecurityEvent | where EventID == 4624 | summarize arg_max(TimeGenerated, Account, IpAddress) by Computer",
	"SecurityEvent | where EventID in (5140, 5145) | summarize Shares = make_set(ShareName), n = count() by SubjectUserName",
	"SecurityEvent | where EventID == 4769 | summarize Services = dcount(ServiceName) by TargetUserName, IpAddress | where Services > 3",
	"SecurityEvent | where EventID == 4624 | join kind=inner (SecurityEvent | where EventID == 4672 | project Computer, SubjectLogonId) on Computer | summarize count() by Computer",
	"SecurityEvent | where Account startswith 'NT AUTHORITY' or AccountType =~ 'machine' | summarize count() by AccountType",
	"SecurityEvent | top 5 by TimeGenerated desc | project TimeGenerated, EventID, Computer",
	"SecurityEvent | extend Hour = datetime_part('hour', TimeGenerated), Day = startofday(TimeGenerated) | summarize count() by Hour, Day",
	"union SecurityEvent, WindowsEvent | summarize count() by Type, Channel = coalesce(Channel, EventSourceName)",
	"WindowsEvent | summarize count() by Provider, EventID",
	"SecurityEvent | where EventID == 1102 or EventID == 104 | project TimeGenerated, Computer, Activity",
	"SecurityEvent | summarize total = count(), withIp = countif(isnotempty(IpAddress)), avgLen = avg(strlen(CommandLine)) by Computer",
	"SecurityEvent | where TimeGenerated between (datetime(2015-01-01) .. datetime(2030-01-01)) | summarize min(TimeGenerated), max(TimeGenerated)",
	"print a = strcat('x', 'y'), b = 7 / 2, c = 7.0 / 2, d = tostring(datetime(2026-01-02 03:04:05.5)), e = tostring(1d + 2h), f = bin(17, 5), g = 'Ab' =~ 'aB', h = 'a,b' has 'b'",
}

// Compare loads the sample events into a fresh workspace of both backends
// and checks that every query of Queries gives the same rows (as a
// multiset, after store.Normalize), or fails on both; a query one backend
// runs and the other cannot is an error.
func Compare(t *testing.T, a, b Opener) {
	evs := SampleEvents(t)
	ba, wa := openWorkspace(t, a, Config{})
	bb, wb := openWorkspace(t, b, Config{})
	for _, w := range []store.Workspace{wa, wb} {
		if _, err := w.AppendEvents(context.Background(), "agent-1", 1, evs, "OpsManager"); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range Queries {
		ra, errA := Query(ba, wa, q)
		rb, errB := Query(bb, wb, q)
		if errA != nil || errB != nil {
			t.Errorf("%s:\n first:  %v\n second: %v", q, errA, errB)
			continue
		}
		fa, fb := flatten(ra), flatten(rb)
		if strings.Join(fa, "\n") != strings.Join(fb, "\n") {
			t.Errorf("%s:\n first  (%d rows): %q\n second (%d rows): %q", q, len(fa), head(fa), len(fb), head(fb))
		}
	}
}

func flatten(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = formatCell(v)
		}
		out[i] = strings.Join(cells, "|")
	}
	sort.Strings(out)
	return out
}

func head(s []string) []string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// SentinelQueries are the ten analytic-rule and hunting shapes of
// kql/sql's Sentinel benchmark (sentinel_bench_test.go), for benchmarks
// that compare stores.
var SentinelQueries = []struct{ Name, KQL string }{
	{"failed_logons_by_account", `SecurityEvent | where TimeGenerated > ago(1d) | where EventID == 4625 | summarize FailedLogons = count() by Account, Computer | where FailedLogons > 5`},
	{"logons_by_type", `SecurityEvent | where EventID in (4624, 4625) | where AccountType == 'User' | summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), Amount = count() by LogonTypeName`},
	{"process_has_terms", `SecurityEvent | where EventID == 4688 | where CommandLine has "whoami" or CommandLine has "mimikatz" | project TimeGenerated, Computer, Account, CommandLine`},
	{"encoded_powershell", `SecurityEvent | where EventID == 4688 | where Process =~ "powershell.exe" and CommandLine contains "-enc" | summarize count() by Computer`},
	{"events_per_hour", `SecurityEvent | where TimeGenerated > ago(7d) | summarize count() by bin(TimeGenerated, 1h), EventID`},
	{"accounts_on_many_hosts", `SecurityEvent | where EventID == 4624 | summarize Hosts = dcount(Computer) by Account | where Hosts > 3`},
	{"failure_then_success_join", `SecurityEvent | where EventID == 4625 | summarize Failures = count() by Account, IpAddress | where Failures > 10
| join kind=inner (SecurityEvent | where EventID == 4624 | summarize Successes = count() by Account, IpAddress) on Account, IpAddress`},
	{"top_processes", `SecurityEvent | where EventID == 4688 | summarize c = count() by Process | top 10 by c`},
	{"outcome_windows", `SecurityEvent | where EventID in (4624, 4625) | where IpAddress != "-" and isnotempty(Account) | extend Outcome = iff(EventID == 4624, "Success", "Failure") | summarize OutcomeCount = count() by bin(TimeGenerated, 10m), Account, IpAddress, Computer, Outcome`},
	{"last_logon_per_account", `SecurityEvent | where EventID == 4624 and LogonType == 10 | summarize arg_max(TimeGenerated, IpAddress, Computer) by Account`},
}
