package filter

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/evtx"
)

// benchMix is the realistic mix: a real Security log (739 records: 4624,
// 4627, 4672 dominate, as on real hosts), a real attack sample and AppLocker
// events. bytesPerEvent is the mean size of their rendered XML, so MB/s
// reads as "XML-equivalent throughput".
func benchMix(b *testing.B) ([]event.Event, int64) {
	evs := allFixtureEvents(b)
	var total int
	for _, name := range []string{"security-velocidex.xml.gz", "runas-mitre.xml", "applocker.xml"} {
		total += len(rawXML(b, name))
	}
	return evs, int64(total / len(evs))
}

type benchPolicy struct {
	name string
	p    Policy
}

func benchPolicies() []benchPolicy {
	return []benchPolicy{
		{"set=Common", Policy{Set: SetCommon}},
		{"set=Minimal+dcr", Policy{Set: SetMinimal, Queries: []string{
			`Security!*[System[(EventID=4634 or EventID=4647 or EventID=4672 or EventID=4648)]]`,
			`Microsoft-Windows-AppLocker/EXE and DLL!*[System[(Level=2 or Level=3)]]`,
		}}},
		{"dcr=portal", Policy{Queries: []string{
			// What the Azure portal generates for "Security: audit success and failure".
			`Security!*[System[(band(Keywords,13510798882111488))]]`,
		}}},
		{"dcr=mixed", Policy{Queries: []string{
			`Security!*[System[(EventID=4624 or EventID=4625)]] and *[EventData[Data[@Name='LogonType']=10 or Data[@Name='LogonType']=3]]`,
			`Security!*[System[EventID=4688]] and *[EventData[Data[@Name='NewProcessName']='C:\Windows\System32\cmd.exe']]`,
			`Security!*[System[Provider[@Name='Microsoft-Windows-Eventlog'] and EventID=1102]]`,
			`Security!*[System[TimeCreated[timediff(@SystemTime) <= 86400000]] and EventData[Data='hack1']]`,
			`Microsoft-Windows-AppLocker/EXE and DLL!*[UserData/RuleAndFileData[PolicyName='EXE' and TargetProcessId=10388]]`,
			`Microsoft-Windows-AppLocker/MSI and Script!*[System[Level<=3]]`,
		}}},
	}
}

// BenchmarkKeep measures Rules.Keep over the mix, one event per op.
func BenchmarkKeep(b *testing.B) {
	evs, size := benchMix(b)
	for _, bp := range benchPolicies() {
		b.Run(bp.name, func(b *testing.B) {
			r, err := Compile(bp.p, Options{Now: func() time.Time { return testNow }})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(size)
			kept := 0
			for i := 0; b.Loop(); i++ {
				if r.Keep(&evs[i%len(evs)]) {
					kept++
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(kept)/float64(b.N), "kept/event")
		})
	}
}

// BenchmarkKeepParallel is the same on all cores: Rules is shared.
func BenchmarkKeepParallel(b *testing.B) {
	evs, size := benchMix(b)
	r, err := Compile(benchPolicies()[3].p, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(size)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Keep(&evs[i%len(evs)])
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkCompile measures compiling the mixed DCR (done once per DCR
// update, not per event).
func BenchmarkCompile(b *testing.B) {
	p := benchPolicies()[3].p
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestKeepDoesNotAllocate(t *testing.T) {
	evs := allFixtureEvents(t)
	for _, bp := range benchPolicies() {
		r, err := Compile(bp.p, Options{Now: func() time.Time { return testNow }})
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		allocs := testing.AllocsPerRun(len(evs), func() {
			r.Keep(&evs[i%len(evs)])
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per Keep", bp.name, allocs)
		}
	}
}

// BenchmarkKeepCorpus runs the policies over every event of the corpus's
// EVTX files (about 36,000 real events of many channels and providers),
// decoded once before timing. MB/s is in EVTX file bytes.
func BenchmarkKeepCorpus(b *testing.B) {
	root := corpustest.Dir(b, "evtx")
	var evs []event.Event
	var fileBytes int64
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".evtx") {
			return err
		}
		f, err := evtx.Open(p, evtx.Options{})
		if err != nil {
			return nil
		}
		defer f.Close()
		fileBytes += f.Size()
		_, _ = f.Events(context.Background(), func(e *event.Event) error {
			evs = append(evs, *e)
			return nil
		})
		return nil
	})
	if len(evs) == 0 {
		b.Skip("no corpus events")
	}
	for _, bp := range benchPolicies() {
		b.Run(bp.name, func(b *testing.B) {
			r, err := Compile(bp.p, Options{Now: func() time.Time { return testNow }})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(fileBytes / int64(len(evs))) // EVTX bytes per event
			kept := 0
			for i := 0; b.Loop(); i++ {
				if r.Keep(&evs[i%len(evs)]) {
					kept++
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(kept)/float64(b.N), "kept/event")
		})
	}
}
