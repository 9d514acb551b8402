package dcrpreview

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/filter"
	"wsec/internal/logfile"
	"wsec/internal/schema"
	"wsec/internal/source/synthetic"
	"wsec/internal/store/duckdb"
	"wsec/internal/workspace"
)

const ws = "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a"

// corpusFiles are Security logs of real attacks (hayabusa-sample-evtx).
var corpusFiles = []string{
	"metasploit-psexec-native-target-security.evtx", "mimikatz-privesc-hashdump.evtx", "new-user-security.evtx",
	"password-spray.evtx", "psattack-security.evtx", "smb-password-guessing-security.evtx", "eventlog-dac.evtx",
}

// stored is a workspace holding events, and the events as they were sent.
type stored struct {
	svc    *workspace.Service
	events []*event.Event // unique by identity, as the store keeps them
}

func openStore(t *testing.T, evs []*event.Event) *stored {
	t.Helper()
	st, err := duckdb.Open(filepath.Join(t.TempDir(), "store"), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w, err := st.Workspace(ws)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[event.Key]bool{}
	s := &stored{svc: workspace.New(func(string) (workspace.Store, error) { return st.Workspace(ws) }, workspace.Options{})}
	for i := 0; i < len(evs); i += 2000 {
		if _, err := w.AppendEvents(context.Background(), "test", uint64(i/2000+1), evs[i:min(i+2000, len(evs))], "test"); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range evs {
		if schema.IsSecurityChannel(e.System.Channel) && !seen[e.Key()] {
			seen[e.Key()] = true
			s.events = append(s.events, e)
		}
	}
	return s
}

// events are synthetic events of two hosts and, when the corpus is there,
// real Security logs.
func events(t *testing.T) []*event.Event {
	var evs []*event.Event
	for i, host := range []string{"WS-PREVIEW01.contoso.local", "WS-PREVIEW02.contoso.local"} {
		g := synthetic.New(synthetic.Options{Computer: host, Seed: uint64(i + 1), Step: time.Second})
		for n := range uint64(1500) {
			e := new(event.Event)
			g.Event(n, e)
			evs = append(evs, e)
		}
	}
	dir := "/work/shared/corpus/evtx/hayabusa-sample-evtx/DeepBlueCLI"
	if _, err := os.Stat(dir); err != nil {
		t.Logf("corpus %s absent (%v): synthetic events only", dir, err)
		return evs
	}
	for _, f := range corpusFiles {
		_, err := logfile.Read(context.Background(), filepath.Join(dir, f), logfile.Options{Workers: 1},
			func(b []*event.Event) []*event.Event { return b },
			func(b []*event.Event) error { evs = append(evs, b...); return nil })
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
	}
	return evs
}

// TestPreviewAgreesWithFilter: over synthetic and real Security events,
// the preview keeps exactly the events the agent's filter keeps of the
// events as they were sent — the rows rebuilt from SecurityEvent evaluate
// as the originals did, for rules on the event set, System fields,
// EventData values, keywords, providers, AppLocker channels and QueryList
// suppressions.
func TestPreviewAgreesWithFilter(t *testing.T) {
	s := openStore(t, events(t))
	rules := []Request{
		{EventSet: "Common"},
		{EventSet: "Minimal"},
		{EventSet: "All"},
		{EventSet: "None", XPathQueries: []string{"Security!*[System[(EventID=4624 or EventID=4625)]]"}},
		{EventSet: "None", XPathQueries: []string{"Security!*[System[(EventID=4624)]] and *[EventData[Data[@Name='LogonType']='3']]"}},
		{EventSet: "None", XPathQueries: []string{"Security!*[System[band(Keywords,4503599627370496)]]"}},
		{EventSet: "None", XPathQueries: []string{"Security!*[System[Provider[@Name='Microsoft-Windows-Security-Auditing']]] and *[EventData[Data[@Name='TargetUserName']='Administrator']]"}},
		{EventSet: "None", XPathQueries: []string{"Microsoft-Windows-AppLocker/EXE and DLL!*[System[(EventID=8002 or EventID=8004)]]"}},
		{EventSet: "None", XPathQueries: []string{"Security!*[System[Execution[@ProcessID!=4]]]", "Security!*[System[EventRecordID > 100 and Task=12544]]"}},
		{EventSet: "None", XPathQueries: []string{"Security!*[System[Version>=1 and Opcode=0]]"}},
		{EventSet: "None", XPathQueries: []string{`<QueryList><Query Id="0"><Select Path="Security">*[System[(EventID &gt;= 4600 and EventID &lt;= 4799)]]</Select><Suppress Path="Security">*[EventData[Data[@Name='SubjectUserSid']='S-1-5-18']]</Suppress></Query></QueryList>`}},
	}
	for _, r := range rules {
		compiled, err := filter.Compile(filter.Policy{Set: must(filter.ParseRuleSet(r.EventSet)), Queries: r.XPathQueries}, filter.Options{})
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		want := 0
		for _, e := range s.events {
			if compiled.Keep(e) {
				want++
			}
		}
		r.Last = MaxLast
		a, err := Preview(context.Background(), s.svc, ws, r)
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if a.Evaluated != len(s.events) || a.Kept != want || a.Unreadable != 0 {
			t.Errorf("%s %q: kept %d of %d (%d unreadable), the filter keeps %d of %d", r.EventSet, r.XPathQueries, a.Kept, a.Evaluated, a.Unreadable, want, len(s.events))
		}
		sum := 0
		for _, c := range a.Events {
			sum += c.Kept
		}
		if len(a.Events) < MaxTopEvents && sum != a.Kept {
			t.Errorf("%s %q: the counts by event keep %d, the total %d", r.EventSet, r.XPathQueries, sum, a.Kept)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestPreviewLevelApproximate: SecurityEvent keeps Level only as an
// audit code, so a rule reading Level is previewed with a warning saying
// so; the count stays close to the filter's.
func TestPreviewLevelApproximate(t *testing.T) {
	s := openStore(t, events(t))
	r := Request{EventSet: "None", XPathQueries: []string{"Security!*[System[Level=0]]"}, Last: MaxLast}
	a, err := Preview(context.Background(), s.svc, ws, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "Level") {
		t.Errorf("warnings %q, want one about Level", a.Warnings)
	}
	compiled := must(filter.Compile(filter.Policy{Queries: r.XPathQueries}, filter.Options{}))
	want := 0
	for _, e := range s.events {
		if compiled.Keep(e) {
			want++
		}
	}
	if d := a.Kept - want; d*100 > want || -d*100 > want {
		t.Errorf("Level=0 kept %d, the filter %d: more than 1%% apart", a.Kept, want)
	}
	if a, _ := Preview(context.Background(), s.svc, ws, Request{EventSet: "Common", Last: 10}); len(a.Warnings) != 0 {
		t.Errorf("a rule without Level warns %q", a.Warnings)
	}
}

// TestPreviewHostsAndLast: the preview reads the latest events of the
// hosts named (short name or FQDN) and no more than asked.
func TestPreviewHostsAndLast(t *testing.T) {
	s := openStore(t, events(t)[:3000])
	a, err := Preview(context.Background(), s.svc, ws, Request{EventSet: "All", Computers: []string{"ws-preview02"}, Last: 700})
	if err != nil {
		t.Fatal(err)
	}
	if a.Evaluated != 700 || a.Kept != 700 {
		t.Errorf("700 latest events of one host under All: evaluated %d, kept %d", a.Evaluated, a.Kept)
	}
	// WS-PREVIEW02's events run from 08:00:00 one a second; the latest 700 start at 1500-700 s.
	if want := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC).Add(800 * time.Second); !a.Oldest.Equal(want) {
		t.Errorf("oldest evaluated event %v, want %v", a.Oldest, want)
	}
	a, err = Preview(context.Background(), s.svc, ws, Request{EventSet: "All", Computers: []string{"WS-PREVIEW01.contoso.local", "nobody"}})
	if err != nil || a.Evaluated != DefaultLast {
		t.Errorf("FQDN and an unknown host: %+v %v", a, err)
	}
	if _, err := Preview(context.Background(), s.svc, ws, Request{EventSet: "All", Last: MaxLast + 1}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("last over the limit: %v", err)
	}
}

// TestPreviewRuleErrors: each broken query is reported with its number and
// column, the event set too, over HTTP as 400 InvalidRule.
func TestPreviewRuleErrors(t *testing.T) {
	s := openStore(t, events(t)[:100])
	mux := http.NewServeMux()
	Routes{Querier: s.svc, Verifier: pathVerifier{}}.Register(mux)
	post := func(body string) (int, []byte) {
		r := httptest.NewRequest("POST", "/v1/workspaces/"+ws+"/dcr-preview", strings.NewReader(body))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code, w.Body.Bytes()
	}
	st, body := post(`{"eventSet":"Sometimes","xpathQueries":["Security!*[System[(EventID=4624)]]","Security!*[System[EventId=4625]]","Security!*[System[(EventID=4624)"]}`)
	var got struct {
		Error struct {
			Code, Message string
			Details       []QueryError
		}
	}
	if err := json.Unmarshal(body, &got); st != 400 || err != nil || got.Error.Code != "InvalidRule" || !strings.Contains(got.Error.Message, "Sometimes") ||
		len(got.Error.Details) != 2 || got.Error.Details[0].Query != 2 || got.Error.Details[0].Column == 0 || got.Error.Details[1].Query != 3 {
		t.Fatalf("broken rule: %d %s", st, body)
	}
	st, body = post(`{"eventSet":"None","xpathQueries":["Security!*[System[(EventID=4624)]]"],"last":50}`)
	var a Answer
	if err := json.Unmarshal(body, &a); st != 200 || err != nil || a.Evaluated != 50 {
		t.Fatalf("preview: %d %s", st, body)
	}
	if st, body = post(`{"eventSet":"None","last":100000}`); st != 400 {
		t.Errorf("over the limit: %d %s", st, body)
	}
}

type pathVerifier struct{}

func (pathVerifier) Verify(r *http.Request, _ int64, _ string) (string, error) {
	return r.PathValue("id"), nil
}
