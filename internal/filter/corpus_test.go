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

func readEVTX(tb testing.TB, path string) []event.Event {
	tb.Helper()
	f, err := evtx.Open(path, evtx.Options{})
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var evs []event.Event
	if _, err := f.Events(context.Background(), func(e *event.Event) error {
		evs = append(evs, *e)
		return nil
	}); err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	return evs
}

// TestRulesOverEVTX decodes the real Security.evtx with internal/evtx and
// checks that every policy keeps exactly the events it keeps from the same
// log decoded by another decoder (libevtx's evtxexport, the XML fixture).
// The fixture is the log's first three chunks (232 of its 739 records).
func TestRulesOverEVTX(t *testing.T) {
	want := readEvents(t, "security-velocidex.xml.gz")
	t.Run("fixture", func(t *testing.T) {
		got := readEVTX(t, filepath.Join("..", "source", "file", "testdata", "security-3chunks.evtx"))
		if len(got) != 232 {
			t.Fatalf("evtx decoded %d events of the three chunks, want 232", len(got))
		}
		checkRulesOverEVTX(t, got, want)
	})
	t.Run("corpus", func(t *testing.T) {
		got := readEVTX(t, filepath.Join(corpustest.Dir(t, "evtx", "velocidex-evtx", "testdata"), "Security.evtx"))
		if len(got) != len(want) {
			t.Fatalf("evtx decoded %d events, evtxexport %d", len(got), len(want))
		}
		checkRulesOverEVTX(t, got, want)
	})
}

// checkRulesOverEVTX holds each policy's verdict on the events decoded by
// internal/evtx (got) to its verdict on the same records from evtxexport.
func checkRulesOverEVTX(t *testing.T, got, want []event.Event) {
	byRecord := map[uint64]*event.Event{}
	for i := range want {
		byRecord[want[i].System.EventRecordID] = &want[i]
	}
	policies := append([]benchPolicy{
		{"set=Minimal", Policy{Set: SetMinimal}},
		{"set=All", Policy{Set: SetAll}},
	}, benchPolicies()...)
	for _, bp := range policies {
		r, err := Compile(bp.p, Options{Now: func() time.Time { return testNow }})
		if err != nil {
			t.Fatal(err)
		}
		kept := 0
		for i := range got {
			e := &got[i]
			ref := byRecord[e.System.EventRecordID]
			if ref == nil {
				t.Fatalf("record %d only in the evtx decoding", e.System.EventRecordID)
			}
			k := r.Keep(e)
			if k != r.Keep(ref) {
				t.Errorf("%s: record %d (%d): %v from internal/evtx, %v from evtxexport", bp.name, e.System.EventRecordID, e.System.EventID, k, !k)
			}
			if k {
				kept++
			}
		}
		t.Logf("%-16s keeps %3d of %d", bp.name, kept, len(got))
	}
}

// TestSetsOverCorpus runs the sets over every EVTX file of the corpus and
// checks what must hold whatever the data: Minimal ⊆ Common ⊆ All, and All
// is exactly the Security and AppLocker events.
func TestSetsOverCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus sweep skipped in -short mode")
	}
	root := corpustest.Dir(t, "evtx")
	var files, events, min, com, all int
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".evtx") {
			return err
		}
		f, err := evtx.Open(p, evtx.Options{})
		if err != nil {
			return nil // damaged samples: the evtx package's tests cover them
		}
		defer f.Close()
		files++
		_, _ = f.Events(context.Background(), func(e *event.Event) error {
			events++
			m, c, a := SetMinimal.Admits(e), SetCommon.Admits(e), SetAll.Admits(e)
			// Spelt out here rather than through familyOf, which Admits uses.
			ch := e.System.Channel
			secOrAppLocker := strings.EqualFold(ch, "Security") ||
				strings.HasPrefix(strings.ToLower(ch), "microsoft-windows-applocker/")
			if (m && !c) || (c && !a) || a != secOrAppLocker || SetNone.Admits(e) {
				t.Errorf("%s record %d (%s %d): Minimal %v Common %v All %v", p, e.System.EventRecordID, e.System.Channel, e.System.EventID, m, c, a)
			}
			if m {
				min++
			}
			if c {
				com++
			}
			if a {
				all++
			}
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 || all == 0 || min == 0 {
		t.Fatalf("sweep read %d files, %d events; sets kept %d/%d/%d", files, events, min, com, all)
	}
	t.Logf("%d files, %d events: Minimal keeps %d, Common %d, All (Security+AppLocker) %d", files, events, min, com, all)
}
