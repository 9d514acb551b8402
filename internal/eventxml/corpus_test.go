package eventxml

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/testtool"
)

var corpusFull = flag.Bool("corpus.full", false, "run the corpus cross-checks on every EVTX file, not a sample")

// corpusEVTX lists the corpus EVTX files under elem, sorted; without
// -corpus.full only every step-th one.
func corpusEVTX(t *testing.T, step int, elem ...string) []string {
	t.Helper()
	root := corpustest.Dir(t, elem...)
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".evtx") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if *corpusFull || step <= 1 {
		return files
	}
	var sample []string
	for i := 0; i < len(files); i += step {
		sample = append(sample, files[i])
	}
	return sample
}

// render runs a reference EVTX tool (testtool.Need: skip, or fail in CI, when it is absent).
// It returns what the tool printed even when it failed part way (damaged
// corpus files), and ok=false when it printed nothing usable.
func render(t *testing.T, tool testtool.Tool, args ...string) ([]byte, bool) {
	t.Helper()
	bin := testtool.Need(t, tool)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, args...).Output()
	if tool == testtool.Evtxexport {
		out = stripEvtxexportHeader(out)
	}
	return out, bytes.Contains(out, []byte("<Event"))
}

// stripEvtxexportHeader drops evtxexport's "evtxexport 20181227" banner.
func stripEvtxexportHeader(b []byte) []byte {
	if bytes.HasPrefix(b, []byte("evtxexport ")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[i+1:]
		}
	}
	return b
}

// TestCorpusEvtxexport reads evtxexport's rendering of corpus files: every
// event evtxexport printed must come out, without error, and equal what
// encoding/xml-based stdParse makes of the same bytes (up to line-end
// normalisation, which encoding/xml does and this package does not).
func TestCorpusEvtxexport(t *testing.T) {
	files := corpusEVTX(t, 6, "evtx")
	total, compared := 0, 0
	for _, f := range files {
		out, ok := render(t, testtool.Evtxexport, "-f", "xml", f)
		if !ok {
			continue
		}
		// evtxexport stops at a record it cannot decode and may leave that
		// record's XML unfinished; read only complete events.
		if i := bytes.LastIndex(out, []byte("</Event>")); i >= 0 {
			out = out[:i+len("</Event>")]
		}
		evs, errs := readAll(t, out, Options{})
		for _, err := range errs {
			t.Errorf("%s: %v", f, err)
		}
		if want := bytes.Count(out, []byte("<Event xmlns=")); len(evs) != want {
			t.Errorf("%s: %d events, evtxexport printed %d", f, len(evs), want)
		}
		total += len(evs)
		std, err := stdParse(out)
		if err != nil {
			// evtxexport does not escape every string value; encoding/xml
			// then refuses the file. Ours reads it (checked above).
			t.Logf("%s: encoding/xml: %v", filepath.Base(f), err)
			continue
		}
		if len(std) != len(evs) {
			t.Errorf("%s: encoding/xml read %d events, we read %d", f, len(std), len(evs))
			continue
		}
		for i := range evs {
			if d := eventDiff(normalizeCR(evs[i]), normalizeCR(std[i])); d != "" {
				t.Errorf("%s: event %d differs from encoding/xml:\n%s", f, i+1, d)
			}
			compared++
		}
	}
	t.Logf("%d files, %d events, %d compared with encoding/xml", len(files), total, compared)
	if total == 0 {
		t.Error("no events read from the corpus")
	}
}

// TestCorpusPythonEvtx checks a sample of corpus files rendered by both
// evtxexport and python-evtx (see TestFixturesTwoRenderers for why the two
// must agree once read).
func TestCorpusPythonEvtx(t *testing.T) {
	if testing.Short() {
		t.Skip("python-evtx is slow; skipped in -short")
	}
	files := corpusEVTX(t, 25, "evtx", "hayabusa-sample-evtx")
	compared := 0
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.Size() > 1<<20 && !*corpusFull {
			continue
		}
		ex, ok := render(t, testtool.Evtxexport, "-f", "xml", f)
		if !ok {
			continue
		}
		py, ok := render(t, testtool.EvtxDump, f)
		if !ok || !bytes.HasSuffix(bytes.TrimSpace(py), []byte("</Events>")) {
			continue // python-evtx failed on this file
		}
		exEvs, errs := readAll(t, ex, Options{})
		pyEvs, errs2 := readAll(t, py, Options{})
		for _, err := range append(errs, errs2...) {
			t.Errorf("%s: %v", f, err)
		}
		if len(exEvs) != len(pyEvs) {
			t.Logf("%s: evtxexport %d events, python-evtx %d; comparing by record ID", filepath.Base(f), len(exEvs), len(pyEvs))
		}
		// Some corpus files hold several channels, whose record IDs repeat.
		type key struct {
			channel string
			rec     uint64
		}
		byRec := map[key]*event.Event{}
		for _, e := range pyEvs {
			byRec[key{e.System.Channel, e.System.EventRecordID}] = e
		}
		for _, e := range exEvs {
			p, ok := byRec[key{e.System.Channel, e.System.EventRecordID}]
			if !ok {
				continue
			}
			if d := compareRenderings(e, p); d != "" {
				t.Errorf("%s: record %d:\n%s", filepath.Base(f), e.System.EventRecordID, d)
			}
			compared++
		}
	}
	t.Logf("%d files, %d events compared", len(files), compared)
	if compared == 0 {
		t.Error("nothing compared")
	}
}

