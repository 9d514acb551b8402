package evtx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/corpustest"
	"wsec/internal/event"
)

// TestSigmaRegression compares every event of the Sigma regression corpus
// with the JSON its maintainers generated with evtx_dump (the Rust evtx
// crate): all System fields and every EventData/UserData value.
//
// That JSON differs from Windows' rendering in ways normalised here:
// GUIDs lose their braces, TimeCreated is cut to microseconds, numeric
// values are JSON numbers, and string values are trimmed.
func TestSigmaRegression(t *testing.T) {
	root := corpustest.Dir(t, "sigma-regression", "regression_data")
	var pairs [][2]string
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() || !strings.HasSuffix(p, ".evtx") {
			return err
		}
		js := strings.TrimSuffix(p, ".evtx") + ".json"
		if _, err := os.Stat(js); err == nil {
			pairs = append(pairs, [2]string{p, js})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) < 200 {
		t.Fatalf("found only %d EVTX/JSON pairs under %s", len(pairs), root)
	}
	var events, fields int
	for _, pr := range pairs {
		rel, _ := filepath.Rel(root, pr[0])
		t.Run(rel, func(t *testing.T) {
			want := readSigmaJSON(t, pr[1])
			got, probs, _ := readAll(t, pr[0])
			for _, p := range probs {
				t.Errorf("problem: %v", p)
			}
			if len(got) != len(want) {
				t.Errorf("%d events, JSON has %d", len(got), len(want))
			}
			byID := map[uint64]*event.Event{}
			for _, e := range got {
				byID[e.System.EventRecordID] = e
			}
			for _, w := range want {
				id, _ := strconv.ParseUint(jsonScalar(w.path("System", "EventRecordID")), 10, 64)
				g := byID[id]
				if g == nil {
					t.Errorf("record %d of the JSON not read", id)
					continue
				}
				events++
				for _, d := range compareSigma(g, w) {
					if d.field != "" && evtxexportAgrees(t, pr[0], id, d.field, d.got) {
						// The JSON was generated (or edited) apart from the
						// EVTX; libevtx reads the EVTX as we do.
						t.Logf("record %d: %s (evtxexport agrees with us)", id, d)
						continue
					}
					t.Errorf("record %d: %s", id, d)
				}
				fields += len(g.Data)
			}
		})
	}
	t.Logf("compared %d files, %d events, %d payload fields", len(pairs), events, fields)
}

// jnode is a decoded evtx_dump JSON value.
type jnode struct{ v any }

func (n jnode) path(keys ...string) jnode {
	cur := n.v
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return jnode{}
		}
		cur = m[k]
	}
	return jnode{cur}
}

func (n jnode) attr(name string) string { return jsonScalar(n.path("#attributes", name)) }

// text is an element's value: the scalar itself or its "#text".
func (n jnode) text() string {
	if m, ok := n.v.(map[string]any); ok {
		return jsonScalar(jnode{m["#text"]})
	}
	return jsonScalar(n)
}

func jsonScalar(n jnode) string {
	switch v := n.v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(n.v)
	return string(b)
}

func readSigmaJSON(t *testing.T, path string) []jnode {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []jnode
	for {
		var v map[string]any
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, jnode{v["Event"]})
	}
}

type sigmaDiff struct {
	msg   string
	field string // payload field name, "" for other differences
	got   string
}

func (d sigmaDiff) String() string { return d.msg }

// evtxexportAgrees reports whether evtxexport renders payload field name of
// record id with our value.
func evtxexportAgrees(t *testing.T, path string, id uint64, name, got string) bool {
	bin, err := exec.LookPath("evtxexport")
	if err != nil {
		return false
	}
	for _, e := range runEvtxexport(t, bin, path).events {
		if e.System.EventRecordID != strconv.FormatUint(id, 10) || e.EventData == nil {
			continue
		}
		for _, d := range e.EventData.Data {
			if d.Name == name && sameValue(got, d.Value) {
				return true
			}
		}
	}
	return false
}

