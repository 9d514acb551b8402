package ship

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"wsec/internal/bookmark"
)

func TestStateRoundTrip(t *testing.T) {
	f := func(st state) {
		t.Helper()
		got, err := unmarshalState(st.marshal())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(st) {
			t.Fatalf("round trip: %+v, want %+v", got, st)
		}
	}
	f(state{})
	f(state{inflightFirst: 1771000000000001, inflightLast: 1771000000004000})
	f(state{positions: []bookmark.Position{{Channel: "Microsoft-Windows-AppLocker/EXE and DLL", RecordID: 12}, {Channel: "Security", RecordID: 1938471}}})
	for _, bad := range [][]byte{{2}, {1, 5, 3, 0}, {1, 0, 0, 1, 200}, append(state{}.marshal(), 0)} {
		if _, err := unmarshalState(bad); err == nil {
			t.Fatalf("unmarshalState(%x) accepted", bad)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	e := newTestSource(1).item(0).Event
	framed := e.AppendFramed(nil)
	rec := appendRecord(nil, bookmark.Position{Channel: "Security", RecordID: 42}, nil)
	rec = append(rec, framed...)
	ch, id, got, err := parseRecord(rec)
	if err != nil || string(ch) != "Security" || id != 42 || !bytes.Equal(got, framed) {
		t.Fatalf("parseRecord = %q %d %v %v", ch, id, len(got), err)
	}
	for _, bad := range [][]byte{nil, {0}, {0, 0}, {0, 0, 5, 1}, rec[:len(rec)-1], append(rec, 0)} {
		if _, _, _, err := parseRecord(bad); err == nil {
			t.Fatalf("parseRecord(%x) accepted", bad)
		}
	}
}

func decodeSeeds() [][]byte {
	e := newTestSource(1).item(0).Event
	rec := appendRecord(nil, bookmark.Position{Channel: "Security", RecordID: 42}, nil)
	rec = e.AppendFramed(rec)
	st := state{inflightFirst: 5, inflightLast: 9, positions: []bookmark.Position{{Channel: "Security", RecordID: 7}}}.marshal()
	return [][]byte{rec, st, {}, {1}, {0, 0, 1, 0}}
}

// FuzzShipDecode feeds the two formats ship reads back from the spool (a
// record's envelope and the stored state): no panic, and what decodes
// re-encodes to the same bytes.
func FuzzShipDecode(f *testing.F) {
	for _, s := range decodeSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if ch, id, framed, err := parseRecord(b); err == nil {
			re := appendRecord(nil, bookmark.Position{Channel: string(ch), RecordID: id}, nil)
			if !bytes.Equal(append(re, framed...), b) && canonicalUvarints(b) {
				t.Fatalf("record %x re-encodes as %x", b, append(re, framed...))
			}
		}
		if st, err := unmarshalState(b); err == nil && len(b) > 0 && canonicalUvarints(b) {
			if re := st.marshal(); !bytes.Equal(re, b) {
				t.Fatalf("state %x re-encodes as %x", b, re)
			}
		}
	})
}

// canonicalUvarints is false when b may hold a non-minimal varint (a
// continuation byte followed by 0x00: c8 00 decodes like 48), which a
// re-encoding cannot reproduce. It errs on the side of false.
func canonicalUvarints(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] >= 0x80 && b[i+1] == 0x00 {
			return false
		}
	}
	return true
}

// TestWriteFuzzSeeds writes the seeds to testdata/fuzz when
// WSEC_WRITE_FUZZ_SEEDS is set.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("WSEC_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set WSEC_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz/FuzzShipDecode/seed-*")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzShipDecode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range decodeSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
