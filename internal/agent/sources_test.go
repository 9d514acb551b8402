package agent

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/evtx"
)

const (
	evtxFixture = "../source/file/testdata/security-3chunks.evtx" // Security records 31878-32109
	xmlFixture  = "../source/file/testdata/concatenated.xml"      // Security 58300, 58301; Application 125735
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestFileSourcesAndLocalEndpoint reads an EVTX file and event XML on
// standard input into a workspace whose set (All) admits the Security
// events and not the Application one, and checks the status and metrics
// endpoint while the agent runs.
func TestFileSourcesAndLocalEndpoint(t *testing.T) {
	w := newFakeWorkspace(t)
	in, err := os.ReadFile(xmlFixture)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	c := &Config{
		AgentID: "agent-files", DataDir: t.TempDir(),
		Sources:        []SourceConfig{{Kind: KindEVTX, Path: evtxFixture}, {Kind: KindXML, Path: "-"}},
		Destinations:   []DestinationConfig{destTo("w", w, "All")},
		FlushInterval:  Duration(50 * time.Millisecond),
		StatusInterval: Duration(50 * time.Millisecond),
		Listen:         addr,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Config: c, Logger: testLogger(t), Stdin: bytes.NewReader(in)}) }()
	w.waitCount(t, 232+2, time.Minute)

	want := expected{}
	for id := uint64(31878); id <= 32109; id++ {
		want.add("Security", id)
	}
	want.add("Security", 58300)
	want.add("Security", 58301)

	code, body := get(t, "http://"+addr+"/healthz")
	if code != http.StatusOK {
		t.Errorf("healthz: %d %s", code, body)
	}
	code, body = get(t, "http://"+addr+"/metrics")
	for _, m := range []string{`wsec_agent_events_read_total{stream="xml:-"} 3`, "wsec_ship_", "wsec_spool_"} {
		if code != http.StatusOK || !strings.Contains(body, m) {
			t.Errorf("metrics lack %q (HTTP %d)", m, code)
		}
	}
	st, err := FetchStatus(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Streams) != 2 || st.Streams[0].Events != 232 || st.Streams[0].Position != 32109 || st.Streams[1].Events != 3 {
		t.Errorf("streams %+v", st.Streams)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.check(t, "workspace", want)

	// Restarted on the same file, with new input on standard input: the
	// file is not sent again; the new input is (its positions continue).
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() {
		done <- Run(ctx, Options{Config: c, Logger: testLogger(t), Stdin: bytes.NewReader(bytes.ReplaceAll(bytes.ReplaceAll(in, []byte("58300"), []byte("58302")), []byte("58301"), []byte("58303")))})
	}()
	w.waitCount(t, 232+4, time.Minute)
	want.add("Security", 58302)
	want.add("Security", 58303)
	waitStatus(t, c.DataDir, func(s Status) bool { return len(s.Streams) == 2 && s.Streams[1].Done && s.Streams[0].Done })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.check(t, "workspace after a restart", want)
}

// TestMergedEVTXShipsEveryEvent: an EVTX file of events from several
// computers, whose EventRecordIDs go up and down, is shipped whole (issue
// 9.1: the agent shipped 10 of the corpus file's 55 events, as of the
// fixture's 25). The expectation is every event the evtx reader finds in
// the file, as `wsec import` stores them.
func TestMergedEVTXShipsEveryEvent(t *testing.T) {
	run := func(t *testing.T, path string, n int) {
		want := expected{}
		f, err := evtx.Open(path, evtx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		computers := map[string]bool{}
		f.Events(context.Background(), func(e *event.Event) error {
			want.add(e.System.Channel, e.System.EventRecordID)
			computers[e.System.Computer] = true
			return nil
		})
		f.Close()
		if want.total() != n || len(computers) < 2 {
			t.Fatalf("%s holds %d distinct events of %d computers, want %d of several", path, want.total(), len(computers), n)
		}
		w := newFakeWorkspace(t)
		c := &Config{
			AgentID: "agent-merged", DataDir: t.TempDir(),
			Sources:          []SourceConfig{{Kind: KindEVTX, Path: path}},
			Destinations:     []DestinationConfig{destTo("w", w, "All")},
			ExitWhenDone:     true,
			FlushInterval:    Duration(50 * time.Millisecond),
			BookmarkInterval: Duration(50 * time.Millisecond),
		}
		if err := Run(context.Background(), Options{Config: c, Logger: testLogger(t)}); err != nil {
			t.Fatal(err)
		}
		w.check(t, "workspace", want)
	}
	t.Run("fixture", func(t *testing.T) { run(t, "../source/file/testdata/merged-4799.evtx", 25) })
	t.Run("corpus", func(t *testing.T) {
		dir := corpustest.Dir(t, "evtx", "hayabusa-sample-evtx", "EVTX-to-MITRE-Attack", "TA0007-Discovery", "T1069-Permission Groups Discovery")
		run(t, filepath.Join(dir, "ID4799-4624-Local admin group enumerated by SharpHound.evtx"), 55)
	})
}
