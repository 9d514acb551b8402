package synthetic

import (
	"reflect"
	"testing"

	"wsec/internal/event"
)

func TestDeterministic(t *testing.T) {
	g := New(Options{Seed: 7})
	var a, b event.Event
	for _, n := range []uint64{0, 1, 49, 1000, 1063, 123456789} {
		g.Event(n, &a)
		New(Options{Seed: 7}).Event(n, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("event %d differs between generators with the same options", n)
		}
	}
	g.Event(5, &a)
	New(Options{Seed: 8}).Event(5, &b)
	if reflect.DeepEqual(a.Data, b.Data) && a.System.EventID == b.System.EventID {
		t.Error("different seeds gave the same event 5")
	}
}

func TestRecordIDsPerChannelAreGapFree(t *testing.T) {
	g := New(Options{FirstRecordID: 100})
	next := map[string]uint64{}
	var e event.Event
	for n := uint64(0); n < 10000; n++ {
		g.Event(n, &e)
		want, ok := next[e.System.Channel]
		if !ok {
			want = 100
		}
		if e.System.EventRecordID != want {
			t.Fatalf("event %d on %s: record id %d, want %d", n, e.System.Channel, e.System.EventRecordID, want)
		}
		if g.RecordID(n) != want || Channel(n) != e.System.Channel {
			t.Fatalf("event %d: RecordID/Channel helpers disagree with Event", n)
		}
		next[e.System.Channel] = want + 1
	}
	if next[AppLockerChannel] != 100+10000/appLockerEvery {
		t.Errorf("AppLocker events: %d", next[AppLockerChannel]-100)
	}
}

func TestMixIsRealistic(t *testing.T) {
	g := New(Options{})
	count := map[uint16]int{}
	logonTypes := map[string]int{}
	var e event.Event
	const total = 100000
	for n := uint64(0); n < total; n++ {
		g.Event(n, &e)
		count[e.System.EventID]++
		if e.System.EventID == 4624 {
			logonTypes[e.Value("LogonType")]++
		}
		if e.System.TimeCreated.IsZero() || e.System.Computer == "" {
			t.Fatalf("event %d lacks time or computer", n)
		}
	}
	within := func(id uint16, lo, hi float64) {
		t.Helper()
		if f := float64(count[id]) / total; f < lo || f > hi {
			t.Errorf("event %d is %.3f of the mix, want [%.2f, %.2f]", id, f, lo, hi)
		}
	}
	within(4624, 0.28, 0.38)
	within(4634, 0.16, 0.23)
	within(4688, 0.14, 0.20)
	within(4625, 0.01, 0.03)
	within(4672, 0.08, 0.12)
	for _, id := range []uint16{4648, 4768, 4769, 4776, 4720, 4728, 4732, 8002, 8003, 8004} {
		if count[id] == 0 {
			t.Errorf("no %d in 100k events", id)
		}
	}
	for _, lt := range []string{"2", "3", "10"} {
		if logonTypes[lt] == 0 {
			t.Errorf("no 4624 with logon type %s", lt)
		}
	}
}

func TestFailedLogonBurstFromOneAddress(t *testing.T) {
	g := New(Options{})
	ips := map[string]int{}
	var e event.Event
	for n := uint64(4096 + 1000); n < 4096+1064; n++ {
		g.Event(n, &e)
		if e.System.EventID != 4625 {
			continue
		}
		ips[e.Value("IpAddress")]++
		if e.Value("Status") != "0xc000006d" || e.System.Keywords != auditFailure {
			t.Fatalf("4625 fields: %+v", e.Data)
		}
	}
	if len(ips) != 1 {
		t.Errorf("burst came from %d addresses, want 1: %v", len(ips), ips)
	}
}

func TestAppLockerPaths(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Windows\System32\cmd.exe`:               `%SYSTEM32%\cmd.exe`,
		`C:\Program Files\Google\Chrome\chrome.exe`: `%PROGRAMFILES%\Google\Chrome\chrome.exe`,
		`D:\tools\x.exe`:                            `D:\tools\x.exe`,
	} {
		if got := appLockerPath(in); got != want {
			t.Errorf("appLockerPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkEvent(b *testing.B) {
	g := New(Options{})
	var e event.Event
	b.ReportAllocs()
	n := uint64(0)
	for b.Loop() {
		g.Event(n, &e)
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
