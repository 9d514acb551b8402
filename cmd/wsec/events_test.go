package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/source/synthetic"
)

// minimal is the Minimal event set as ../shared/spec/event-sets.md lists it,
// typed here independently of the filter package.
var minimal = map[uint16]bool{1102: true, 4624: true, 4625: true, 4657: true, 4663: true, 4688: true,
	4700: true, 4702: true, 4719: true, 4720: true, 4722: true, 4723: true, 4724: true, 4727: true,
	4728: true, 4732: true, 4735: true, 4737: true, 4739: true, 4740: true, 4754: true, 4755: true,
	4756: true, 4767: true, 4799: true, 4825: true, 4946: true, 4948: true, 4956: true, 5024: true,
	5033: true, 8001: true, 8002: true, 8003: true, 8004: true, 8005: true, 8006: true, 8007: true, 8222: true}

func writeSyntheticXML(t *testing.T, dir string, n int) []*event.Event {
	t.Helper()
	g := synthetic.New(synthetic.Options{Seed: 3})
	var buf []byte
	var evs []*event.Event
	for i := range n {
		e := new(event.Event)
		g.Event(uint64(i), e)
		evs = append(evs, e)
		buf = append(e.AppendXML(buf), "\r\n"...)
	}
	if err := os.WriteFile(filepath.Join(dir, "forwarded.xml"), buf, 0o600); err != nil {
		t.Fatal(err)
	}
	return evs
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEventsMinimalSetOverXML(t *testing.T) {
	dir := t.TempDir()
	evs := writeSyntheticXML(t, dir, 5000)
	want := 0
	for _, e := range evs {
		if minimal[e.System.EventID] {
			want++
		}
	}
	code, out, errs := runCmd(t, "events", "--set", "Minimal", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e event.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not an event: %v", got+1, err)
		}
		if !minimal[e.System.EventID] {
			t.Errorf("event %d kept by the Minimal set", e.System.EventID)
		}
		got++
	}
	if got != want || want == 0 {
		t.Errorf("kept %d events, want %d", got, want)
	}
	if !strings.Contains(errs, "1 files, 5000 records,") || !strings.Contains(errs, "kept") {
		t.Errorf("summary: %s", errs)
	}
}

func TestEventsXPathAndFormats(t *testing.T) {
	dir := t.TempDir()
	evs := writeSyntheticXML(t, dir, 2000)
	want := 0
	for _, e := range evs {
		if e.System.EventID == 4688 && e.Value("NewProcessName") == `C:\Windows\System32\cmd.exe` {
			want++
		}
	}
	q := `Security!*[System[EventID=4688]] and *[EventData[Data[@Name='NewProcessName']='C:\Windows\System32\cmd.exe']]`
	code, out, errs := runCmd(t, "events", "--xpath", q, "--format", "xml", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := strings.Count(out, "<Event xmlns="); n != want || want == 0 {
		t.Errorf("xml: %d events, want %d", n, want)
	}
	code, out, _ = runCmd(t, "events", "--xpath", q, "--as", "securityevent", dir)
	if code != 0 || strings.Count(out, "\n") != want {
		t.Fatalf("securityevent: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
	var row map[string]any
	json.Unmarshal([]byte(out[:strings.IndexByte(out, '\n')]), &row)
	if row["Activity"] != "4688 - A new process has been created." || row["Process"] != "cmd.exe" {
		t.Errorf("row: Activity %v, Process %v", row["Activity"], row["Process"])
	}
	code, out, _ = runCmd(t, "events", "--format", "table", "--set", "all", dir)
	if code != 0 || !strings.HasPrefix(out, "TIME CREATED") || strings.Count(out, "\n") != 2001 {
		t.Errorf("table: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
}

func TestEventsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "notes.xml")
	os.WriteFile(bad, []byte("hello"), 0o600)
	if code, _, errs := runCmd(t, "events", bad); code != 1 || !strings.Contains(errs, "nothing could be read") {
		t.Errorf("unreadable only: exit %d, %s", code, errs)
	}
	writeSyntheticXML(t, dir, 10)
	if code, _, errs := runCmd(t, "events", dir); code != 0 || !strings.Contains(errs, "(1 unreadable)") {
		t.Errorf("one of two unreadable: exit %d, %s", code, errs)
	}
	if code, _, errs := runCmd(t, "events", "--xpath", "Security!*[System[contains(EventID,1)]]", dir); code != 2 || !strings.Contains(errs, "contains") {
		t.Errorf("bad xpath: exit %d, %s", code, errs)
	}
	if code, _, _ := runCmd(t, "events", "--set", "Most", dir); code != 2 {
		t.Errorf("bad set: exit %d", code)
	}
	if code, _, _ := runCmd(t, "events"); code != 2 {
		t.Errorf("no paths: exit %d", code)
	}
}

// TestEventsDamagedFixture is TestEventsDamagedCorpus without the corpus:
// a copy of the three-chunk fixture with chunk 0's header checksum and
// chunk 1's signature broken. Chunk 1's 76 records are skipped, the rest
// are printed, and the summary says both.
func TestEventsDamagedFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "source", "file", "testdata", "security-3chunks.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	b[4096+100] ^= 0xff
	copy(b[4096+65536:], "BadChnk\x00")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "damaged.evtx"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "events", "--set", "All", "--format", "jsonl", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "skipped") || !strings.Contains(errs, "chunk checksum") {
		t.Errorf("summary does not say what was skipped: %s", errs)
	}
	if n := strings.Count(out, "\n"); n != 232-76 {
		t.Errorf("%d events from the damaged file, want %d", n, 232-76)
	}
}

func TestEventsDamagedCorpus(t *testing.T) {
	dir := corpustest.Dir(t, "evtx", "omerbenamram-evtx", "samples")
	code, out, errs := runCmd(t, "events", "--format", "jsonl", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "skipped") || !strings.Contains(errs, "chunk checksum") {
		t.Errorf("summary does not say what was skipped: %s", errs)
	}
	if strings.Count(out, "\n") < 18000 {
		t.Errorf("only %d events from the damaged samples", strings.Count(out, "\n"))
	}
}
