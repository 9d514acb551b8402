package file

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/evtx"
	"wsec/internal/source"
)

const fixture = "testdata/security-3chunks.evtx"

// The fixture's chunk headers (read independently with a few lines of
// Python from the raw bytes) say its chunks hold records 31878-31955,
// 31956-32031 and 32032-32109.
const firstID, lastID = 31878, 32109

type got struct {
	pos     []uint64
	ids     []uint64
	through []uint64
}

func readAll(t *testing.T, s source.Stream, after uint64) got {
	t.Helper()
	var g got
	err := s.Read(context.Background(), after, func(b source.Batch) error {
		checkBatch(t, b)
		for i, e := range b.Events {
			g.pos = append(g.pos, b.Pos[i])
			g.ids = append(g.ids, e.System.EventRecordID)
		}
		g.through = append(g.through, b.Through)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func checkBatch(t *testing.T, b source.Batch) {
	t.Helper()
	if len(b.Events) != len(b.Pos) {
		t.Fatalf("batch of %d events with %d positions", len(b.Events), len(b.Pos))
	}
	for i := 1; i < len(b.Pos); i++ {
		if b.Pos[i] <= b.Pos[i-1] {
			t.Fatalf("positions not increasing: %d after %d", b.Pos[i], b.Pos[i-1])
		}
	}
	if b.Through < b.Last() {
		t.Fatalf("Through %d below the last position %d", b.Through, b.Last())
	}
}

func openOne(t *testing.T, path string, o Options) source.Stream {
	t.Helper()
	ss, err := Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 {
		t.Fatalf("%d streams for one file", len(ss))
	}
	return ss[0]
}

func wantRange(t *testing.T, g got, lo, hi uint64) {
	t.Helper()
	if uint64(len(g.ids)) != hi-lo+1 {
		t.Fatalf("read %d records, want %d (%d-%d)", len(g.ids), hi-lo+1, lo, hi)
	}
	for i, id := range g.ids {
		if id != lo+uint64(i) || g.pos[i] != id {
			t.Fatalf("record %d: id %d at position %d, want id = position = %d", i, id, g.pos[i], lo+uint64(i))
		}
	}
}

func TestEVTXPositionsAreRecordIDs(t *testing.T) {
	s := openOne(t, fixture, Options{})
	if !strings.HasPrefix(s.Name(), "evtx:") || !strings.HasSuffix(s.Name(), "security-3chunks.evtx") {
		t.Errorf("name %q", s.Name())
	}
	wantRange(t, readAll(t, s, 0), firstID, lastID)
	wantRange(t, readAll(t, s, 32000), 32001, lastID)
	if g := readAll(t, s, lastID); len(g.ids) != 0 {
		t.Errorf("read %d records after the last one", len(g.ids))
	}
}

// chunks returns the fixture's header and chunks.
func chunks(t *testing.T) ([]byte, [][]byte) {
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var cs [][]byte
	for off := evtx.FileHeaderSize; off < len(b); off += evtx.ChunkSize {
		cs = append(cs, b[off:off+evtx.ChunkSize])
	}
	return b[:evtx.FileHeaderSize], cs
}

func TestEVTXWrappedCircularLog(t *testing.T) {
	// A circular log that wrapped: the newest chunk was written over the
	// file's first chunk, so file order is chunk 2, chunk 0, chunk 1.
	hdr, cs := chunks(t)
	path := filepath.Join(t.TempDir(), "wrapped.evtx")
	if err := os.WriteFile(path, bytes.Join([][]byte{hdr, cs[2], cs[0], cs[1]}, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openOne(t, path, Options{Workers: 2})
	wantRange(t, readAll(t, s, 0), firstID, lastID)
	wantRange(t, readAll(t, s, 31990), 31991, lastID)
	wantRange(t, readAll(t, s, 32050), 32051, lastID)
}

func TestEVTXStaleDuplicateChunkIsNotDeliveredTwice(t *testing.T) {
	// A dirty file holding an old copy of chunk 1 after chunk 2.
	hdr, cs := chunks(t)
	path := filepath.Join(t.TempDir(), "dup.evtx")
	os.WriteFile(path, bytes.Join([][]byte{hdr, cs[0], cs[1], cs[2], cs[1]}, nil), 0o644)
	s := openOne(t, path, Options{}).(*evtxStream)
	g := readAll(t, s, 0)
	wantRange(t, g, firstID, lastID)
	if s.outOfOrder.Load() == 0 {
		t.Error("the stale records were not counted")
	}
}

func TestEVTXFollowGrowingFile(t *testing.T) {
	hdr, cs := chunks(t)
	path := filepath.Join(t.TempDir(), "growing.evtx")
	if err := os.WriteFile(path, append(append([]byte(nil), hdr...), cs[0]...), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openOne(t, path, Options{Follow: true, Poll: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := make(chan []uint64)
	done := make(chan error, 1)
	go func() {
		done <- s.Read(ctx, 31900, func(b source.Batch) error {
			checkBatch(t, b)
			select {
			case batches <- append([]uint64(nil), b.Pos...):
			case <-ctx.Done():
			}
			return nil
		})
	}()
	next := uint64(31901)
	expect := func(upTo uint64) {
		t.Helper()
		for next <= upTo {
			select {
			case pos := <-batches:
				for _, p := range pos {
					if p != next {
						t.Fatalf("position %d, want %d", p, next)
					}
					next++
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("no record %d within 10 s", next)
			}
		}
	}
	expect(31955)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(cs[1])
	f.Write(cs[2])
	f.Close()
	expect(lastID)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("followed Read ended with %v, want context.Canceled", err)
	}
}

func TestEmitErrorIsReturnedUnchanged(t *testing.T) {
	stop := errors.New("rewind")
	for _, path := range []string{fixture, "testdata/concatenated.xml"} {
		s := openOne(t, path, Options{BatchSize: 1})
		n := 0
		err := s.Read(context.Background(), 0, func(source.Batch) error { n++; return stop })
		if err != stop || n != 1 {
			t.Errorf("%s: Read = %v after %d batches, want the emit error itself after 1", path, err, n)
		}
	}
}

const xmlEvent = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="P"/><EventID>%d</EventID><TimeCreated SystemTime="2026-01-05T08:00:00.0000000Z"/><EventRecordID>%d</EventRecordID><Channel>Security</Channel><Computer>H</Computer></System><EventData><Data Name="A">x</Data></EventData></Event>`

func TestXMLOrdinals(t *testing.T) {
	s := openOne(t, "testdata/concatenated.xml", Options{BatchSize: 2})
	g := readAll(t, s, 0)
	// The file holds three events with record IDs 58300, 58301, 125735.
	if len(g.pos) != 3 || g.pos[0] != 1 || g.pos[1] != 2 || g.pos[2] != 3 {
		t.Fatalf("positions %v, want [1 2 3]", g.pos)
	}
	if g.ids[0] != 58300 || g.ids[1] != 58301 || g.ids[2] != 125735 {
		t.Errorf("record ids %v", g.ids)
	}
	g = readAll(t, s, 1)
	if len(g.pos) != 2 || g.pos[0] != 2 || g.ids[0] != 58301 {
		t.Errorf("after 1: positions %v ids %v", g.pos, g.ids)
	}

	// A malformed element takes an ordinal, so later events keep theirs.
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(xmlEvent, "%d", "1"), "", ""))
	b.WriteString(`<Event><System><EventID>oops</EventID></System></Event>`)
	b.WriteString(strings.ReplaceAll(xmlEvent, "%d", "3"))
	path := filepath.Join(t.TempDir(), "broken.xml")
	os.WriteFile(path, []byte(b.String()), 0o644)
	var logged strings.Builder
	s = openOne(t, path, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	g = readAll(t, s, 0)
	if !strings.Contains(logged.String(), "damaged input skipped") || !strings.Contains(logged.String(), "problems=1") {
		t.Errorf("the skipped element was not logged: %q", logged.String())
	}
	if len(g.pos) != 2 || g.pos[0] != 1 || g.pos[1] != 3 || g.through[len(g.through)-1] != 3 {
		t.Fatalf("positions %v through %v, want [1 3] through 3", g.pos, g.through)
	}
	if s.(*xmlStream).problems.Load() != 1 {
		t.Errorf("problems = %d, want 1", s.(*xmlStream).problems.Load())
	}
	// Reading after the broken element's ordinal yields only the last event.
	if g = readAll(t, s, 2); len(g.pos) != 1 || g.pos[0] != 3 {
		t.Errorf("after 2: %v", g.pos)
	}
	if _, err := Open(path, Options{Follow: true}); err == nil {
		t.Error("following an XML file was accepted")
	}
}

func TestStdinPositionsNeverRepeatAcrossRuns(t *testing.T) {
	in, _ := os.ReadFile("testdata/concatenated.xml")
	clock := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s := openOne(t, "-", Options{Stdin: bytes.NewReader(in), Now: func() time.Time { return clock }})
	if _, ok := s.(source.Once); !ok || s.Name() != StdinName {
		t.Fatalf("stdin stream %q is not source.Once", s.Name())
	}
	base := uint64(clock.UnixNano())
	g := readAll(t, s, 5)
	if len(g.pos) != 3 || g.pos[0] != base+1 || g.pos[2] != base+3 {
		t.Fatalf("positions %v, want %d+1..3", g.pos, base)
	}
	if g2 := readAll(t, s, 0); len(g2.pos) != 0 {
		t.Errorf("second read of stdin gave %d events", len(g2.pos))
	}
	// A next run whose stored position is ahead of the clock continues above it.
	s = openOne(t, "-", Options{Stdin: bytes.NewReader(in), Now: func() time.Time { return clock.Add(-time.Hour) }})
	if g3 := readAll(t, s, g.pos[2]); g3.pos[0] != g.pos[2]+1 {
		t.Errorf("next run starts at %d, want %d", g3.pos[0], g.pos[2]+1)
	}
}

func TestOpenFolder(t *testing.T) {
	dir := t.TempDir()
	in, _ := os.ReadFile(fixture)
	os.WriteFile(filepath.Join(dir, "b.evtx"), in, 0o644)
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	x, _ := os.ReadFile("testdata/concatenated.xml")
	os.WriteFile(filepath.Join(dir, "sub", "a.xml"), x, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o644)
	ss, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || !strings.HasSuffix(ss[0].Name(), "b.evtx") || !strings.HasPrefix(ss[1].Name(), "xml:") {
		names := []string{}
		for _, s := range ss {
			names = append(names, s.Name())
		}
		t.Fatalf("streams %v", names)
	}
	if _, err := Open(filepath.Join(dir, "notes.txt"), Options{}); err == nil {
		t.Error("a text file was accepted")
	}
}

func TestStreamNameBound(t *testing.T) {
	long := "/" + strings.Repeat("very-long-folder/", 20) + "Security.evtx"
	a, b := streamName("evtx:", long), streamName("evtx:", long+"x")
	if len(a) > maxNameBytes || !strings.HasPrefix(a, "evtx:...") || !strings.Contains(a, "Security.evtx#") || a == b {
		t.Errorf("names %q and %q", a, b)
	}
	if n := streamName("evtx:", "/a/b.evtx"); n != "evtx:/a/b.evtx" {
		t.Errorf("short name %q", n)
	}
}

// mergedFixture is the first chunk of a log exported from a collector of
// five computers' Security events (README.md): 25 records numbered 1-25 in
// the file, whose EventRecordIDs are their computers' and go down four
// times (9796981… then 9147763…).
const mergedFixture = "testdata/merged-4799.evtx"

// TestEVTXMergedFromSeveralComputers: a file's positions are where the
// reader is in the file (the record numbers of the file's own record
// headers), not the events' EventRecordIDs, which belong to the computers
// that wrote them. Before, every event whose EventRecordID was not above
// the previous one was skipped as "out of order": 10 of these 25 (and of
// the corpus file's 55) were delivered.
func TestEVTXMergedFromSeveralComputers(t *testing.T) {
	check := func(t *testing.T, path string, n int) {
		s := openOne(t, path, Options{Workers: 2}).(*evtxStream)
		g := readAll(t, s, 0)
		if len(g.pos) != n || s.outOfOrder.Load() != 0 {
			t.Fatalf("read %d events (%d skipped as out of order), want all %d", len(g.pos), s.outOfOrder.Load(), n)
		}
		descents := 0
		for i := range g.pos {
			if g.pos[i] != uint64(i+1) {
				t.Fatalf("event %d at position %d, want its record number %d in the file", i, g.pos[i], i+1)
			}
			if i > 0 && g.ids[i] <= g.ids[i-1] {
				descents++
			}
		}
		if descents == 0 {
			t.Fatalf("the EventRecordIDs of %s never go down: it does not exercise merged logs", path)
		}
		// Resuming in the middle yields the rest, whatever their EventRecordIDs.
		if rest := readAll(t, s, 7); len(rest.pos) != n-7 || rest.pos[0] != 8 || rest.ids[0] != g.ids[7] {
			t.Errorf("after position 7: %d events from position %v, want %d from 8", len(rest.pos), rest.pos[:min(1, len(rest.pos))], n-7)
		}
	}
	t.Run("fixture", func(t *testing.T) { check(t, mergedFixture, 25) })
	t.Run("corpus", func(t *testing.T) {
		dir := corpustest.Dir(t, "evtx", "hayabusa-sample-evtx", "EVTX-to-MITRE-Attack", "TA0007-Discovery", "T1069-Permission Groups Discovery")
		check(t, filepath.Join(dir, "ID4799-4624-Local admin group enumerated by SharpHound.evtx"), 55)
	})
}
