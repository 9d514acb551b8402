package filter

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
)

// specIDs parses the ID list under "## <set> (N IDs)" of event-sets.md,
// returning the IDs and the N the heading claims.
func specIDs(t *testing.T, name string) ([]uint16, int) {
	t.Helper()
	root := corpustest.Root()
	if root == "" {
		t.Skip("shared spec not found (it sits beside the corpus at ../shared/spec); skipping")
	}
	path := filepath.Join(filepath.Dir(root), "spec", "event-sets.md")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("%s absent: %v; skipping", path, err)
	}
	defer f.Close()
	head := regexp.MustCompile(`^## ` + name + ` \((\d+) IDs\)`)
	sc := bufio.NewScanner(f)
	claimed := -1
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := head.FindStringSubmatch(line); m != nil {
			claimed, _ = strconv.Atoi(m[1])
			continue
		}
		if claimed < 0 || line == "" {
			continue
		}
		var ids []uint16
		for _, f := range strings.Split(line, ",") {
			v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 16)
			if err != nil {
				t.Fatalf("%s: %s list: %v", path, name, err)
			}
			ids = append(ids, uint16(v))
		}
		return ids, claimed
	}
	t.Fatalf("%s: no %q section", path, name)
	return nil, 0
}

func TestSetIDsMatchSpec(t *testing.T) {
	for _, s := range []Set{SetMinimal, SetCommon} {
		t.Run(s.String(), func(t *testing.T) {
			want, claimed := specIDs(t, s.String())
			if len(want) != claimed {
				t.Errorf("spec lists %d IDs under a heading that says %d", len(want), claimed)
			}
			slices.Sort(want)
			if got := s.IDs(); !slices.Equal(got, want) {
				t.Errorf("IDs differ from event-sets.md\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestSetIDCounts(t *testing.T) {
	min, com := SetMinimal.IDs(), SetCommon.IDs()
	if len(min) != 39 || len(com) != 143 {
		t.Fatalf("Minimal has %d IDs (want 39), Common %d (want 143)", len(min), len(com))
	}
	for _, id := range min {
		if !slices.Contains(com, id) {
			t.Errorf("Minimal ID %d is not in Common", id)
		}
	}
	if SetAll.IDs() != nil || SetNone.IDs() != nil {
		t.Error("All and None are not ID lists")
	}
}

func TestParseSet(t *testing.T) {
	f := func(in string, want Set) {
		t.Helper()
		got, err := ParseSet(in)
		if err != nil || got != want {
			t.Errorf("ParseSet(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	f("common", SetCommon)
	f("COMMON", SetCommon)
	f(" Minimal ", SetMinimal)
	f("all", SetAll)
	f("None", SetNone)
	for _, bad := range []string{"", "Recommended", "commons"} {
		_, err := ParseSet(bad)
		if err == nil || !strings.Contains(err.Error(), "valid: All, Common, Minimal, None") {
			t.Errorf("ParseSet(%q) error = %v; want one listing the valid names", bad, err)
		}
	}
}

func TestParseRuleSet(t *testing.T) {
	for in, want := range map[string]Set{"": SetNone, "  ": SetNone, "Common": SetCommon, "none": SetNone} {
		if got, err := ParseRuleSet(in); err != nil || got != want {
			t.Errorf("ParseRuleSet(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseRuleSet("Recommended"); err == nil {
		t.Error(`ParseRuleSet("Recommended") accepted`)
	}
}

func TestSetJSON(t *testing.T) {
	b, err := json.Marshal(DCR{Name: "x", Set: SetCommon})
	if err != nil || string(b) != `{"name":"x","set":"Common"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var d DCR
	if err := json.Unmarshal([]byte(`{"name":"x","set":"minimal"}`), &d); err != nil || d.Set != SetMinimal {
		t.Fatalf("unmarshal = %+v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`{"name":"x","set":"most"}`), &d); err == nil {
		t.Fatal("unknown set name accepted")
	}
}

func TestSetAdmits(t *testing.T) {
	evs := allFixtureEvents(t)
	e4624, e4634, e4616 := byID(t, evs, 4624), byID(t, evs, 4634), byID(t, evs, 4616)
	e4688, e1102, e4672 := byID(t, evs, 4688), byID(t, evs, 1102), byID(t, evs, 4672)
	e8002, e8003, e8004 := byID(t, evs, 8002), byID(t, evs, 8003), byID(t, evs, 8004)
	e8006 := byID(t, evs, 8006)
	type want struct{ none, min, com, all bool }
	cases := []struct {
		name string
		e    event.Event
		want want
	}{
		{"4624 sign-in", e4624, want{false, true, true, true}},
		{"4688 process", e4688, want{false, true, true, true}},
		{"1102 log cleared", e1102, want{false, true, true, true}},
		{"4634 sign-out: Common not Minimal", e4634, want{false, false, true, true}},
		{"4672 special logon: Common not Minimal", e4672, want{false, false, true, true}},
		{"4616 time change: in neither", e4616, want{false, false, false, true}},
		{"8002 AppLocker allowed", e8002, want{false, true, true, true}},
		{"8003 AppLocker audit", e8003, want{false, true, true, true}},
		{"8004 AppLocker blocked", e8004, want{false, true, true, true}},
		{"8006 AppLocker MSI and Script", e8006, want{false, true, true, true}},
		{"8004 on Security: AppLocker ID off its channel", withChannel(e8004, "Security"), want{false, false, false, true}},
		{"4624 on System", withChannel(e4624, "System"), want{}},
		{"4624 on ForwardedEvents", withChannel(e4624, "ForwardedEvents"), want{}},
		{"4624 on an AppLocker channel", withChannel(e4624, "Microsoft-Windows-AppLocker/EXE and DLL"), want{false, false, false, true}},
		{"8003 on Sysmon", withChannel(e8003, "Microsoft-Windows-Sysmon/Operational"), want{}},
		{"channel case: security", withChannel(e4624, "security"), want{false, true, true, true}},
		{"channel case: applocker", withChannel(e8004, "microsoft-windows-applocker/exe and dll"), want{false, true, true, true}},
		{"bare AppLocker prefix is no channel", withChannel(e8004, "Microsoft-Windows-AppLocker/"), want{}},
		{"8001-8007 only: 8008 on AppLocker", func() event.Event { e := e8004; e.System.EventID = 8008; return e }(), want{false, false, false, true}},
		{"Common low ID 403 (AD FS) on Security", func() event.Event { e := e4624; e.System.EventID = 403; return e }(), want{false, false, true, true}},
		{"Common 30004 on Security", func() event.Event { e := e4624; e.System.EventID = 30004; return e }(), want{false, false, true, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := want{SetNone.Admits(&c.e), SetMinimal.Admits(&c.e), SetCommon.Admits(&c.e), SetAll.Admits(&c.e)}
			if got != c.want {
				t.Errorf("None/Minimal/Common/All = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestSetsOverRealLog counts what each set keeps of a real Security log.
// The expected counts come from another route: the EventID elements of
// the raw XML text, matched by regular expression against the ID lists as
// event-sets.md (or, without the spec, Set.IDs) gives them.
func TestSetsOverRealLog(t *testing.T) {
	fx := readFixtures(t, "security-velocidex.xml.gz")
	raw := rawXML(t, "security-velocidex.xml.gz")
	ids := regexp.MustCompile(`<EventID[^>]*>(\d+)</EventID>`).FindAllStringSubmatch(raw, -1)
	if len(ids) != len(fx) {
		t.Fatalf("%d EventID elements, %d events", len(ids), len(fx))
	}
	for _, s := range []Set{SetMinimal, SetCommon, SetAll, SetNone} {
		list := s.IDs()
		if root := corpustest.Root(); root != "" && list != nil {
			if _, err := os.Stat(filepath.Join(filepath.Dir(root), "spec", "event-sets.md")); err == nil {
				list, _ = specIDs(t, s.String())
			}
		}
		want := 0
		for _, m := range ids {
			id, _ := strconv.Atoi(m[1])
			if s == SetAll || slices.Contains(list, uint16(id)) {
				want++
			}
		}
		got := 0
		for i := range fx {
			if s.Admits(&fx[i].ev) {
				got++
			}
		}
		t.Logf("%s keeps %d of %d", s, got, len(fx))
		if got != want {
			t.Errorf("%s keeps %d events, want %d", s, got, want)
		}
	}
}

func rawXML(t testing.TB, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzipReader(f, name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