// TestCorpusSigmaJSON compares our reading of evtxexport's XML with the
// JSON that a third decoder (the Rust evtx crate, via Sigma's regression
// data) made of the same EVTX files: record ID, event ID, time, channel,
// computer, and every EventData value.
func TestCorpusSigmaJSON(t *testing.T) {
	files := corpusEVTX(t, 1, "sigma-regression", "regression_data")
	compared := 0
	for _, f := range files {
		js, err := os.ReadFile(strings.TrimSuffix(f, ".evtx") + ".json")
		if err != nil {
			continue
		}
		out, ok := render(t, testtool.Evtxexport, "-f", "xml", f)
		if !ok {
			continue
		}
		evs, errs := readAll(t, out, Options{})
		for _, err := range errs {
			t.Errorf("%s: %v", f, err)
		}
		byRec := map[uint64]*event.Event{}
		for _, e := range evs {
			byRec[e.System.EventRecordID] = e
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.UseNumber()
		for {
			var doc struct{ Event rustEvent }
			if err := dec.Decode(&doc); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			want := doc.Event
			rec, _ := want.System.EventRecordID.Int64()
			got, ok := byRec[uint64(rec)]
			if !ok {
				t.Errorf("%s: record %d not read", filepath.Base(f), rec)
				continue
			}
			if d := want.diff(got); d != "" {
				t.Errorf("%s: record %d:\n%s", filepath.Base(f), rec, d)
			}
			compared++
		}
	}
	t.Logf("%d files, %d events compared", len(files), compared)
	if compared == 0 {
		t.Error("nothing compared")
	}
}

// rustEvent is the part of the evtx crate's JSON that is compared.
type rustEvent struct {
	System struct {
		EventID       json.RawMessage
		EventRecordID json.Number
		Channel       string
		Computer      string
		TimeCreated   struct {
			Attributes struct{ SystemTime string } `json:"#attributes"`
		}
	}
	EventData map[string]json.RawMessage
}

func (w *rustEvent) diff(got *event.Event) string {
	var d []string
	var id json.Number
	if err := json.Unmarshal(w.System.EventID, &id); err != nil {
		var obj struct {
			Text json.Number `json:"#text"`
		}
		_ = json.Unmarshal(w.System.EventID, &obj)
		id = obj.Text
	}
	if id.String() != fmt.Sprint(got.System.EventID) {
		d = append(d, fmt.Sprintf("EventID %s vs %d", id, got.System.EventID))
	}
	if w.System.Channel != got.System.Channel || w.System.Computer != got.System.Computer {
		d = append(d, fmt.Sprintf("Channel/Computer %q %q vs %q %q", w.System.Channel, w.System.Computer,
			got.System.Channel, got.System.Computer))
	}
	if wt, err := time.Parse(time.RFC3339Nano, w.System.TimeCreated.Attributes.SystemTime); err != nil {
		d = append(d, fmt.Sprintf("bad JSON time %q", w.System.TimeCreated.Attributes.SystemTime))
	} else if dt := got.System.TimeCreated.Sub(wt); dt < 0 || dt >= time.Microsecond {
		d = append(d, fmt.Sprintf("TimeCreated %s vs %s", got.System.TimeCreated, wt)) // JSON has whole µs
	}
	for name, raw := range w.EventData {
		if name == "#attributes" || name == "Data" || name == "Binary" {
			continue // classic events: an array or text in the JSON
		}
		if knownJSONDisagreement(fmt.Sprintf("%d/%s", got.System.EventRecordID, name)) {
			continue
		}
		v, ok := got.Get(name)
		if !ok {
			d = append(d, fmt.Sprintf("field %s missing", name))
			continue
		}
		if !sameJSONValue(raw, v) {
			d = append(d, fmt.Sprintf("field %s: %q vs JSON %s", name, v, raw))
		}
	}
	return strings.Join(d, "\n")
}

// knownJSONDisagreement lists values ("record/field") where the Sigma JSON
// disagrees with both evtxexport and python-evtx, i.e. the JSON is wrong.
func knownJSONDisagreement(key string) bool {
	switch key {
	case "23419552/ParentCommandLine":
		// proc_creation_win_susp_right_to_left_override: the JSON says
		// "Explorer.exe"; the EVTX (both other decoders) says "Explorer.EXE".
		return true
	}
	return false
}

// sameJSONValue compares an XML value with the JSON one. Strings compare
// exactly, except for what the evtx crate renders differently from
// evtxexport: it trims trailing whitespace, writes GUIDs without braces and
// hex integers without leading zeros. null is "", numbers and booleans
// compare by their text (typed integers become JSON numbers, which
// evtxexport prints in decimal).
func sameJSONValue(raw json.RawMessage, v string) bool {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch {
		case s == v, s == strings.TrimRight(v, " \t\r\n"):
			return true
		case isGUID(v):
			return strings.EqualFold(s, v[1:len(v)-1])
		case strings.HasPrefix(s, "0x") && strings.HasPrefix(v, "0x"):
			a, err1 := parseUint([]byte(s), 64)
			b, err2 := parseUint([]byte(v), 64)
			return err1 == nil && err2 == nil && a == b
		}
		return false
	}
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "null":
		return v == ""
	case t == "true" || t == "false":
		return strings.EqualFold(t, v)
	}
	if n, err := parseUint([]byte(v), 64); err == nil {
		return fmt.Sprint(n) == t
	}
	return t == v
}