func compareSigma(g *event.Event, w jnode) []sigmaDiff {
	var diffs []sigmaDiff
	check := func(field, got, want string) {
		if normSigma(got) != normSigma(want) {
			d := sigmaDiff{msg: fmt.Sprintf("%s %q, JSON %q", field, clip(got), clip(want)), got: got}
			if name, ok := strings.CutPrefix(field, "field "); ok {
				d.field = name
			}
			diffs = append(diffs, d)
		}
	}
	s := &g.System
	sys := w.path("System")
	check("Provider", s.Provider, sys.path("Provider").attr("Name"))
	check("ProviderGuid", s.ProviderGUID, sys.path("Provider").attr("Guid"))
	check("EventSourceName", s.EventSource, sys.path("Provider").attr("EventSourceName"))
	check("EventID", strconv.Itoa(int(s.EventID)), sys.path("EventID").text())
	if q := sys.path("EventID").attr("Qualifiers"); q != "" || s.HasQualifiers {
		check("Qualifiers", strconv.Itoa(int(s.Qualifiers)), q)
	}
	for _, f := range []struct {
		name string
		v    uint64
	}{{"Version", uint64(s.Version)}, {"Level", uint64(s.Level)}, {"Task", uint64(s.Task)}, {"Opcode", uint64(s.Opcode)}} {
		if want := sys.path(f.name).text(); want != "" || f.v != 0 {
			check(f.name, strconv.FormatUint(f.v, 10), want)
		}
	}
	check("Keywords", event.FormatKeywords(s.Keywords), sys.path("Keywords").text())
	wt, err := time.Parse(time.RFC3339Nano, sys.path("TimeCreated").attr("SystemTime"))
	if err != nil || !(wt.Equal(s.TimeCreated) || wt.Equal(s.TimeCreated.Truncate(time.Microsecond))) {
		check("TimeCreated", s.TimeCreated.Format(event.TimeLayout), sys.path("TimeCreated").attr("SystemTime"))
	}
	check("ActivityID", s.ActivityID, sys.path("Correlation").attr("ActivityID"))
	check("RelatedActivityID", s.RelatedActivityID, sys.path("Correlation").attr("RelatedActivityID"))
	if sys.path("Execution").v != nil || s.ProcessID != 0 || s.ThreadID != 0 {
		check("ProcessID", strconv.FormatUint(uint64(s.ProcessID), 10), sys.path("Execution").attr("ProcessID"))
		check("ThreadID", strconv.FormatUint(uint64(s.ThreadID), 10), sys.path("Execution").attr("ThreadID"))
	}
	check("Channel", s.Channel, sys.path("Channel").text())
	check("Computer", s.Computer, sys.path("Computer").text())
	check("UserID", s.UserID, sys.path("Security").attr("UserID"))

	var want []event.Field
	switch {
	case w.path("EventData").v != nil:
		if g.Section != event.SectionEventData {
			diffs = append(diffs, sigmaDiff{msg: fmt.Sprintf("section %v, JSON has EventData", g.Section)})
		}
		want = sigmaFields(w.path("EventData"), "")
	case w.path("UserData").v != nil:
		if g.Section != event.SectionUserData {
			diffs = append(diffs, sigmaDiff{msg: fmt.Sprintf("section %v, JSON has UserData", g.Section)})
		}
		m, _ := w.path("UserData").v.(map[string]any)
		for name, inner := range m {
			check("UserDataName", g.UserDataName, name)
			check("UserDataNS", g.UserDataNS, jnode{inner}.attr("xmlns"))
			want = sigmaFields(jnode{inner}, "")
		}
	}
	got := g.Data
	if g.Binary != "" {
		got = append(append([]event.Field(nil), got...), event.Field{Name: "Binary", Value: g.Binary})
	}
	if len(got) != len(want) {
		return append(diffs, sigmaDiff{msg: fmt.Sprintf("%d payload fields %v, JSON %d %v", len(got), got, len(want), want)})
	}
	// JSON objects lose their key order: compare as multisets by name.
	left := map[string][]string{}
	for _, f := range got {
		left[f.Name] = append(left[f.Name], f.Value)
	}
	for _, f := range want {
		vs := left[f.Name]
		if len(vs) == 0 {
			diffs = append(diffs, sigmaDiff{msg: fmt.Sprintf("field %q missing", f.Name)})
			continue
		}
		check("field "+f.Name, vs[0], f.Value)
		left[f.Name] = vs[1:]
	}
	return diffs
}

// sigmaFields flattens an evtx_dump payload object the way this package
// names fields: "Data" arrays of unnamed values become "" fields, nested
// objects become "a/b" paths and attributes "a/@n".
func sigmaFields(n jnode, prefix string) []event.Field {
	m, ok := n.v.(map[string]any)
	if !ok {
		return nil
	}
	var out []event.Field
	for k, v := range m {
		if k == "#attributes" {
			if prefix == "" {
				continue // the wrapper's xmlns
			}
			for an, av := range v.(map[string]any) {
				out = append(out, event.Field{Name: prefix + "/@" + an, Value: jsonScalar(jnode{av})})
			}
			continue
		}
		name := prefix + k
		if prefix == "" && k == "Data" {
			name = "" // unnamed <Data> elements
		}
		switch vv := v.(type) {
		case map[string]any:
			if t, ok := vv["#text"]; ok {
				for _, x := range asList(t) {
					out = append(out, event.Field{Name: name, Value: jsonScalar(jnode{x})})
				}
				continue
			}
			out = append(out, sigmaFields(jnode{vv}, name+"/")...)
		case []any:
			for _, x := range vv {
				out = append(out, event.Field{Name: name, Value: jsonScalar(jnode{x})})
			}
		default:
			out = append(out, event.Field{Name: name, Value: jsonScalar(jnode{v})})
		}
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// normSigma undoes evtx_dump's JSON conventions: GUID braces dropped (and
// their case varies), strings trimmed.
func normSigma(s string) string { return normGUID(strings.TrimSpace(s)) }

// normGUID drops a GUID's braces and case.
func normGUID(s string) string {
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' {
		return strings.ToUpper(s)
	}
	return s
}
