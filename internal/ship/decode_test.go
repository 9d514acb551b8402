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
	f(state{inflight: []span{{1771000000000001, 1771000000004000}}})
	f(state{inflight: []span{{5, 9}, {10, 10}, {11, 400}}, positions: []bookmark.Position{{Channel: "Security", RecordID: 7}}})
	f(state{positions: []bookmark.Position{{Channel: "Microsoft-Windows-AppLocker/EXE and DLL", RecordID: 12}, {Channel: "Security", RecordID: 1938471}}})
	// A version 1 state (one batch in flight) reads as that batch.
	if got, err := unmarshalState([]byte{1, 5, 9, 1, 8, 'S', 'e', 'c', 'u', 'r', 'i', 't', 'y', 7}); err != nil ||
		fmt.Sprint(got) != fmt.Sprint(state{inflight: []span{{5, 9}}, positions: []bookmark.Position{{Channel: "Security", RecordID: 7}}}) {
		t.Fatalf("version 1 state = %+v, %v", got, err)
	}
	for _, bad := range [][]byte{{3}, {2}, {1, 5, 3, 0}, {1, 0, 0, 1, 200}, {2, 2, 5, 9, 9, 12, 0}, {2, 1, 0, 0, 0}, {2, 65}, append(state{}.marshal(), 0)} {
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
	st := state{inflight: []span{{5, 9}, {10, 12}}, positions: []bookmark.Position{{Channel: "Security", RecordID: 7}}}.marshal()
	v1 := []byte{1, 5, 9, 1, 8, 'S', 'e', 'c', 'u', 'r', 'i', 't', 'y', 7}
	return [][]byte{rec, st, {}, {1}, {0, 0, 1, 0}, v1}
}

// FuzzShipDecode feeds the two formats ship reads back from the spool (a
// record's envelope and the stored state): no panic, and what decodes
// re-encodes to the same bytes (a version 1 state: to the same state).
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
			re := st.marshal()
			if b[0] == stateVersion && !bytes.Equal(re, b) {
				t.Fatalf("state %x re-encodes as %x", b, re)
			}
			if again, err := unmarshalState(re); err != nil || fmt.Sprint(again) != fmt.Sprint(st) {
				t.Fatalf("state %x re-encodes as %x, which reads as %+v, %v", b, re, again, err)
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
