package evtx

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/testtool"
)

// TestDamagedSamples reads the omerbenamram/evtx samples, several damaged
// on purpose, and holds the record counts to the ones that project
// publishes (expected/record-counts.tsv, records_ok), with the problems
// each kind of damage must produce.
func TestDamagedSamples(t *testing.T) {
	dir := corpustest.Dir(t, "evtx", "omerbenamram-evtx", "samples")
	counts := expectedCounts(t)
	if len(counts) < 10 {
		t.Fatalf("record-counts.tsv lists only %d files", len(counts))
	}
	// Where we deliberately differ from the published count.
	deviations := map[string]struct {
		n   int
		why string
	}{
		"sample-with-zero-data-size-event.evtx": {335, "record 3 declares size 0: the Rust crate counts it as a record without content, " +
			"we report it (record skipped) and deliver nothing, as evtxexport does (it also prints 335)"},
	}
	// Problems each damaged sample must report (kind → at least this many).
	wantProblems := map[string]map[ProblemKind]int{
		"2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx":          {ProblemChunkChecksum: 2, ProblemRecordSkipped: 4},
		"2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx": {ProblemChunkChecksum: 2, ProblemRecordSkipped: 2},
		"sample_with_a_bad_chunk_magic.evtx":                                                   {ProblemChunkSkipped: 1, ProblemChunkChecksum: 1, ProblemRecordSuspect: 1},
		"sample-with-zero-data-size-event.evtx":                                                {ProblemChunkChecksum: 1, ProblemRecordSkipped: 1},
		"Microsoft-Windows-HelloForBusiness%4Operational.evtx":                                 {ProblemChunkChecksum: 1},
		"Microsoft-Windows-LanguagePackSetup%4Operational.evtx":                                {ProblemChunkChecksum: 1},
	}
	// Samples whose oddities are legal: no problem at all.
	clean := []string{"security.evtx", "sample-with-irregular-bool-values.evtx", "2-vss_7-System.evtx",
		"Application_no_crc32.evtx", "post-Security.evtx", "E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx",
		"E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
		"E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx"}

	for name, want := range counts {
		t.Run(name, func(t *testing.T) {
			evs, probs, st := readAll(t, filepath.Join(dir, name))
			if d, ok := deviations[name]; ok {
				t.Logf("published count %d, ours %d: %s", want, d.n, d.why)
				want = d.n
			}
			if len(evs) != want {
				t.Errorf("%d records, want %d", len(evs), want)
			}
			if st.Records != len(evs) {
				t.Errorf("Stats.Records %d, delivered %d", st.Records, len(evs))
			}
			kinds := map[ProblemKind]int{}
			for _, p := range probs {
				kinds[p.Kind]++
				if p.Err == nil || !strings.Contains(p.String(), "offset 0x") {
					t.Errorf("problem without cause or offset: %v", p)
				}
			}
			for k, n := range wantProblems[name] {
				if kinds[k] < n {
					t.Errorf("%d %q problems, want at least %d (got %v)", kinds[k], k, n, kinds)
				}
			}
			for _, c := range clean {
				if c == name && len(probs) > 0 {
					t.Errorf("clean sample reported problems: %v", probs)
				}
			}
			for i, e := range evs {
				if e.System.EventRecordID == 0 || e.System.TimeCreated.IsZero() {
					t.Errorf("event #%d lacks record id or time: %+v", i, e.System)
				}
			}
		})
	}
}

// TestRecoverMode checks Options.Recover against libevtx's recovery
// ("evtxexport -m all") on the sample whose first chunk has a record of
// size 0 followed by 114 intact records.
func TestRecoverMode(t *testing.T) {
	path := filepath.Join(corpustest.Dir(t, "evtx", "omerbenamram-evtx", "samples"), "sample-with-zero-data-size-event.evtx")
	read := func(opts Options) []*event.Event {
		f, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var evs []*event.Event
		if _, err := f.Events(context.Background(), func(e *event.Event) error { evs = append(evs, e); return nil }); err != nil {
			t.Fatal(err)
		}
		return evs
	}
	plain := read(Options{Workers: 1})
	rec := read(Options{Workers: 1, Recover: true})
	if len(rec) != 449 || len(plain) != 335 {
		t.Errorf("recover mode read %d records, plain %d; want 449 and 335", len(rec), len(plain))
	}
	seen := map[uint64]bool{}
	for _, e := range rec {
		if seen[e.System.EventRecordID] {
			t.Errorf("record %d delivered twice", e.System.EventRecordID)
		}
		seen[e.System.EventRecordID] = true
	}
	bin := testtool.Need(t, testtool.Evtxexport)[0]
	out, err := exec.Command(bin, "-m", "all", "-f", "xml", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "\n<Event "); n != len(rec) {
		t.Errorf("evtxexport -m all prints %d records, recover mode read %d", n, len(rec))
	}
}
