package evtx

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
)

// TestRustSnapshots compares single records with the renderings the Rust
// evtx crate publishes as test snapshots (expected/snapshots/*.snap):
// XML snapshots field by field in document order, JSON ones by name.
// They cover what evtxexport cannot read (entity references in attribute
// values, nested UserData) and size_t values.
func TestRustSnapshots(t *testing.T) {
	snaps := corpustest.Dir(t, "evtx", "omerbenamram-evtx", "expected", "snapshots")
	samples := corpustest.Dir(t, "evtx", "omerbenamram-evtx", "samples")
	capi2 := filepath.Join("testdata", "capi2-chunk0-nested-userdata.evtx")
	cases := []struct {
		snap, file string
		id         uint64
	}{
		{"test_record_samples__event_xml_sample_with_user_data.snap", capi2, 1},
		{"test_record_samples__event_xml_sample_with_entity_ref.snap", capi2, 28},
		{"test_record_samples__event_xml_sample_with_entity_ref_2.snap", capi2, 25},
		{"test_record_samples__event_xml_sample_with_string_with_trailing_spaces.snap", filepath.Join(samples, "security.evtx"), 2260},
		{"test_record_samples__event_json_with_size_t.snap", filepath.Join(samples, "Security_with_size_t.evtx"), 196},
		{"test_record_samples__event_json_multiple_empty_data_nodes_not_ignored.snap", filepath.Join(samples, "MSExchange_Management_wec.evtx"), 3229},
	}
	for _, c := range cases {
		t.Run(c.snap, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(snaps, c.snap))
			if err != nil {
				t.Fatal(err)
			}
			evs, _, _ := readAll(t, c.file)
			var got *event.Event
			for _, e := range evs {
				if e.System.EventRecordID == c.id {
					got = e
				}
			}
			if got == nil {
				t.Fatalf("record %d not read from %s", c.id, c.file)
			}
			body := raw[bytes.Index(raw, []byte("\n---\n"))+5:]
			if strings.Contains(c.snap, "_xml_") {
				compareXMLSnapshot(t, got, body)
			} else {
				for _, d := range compareSigma(got, readSnapJSON(t, body)) {
					t.Error(d)
				}
			}
		})
	}
}

func readSnapJSON(t *testing.T, body []byte) jnode {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "snap.json")
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	evs := readSigmaJSON(t, p)
	if len(evs) != 1 {
		t.Fatalf("snapshot holds %d events", len(evs))
	}
	// Older snapshots put attributes beside the element as
	// "<Name>_attributes" and keep the element's value as text.
	return jnode{fixAttributes(evs[0].v)}
}

// fixAttributes rewrites {"X_attributes": {...}, "X": v} as
// {"X": {"#attributes": {...}, "#text": v}}.
func fixAttributes(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, x := range m {
		if base, ok := strings.CutSuffix(k, "_attributes"); ok {
			node, _ := out[base].(map[string]any)
			if node == nil {
				node = map[string]any{}
				if prev, ok := m[base]; ok && prev != nil {
					node["#text"] = prev
				}
				out[base] = node
			}
			node["#attributes"] = x
			continue
		}
		if _, done := out[k]; done {
			continue
		}
		out[k] = fixAttributes(x)
	}
	return out
}

// xnode is a generic XML element.
type xnode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []xnode    `xml:",any"`
}

func (n *xnode) child(name string) *xnode {
	for i := range n.Kids {
		if n.Kids[i].XMLName.Local == name {
			return &n.Kids[i]
		}
	}
	return &xnode{}
}

func (n *xnode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func compareXMLSnapshot(t *testing.T, got *event.Event, body []byte) {
	var root xnode
	if err := xml.Unmarshal(body, &root); err != nil {
		t.Fatal(err)
	}
	sys := root.child("System")
	check := func(field, g, w string) {
		t.Helper()
		if g != w {
			t.Errorf("%s %q, snapshot %q", field, g, w)
		}
	}
	check("Provider", got.System.Provider, sys.child("Provider").attr("Name"))
	check("EventID", strconv.Itoa(int(got.System.EventID)), sys.child("EventID").Text)
	check("EventRecordID", strconv.FormatUint(got.System.EventRecordID, 10), sys.child("EventRecordID").Text)
	check("Computer", got.System.Computer, sys.child("Computer").Text)
	check("UserID", got.System.UserID, sys.child("Security").attr("UserID"))
	check("Keywords", event.FormatKeywords(got.System.Keywords), sys.child("Keywords").Text)
	var want []event.Field
	if ed := root.child("EventData"); ed.XMLName.Local != "" {
		for _, d := range ed.Kids {
			want = append(want, event.Field{Name: d.attr("Name"), Value: d.Text})
		}
	} else {
		w := &root.child("UserData").Kids[0]
		check("UserDataName", got.UserDataName, w.XMLName.Local)
		want = flattenXML(w, "", true)
	}
	if len(got.Data) != len(want) {
		t.Fatalf("%d fields, snapshot %d:\n got %v\nwant %v", len(got.Data), len(want), got.Data, want)
	}
	for i := range want {
		if got.Data[i].Name != want[i].Name || normGUID(got.Data[i].Value) != normGUID(want[i].Value) {
			t.Errorf("field %d: %q=%q, snapshot %q=%q", i, got.Data[i].Name, got.Data[i].Value, want[i].Name, want[i].Value)
		}
	}
}

// flattenXML applies the package's UserData naming to a parsed element.
// The snapshots' pretty-printing puts whitespace inside empty elements,
// which is dropped.
func flattenXML(n *xnode, path string, wrapper bool) []event.Field {
	var out []event.Field
	for _, a := range n.Attrs {
		if a.Name.Local == "xmlns" || a.Name.Space == "xmlns" {
			continue
		}
		name := "@" + a.Name.Local
		if !wrapper {
			name = path + "/" + name
		}
		out = append(out, event.Field{Name: name, Value: a.Value})
	}
	if !wrapper && len(n.Kids) == 0 {
		text := n.Text
		if strings.TrimSpace(text) == "" {
			text = ""
		}
		if len(n.Attrs) == 0 || text != "" {
			out = append(out, event.Field{Name: path, Value: text})
		}
		return out
	}
	for i := range n.Kids {
		k := &n.Kids[i]
		p := k.XMLName.Local
		if !wrapper {
			p = path + "/" + p
		}
		out = append(out, flattenXML(k, p, false)...)
	}
	return out
}
