package logfile

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/evtx"
	"wsec/internal/source/synthetic"
)

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		head string
		want Format
	}{
		{"ElfFile\x00\x00\x00", EVTX},
		{"<Event xmlns=", XML},
		{"\xef\xbb\xbf<Events>", XML},
		{"\r\n  <Event>", XML},
		{"\xff\xfe<\x00E\x00", XML},
		{"<\x00E\x00", XML},
		{"MZ\x90\x00", Unknown},
		{"", Unknown},
	} {
		if got := Detect([]byte(c.head)); got != c.want {
			t.Errorf("Detect(%q) = %v, want %v", c.head, got, c.want)
		}
	}
}

// writeXML writes n synthetic events as concatenated event XML.
func writeXML(t *testing.T, path string, n int) []*event.Event {
	t.Helper()
	g := synthetic.New(synthetic.Options{})
	var buf []byte
	var evs []*event.Event
	for i := range n {
		e := new(event.Event)
		g.Event(uint64(i), e)
		evs = append(evs, e)
		buf = e.AppendXML(buf)
		buf = append(buf, '\n')
	}
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		t.Fatal(err)
	}
	return evs
}

func readAll(t *testing.T, path string, workers int) ([]*event.Event, Stats, error) {
	t.Helper()
	var got []*event.Event
	st, err := Read(context.Background(), path, Options{Workers: workers},
		func(evs []*event.Event) []*event.Event { return evs },
		func(evs []*event.Event) error { got = append(got, evs...); return nil })
	return got, st, err
}

func TestReadXMLRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.xml")
	want := writeXML(t, path, 1000)
	got, st, err := readAll(t, path, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Format != XML || st.Records != 1000 || st.Skipped != 0 {
		t.Fatalf("stats %+v", st)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("event %d differs after XML round trip:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestReadXMLSkipsBadEvent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.xml")
	writeXML(t, path, 3)
	b, _ := os.ReadFile(path)
	// Break the second event's EventID so it does not parse.
	i := strings.Index(string(b[10:]), "<EventID>") + 10
	b = append(append(b[:i:i], "<EventID>forty</EventID>"...), b[strings.Index(string(b[i:]), "</EventID>")+i+len("</EventID>"):]...)
	os.WriteFile(path, b, 0o600)
	got, st, err := readAll(t, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || st.Skipped != 1 || st.Reasons["xml malformed event"] != 1 || len(st.Problems) != 1 {
		t.Fatalf("got %d events, stats %+v", len(got), st)
	}
}

func TestReadUnknownFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(path, []byte("MZ this is a program"), 0o600)
	_, _, err := readAll(t, path, 1)
	if err == nil || !strings.Contains(err.Error(), "neither an EVTX file nor event XML") {
		t.Errorf("err = %v", err)
	}
	if _, _, err := readAll(t, filepath.Join(t.TempDir(), "missing.evtx"), 1); err == nil {
		t.Error("missing file read")
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b/Security.evtx", "a/fwd.XML", "a/readme.txt", "c.evtx"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o700)
		os.WriteFile(filepath.Join(dir, p), nil, 0o600)
	}
	got, err := Expand([]string{dir, filepath.Join(dir, "a/readme.txt")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a/fwd.XML"), filepath.Join(dir, "b/Security.evtx"),
		filepath.Join(dir, "c.evtx"), filepath.Join(dir, "a/readme.txt")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand = %v\nwant %v", got, want)
	}
	if _, err := Expand([]string{filepath.Join(dir, "nope")}); err == nil {
		t.Error("missing path expanded")
	}
}

// Parallel reading must deliver exactly what a sequential read does, in
// order: on a three-chunk fixture, and on a whole real log when the corpus
// is present.
func TestReadEVTXParallelMatchesSequential(t *testing.T) {
	t.Run("fixture", func(t *testing.T) { checkParallelMatchesSequential(t, fixture3Chunks, 232) })
	t.Run("corpus", func(t *testing.T) {
		checkParallelMatchesSequential(t, filepath.Join(corpustest.Dir(t, "evtx", "velocidex-evtx", "testdata"), "Security.evtx"), 739)
	})
}

// fixture3Chunks holds records 31878-32109 in three chunks (its README).
var fixture3Chunks = filepath.Join("..", "source", "file", "testdata", "security-3chunks.evtx")

func checkParallelMatchesSequential(t *testing.T, path string, records int) {
	f, err := evtx.Open(path, evtx.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []*event.Event
	if _, err := f.Events(context.Background(), func(e *event.Event) error { want = append(want, e); return nil }); err != nil {
		t.Fatal(err)
	}
	got, st, err := readAll(t, path, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Format != EVTX || st.Records != len(want) || len(got) != len(want) || len(want) != records {
		t.Fatalf("stats %+v, got %d want %d (%d records in the file)", st, len(got), len(want), records)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("event %d differs between parallel and sequential reads", i)
		}
	}
}

// A chunk with a bad signature is skipped and reported; the other chunks'
// records all arrive.
func TestReadDamagedEVTXCountsSkips(t *testing.T) {
	t.Run("fixture", func(t *testing.T) {
		b, err := os.ReadFile(fixture3Chunks)
		if err != nil {
			t.Fatal(err)
		}
		const chunk1 = 4096 + 65536
		// The chunk header's first and last EventRecordID.
		lost := binary.LittleEndian.Uint64(b[chunk1+32:]) - binary.LittleEndian.Uint64(b[chunk1+24:]) + 1
		copy(b[chunk1:], "BadChnk\x00")
		path := filepath.Join(t.TempDir(), "bad-chunk-magic.evtx")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		checkDamagedCountsSkips(t, path, 232-int(lost))
	})
	t.Run("corpus", func(t *testing.T) {
		path := filepath.Join(corpustest.Dir(t, "evtx", "omerbenamram-evtx", "samples"), "sample_with_a_bad_chunk_magic.evtx")
		checkDamagedCountsSkips(t, path, 270) // expected/record-counts.tsv
	})
}

func checkDamagedCountsSkips(t *testing.T, path string, records int) {
	got, st, err := readAll(t, path, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != records {
		t.Errorf("records = %d, want %d", len(got), records)
	}
	if st.Reasons["chunk skipped"] == 0 || len(st.Problems) == 0 {
		t.Errorf("bad chunk not reported: %+v", st)
	}
}

// A damaged file header is reported first, before the chunks' problems,
// as evtx reports it.
func TestReadEVTXHeaderProblemFirst(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "evtx", "testdata", "security-4648-4624.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	b[124] ^= 0xff      // file header checksum
	b[4096+100] ^= 0xff // inside chunk 0's checksummed header
	path := filepath.Join(t.TempDir(), "damaged.evtx")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, st, err := readAll(t, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || st.Skipped != 0 || len(st.Problems) != 2 ||
		!strings.HasPrefix(st.Problems[0], "file header") || !strings.HasPrefix(st.Problems[1], "chunk checksum") {
		t.Errorf("%d events, stats %+v", len(got), st)
	}
}
