package event

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// logon4624 is a 4624 as a Windows Server 2019 DC writes it.
func logon4624() *Event {
	return &Event{
		System: System{
			Provider:      "Microsoft-Windows-Security-Auditing",
			ProviderGUID:  "{54849625-5478-4994-A5BA-3E3B0328C30D}",
			EventID:       4624,
			Version:       2,
			Task:          12544,
			Keywords:      0x8020000000000000,
			TimeCreated:   time.Date(2019, 3, 19, 23, 40, 1, 123456700, time.UTC),
			EventRecordID: 1938471,
			ActivityID:    "{1F0D3B0E-DE7B-0003-593B-0D1F7BDED401}",
			ProcessID:     644,
			ThreadID:      4560,
			Channel:       "Security",
			Computer:      "DC01.contoso.local",
		},
		Section: SectionEventData,
		Data: []Field{
			{"SubjectUserSid", "S-1-0-0"}, {"SubjectUserName", "-"}, {"SubjectDomainName", "-"},
			{"SubjectLogonId", "0x0"}, {"TargetUserSid", "S-1-5-21-3470-1000"},
			{"TargetUserName", "alice"}, {"TargetDomainName", "CONTOSO"}, {"TargetLogonId", "0x3e7a1f"},
			{"LogonType", "3"}, {"LogonProcessName", "NtLmSsp "}, {"AuthenticationPackageName", "NTLM"},
			{"WorkstationName", "WS-17"}, {"LogonGuid", "{00000000-0000-0000-0000-000000000000}"},
			{"IpAddress", "10.0.4.21"}, {"IpPort", "49712"}, {"ImpersonationLevel", "%%1833"},
		},
	}
}

func cleared1102() *Event {
	return &Event{
		System: System{
			Provider: "Microsoft-Windows-Eventlog", ProviderGUID: "{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}",
			EventID: 1102, Level: 4, Task: 104, Keywords: 0x4020000000000000,
			TimeCreated: time.Date(2019, 3, 19, 23, 59, 0, 0, time.UTC), EventRecordID: 1,
			Channel: "Security", Computer: "WS-17.contoso.local",
		},
		Section: SectionUserData, UserDataName: "LogFileCleared",
		UserDataNS: "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
		Data: []Field{{"SubjectUserSid", "S-1-5-21-3470-500"}, {"SubjectUserName", "admin \"x\"\n<y>"},
			{"SubjectDomainName", "CONTOSO"}, {"SubjectLogonId", "0x5c3a2"}},
	}
}

func classic() *Event {
	return &Event{
		System: System{Provider: "Service Control Manager", EventSource: "Service Control Manager",
			EventID: 7036, Qualifiers: 16384, HasQualifiers: true, Level: 4, Keywords: 0x8080000000000000,
			Channel: "System", Computer: "ws"},
		Section: SectionEventData,
		Data:    []Field{{"", "Windows Update"}, {"", "running"}, {"param3", "x"}},
		Binary:  "770075006100750073007600",
		Rendering: &Rendering{Culture: "en-US", Message: "The Windows Update service entered the running state.",
			Level: "Information", Keywords: []string{"Classic"}},
	}
}

func samples() []*Event { return []*Event{logon4624(), cleared1102(), classic(), {}} }

func TestJSONRoundTrip(t *testing.T) {
	for _, e := range samples() {
		b := e.AppendJSON(nil)
		if !json.Valid(b) {
			t.Fatalf("invalid JSON: %s", b)
		}
		var got Event
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if !reflect.DeepEqual(&got, e) {
			t.Errorf("JSON round trip differs:\n got %+v\nwant %+v\njson %s", got, *e, b)
		}
	}
}

func TestJSONShape(t *testing.T) {
	b := logon4624().AppendJSON(nil)
	var m map[string]map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["System"]["TimeCreated"] != "2019-03-19T23:40:01.1234567Z" {
		t.Errorf("TimeCreated = %v, want 100 ns RFC 3339", m["System"]["TimeCreated"])
	}
	if m["System"]["Keywords"] != "0x8020000000000000" || m["System"]["EventID"] != 4624.0 {
		t.Errorf("System = %v", m["System"])
	}
	if m["EventData"]["IpAddress"] != "10.0.4.21" {
		t.Errorf("EventData = %v", m["EventData"])
	}
	if !bytes.Contains(classic().AppendJSON(nil), []byte(`"EventData":{"#1":"Windows Update","#2":"running","param3":"x"}`)) {
		t.Errorf("unnamed data not keyed by position: %s", classic().AppendJSON(nil))
	}
}

// Foreign JSON may give a payload value as a number or a boolean: it is
// kept as written, not reformatted through float64.
func TestJSONScalarFields(t *testing.T) {
	var e Event
	in := `{"System":{},"EventData":{"LogonType":3,"ProcessId":12345678,"Big":18446744073709551615,"Ratio":0.5,"Elevated":true,"Gone":null}}`
	if err := json.Unmarshal([]byte(in), &e); err != nil {
		t.Fatal(err)
	}
	want := []Field{{"LogonType", "3"}, {"ProcessId", "12345678"}, {"Big", "18446744073709551615"},
		{"Ratio", "0.5"}, {"Elevated", "true"}, {"Gone", ""}}
	if !reflect.DeepEqual(e.Data, want) {
		t.Errorf("Data = %q, want %q", e.Data, want)
	}
}

func TestJSONErrors(t *testing.T) {
	for _, in := range []string{
		`{"System":{"Keywords":"zz"}}`,
		`{"System":{"TimeCreated":"yesterday"}}`,
		`{"System":{},"EventData":{"a":{"b":1}}}`,
		`{"System":{},"EventData":[1]}`,
		`{"System":`,
	} {
		var e Event
		if err := json.Unmarshal([]byte(in), &e); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	var batch []byte
	for _, e := range samples() {
		b := e.AppendBinary(nil)
		got, n, err := DecodeBinary(b)
		if err != nil || n != len(b) {
			t.Fatalf("decode: n=%d/%d err=%v", n, len(b), err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("binary round trip differs:\n got %+v\nwant %+v", *got, *e)
		}
		batch = e.AppendFramed(batch)
	}
	d := NewBatchDecoder(batch)
	for i, want := range samples() {
		if !d.More() {
			t.Fatalf("batch ended after %d records", i)
		}
		got, err := d.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record %d differs", i)
		}
	}
	if d.More() {
		t.Error("trailing records")
	}
}

// TestBinaryTimesOutsideNanoseconds: a TimeCreated that Unix nanoseconds
// cannot hold (before 1678, after 2261; Windows writes FILETIME from 1601)
// survives the binary form exactly, instead of wrapping to another date
// (issue 9.2); times inside that range keep the version 1 record, which
// every decoder reads.
func TestBinaryTimesOutsideNanoseconds(t *testing.T) {
	for _, tc := range []struct {
		t       time.Time
		version byte
	}{
		{time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), 2}, // FILETIME 0
		{time.Date(3000, 1, 1, 12, 30, 0, 1234500, time.UTC), 2},
		{time.Date(1677, 9, 21, 0, 12, 43, 145224100, time.UTC), 2},
		{time.Date(2262, 4, 11, 23, 47, 16, 854775900, time.UTC), 2},
		{time.Date(30828, 9, 14, 2, 48, 5, 477580700, time.UTC), 2}, // the last FILETIME Windows converts
		{time.Date(1, 1, 1, 0, 0, 0, 100, time.UTC), 2},
		{time.Time{}, 1}, // absent, or 0001-01-01
		{time.Date(2019, 3, 19, 23, 40, 1, 123456700, time.UTC), 1},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 1},
		{time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC), 1},
	} {
		e := logon4624()
		e.System.TimeCreated = tc.t
		b := e.AppendBinary(nil)
		if b[0] != tc.version {
			t.Errorf("%s: record version %d, want %d", tc.t, b[0], tc.version)
		}
		got, n, err := DecodeBinary(b)
		if err != nil || n != len(b) {
			t.Fatalf("%s: decode: n=%d/%d err=%v", tc.t, n, len(b), err)
		}
		if !got.System.TimeCreated.Equal(tc.t) {
			t.Errorf("TimeCreated %s came back as %s", tc.t.Format(TimeLayout), got.System.TimeCreated.Format(TimeLayout))
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%s: round trip differs", tc.t)
		}
	}
}

func TestBinaryTruncated(t *testing.T) {
	b := logon4624().AppendFramed(nil)
	for n := 0; n < len(b); n++ {
		d := NewBatchDecoder(b[:n])
		if n == 0 {
			if d.More() {
				t.Fatal("empty batch has records")
			}
			continue
		}
		if _, err := d.Next(); !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d: err = %v, want ErrTruncated", n, err)
		}
	}
	bad := append([]byte{}, logon4624().AppendBinary(nil)...)
	bad[0] = 9
	if _, _, err := DecodeBinary(bad); err == nil {
		t.Error("unknown version accepted")
	}
}

// TestAppendFramedSizes: the frame is uvarint(length) + record whatever
// the record's size (the length taking one, two, three or four bytes),
// appended after what dst holds.
func TestAppendFramedSizes(t *testing.T) {
	for _, size := range []int{0, 100, 127 - 60, 1000, 16383, 16384, 70000, 1 << 21} {
		e := logon4624()
		if size == 0 {
			e = &Event{}
		} else {
			e.Data = []Field{{Name: "Big", Value: strings.Repeat("x", size)}}
		}
		rec := e.AppendBinary(nil)
		want := append(binary.AppendUvarint([]byte("prefix"), uint64(len(rec))), rec...)
		if got := e.AppendFramed([]byte("prefix")); !bytes.Equal(got, want) {
			t.Errorf("record of %d bytes: the frame differs from uvarint(length)+record", len(rec))
		}
	}
}

// TestBatchDecoderSlabs: events cut from the decoder's slabs (more events
// and fields than one slab holds, and an event with more fields than a
// fields slab) decode exactly, by both constructors, and are independent:
// growing or changing one event's Data leaves its neighbours alone.
func TestBatchDecoderSlabs(t *testing.T) {
	var want []*Event
	var batch []byte
	for i := range 3*slabEvents + 7 {
		e := logon4624()
		e.System.EventRecordID = uint64(i)
		if i == 300 {
			e.Data = nil
			for j := range slabFields + 10 {
				e.Data = append(e.Data, Field{Name: "F" + string(rune('a'+j%26)), Value: "v"})
			}
		}
		want = append(want, e)
		batch = e.AppendFramed(batch)
	}
	for _, c := range []struct {
		name string
		d    *BatchDecoder
	}{{"copy", NewBatchDecoder(batch)}, {"owned", NewBatchDecoderOwned(bytes.Clone(batch))}} {
		var got []*Event
		for c.d.More() {
			e, err := c.d.Next()
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got = append(got, e)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d events, want %d", c.name, len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%s: event %d differs", c.name, i)
			}
		}
		for i := range len(got) - 1 {
			got[i].Data = append(got[i].Data, Field{Name: "extra", Value: "x"})
			got[i].Data[0].Value = "changed"
			if !reflect.DeepEqual(got[i+1], want[i+1]) {
				t.Fatalf("%s: changing event %d's fields changed event %d", c.name, i, i+1)
			}
		}
	}
}

func FuzzBatchDecoder(f *testing.F) {
	var batch []byte
	for _, e := range samples() {
		batch = e.AppendFramed(batch)
	}
	f.Add(batch)
	f.Add([]byte{5, 1, 0, 0, 0, 0})
	wide := logon4624()
	wide.System.TimeCreated = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Add(wide.AppendFramed(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, owned := NewBatchDecoder(b), NewBatchDecoderOwned(bytes.Clone(b))
		for d.More() {
			e, err := d.Next()
			o, oerr := owned.Next()
			if (err == nil) != (oerr == nil) || !reflect.DeepEqual(e, o) {
				t.Fatalf("the owned decoder differs: %v, %v", err, oerr)
			}
			if err != nil {
				return
			}
			// Whatever decodes must re-encode to an equal event.
			again, _, err := DecodeBinary(e.AppendBinary(nil))
			if err != nil || !reflect.DeepEqual(again, e) {
				t.Fatalf("re-encode differs: %v", err)
			}
		}
	})
}

func BenchmarkBinary(b *testing.B) {
	var batch []byte
	for range 1000 {
		batch = logon4624().AppendFramed(batch)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(batch)))
	for b.Loop() {
		d := NewBatchDecoder(batch)
		for d.More() {
			if _, err := d.Next(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkJSON(b *testing.B) {
	e := logon4624()
	buf := e.AppendJSON(nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = e.AppendJSON(buf[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func TestXMLIsWellFormedAndComplete(t *testing.T) {
	for _, e := range samples() {
		b := e.AppendXML(nil)
		d := xml.NewDecoder(bytes.NewReader(b))
		var texts []string
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, b)
			}
			if cd, ok := tok.(xml.CharData); ok {
				texts = append(texts, string(cd))
			}
		}
		for _, f := range e.Data {
			if !slices.Contains(texts, f.Value) && f.Value != "" {
				t.Errorf("value %q missing from XML %s", f.Value, b)
			}
		}
	}
	want := `<Data Name="IpAddress">10.0.4.21</Data>`
	if b := logon4624().AppendXML(nil); !bytes.Contains(b, []byte(want)) {
		t.Errorf("XML lacks %s: %s", want, b)
	}
	if b := cleared1102().AppendXML(nil); !bytes.Contains(b, []byte(`<UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog"><SubjectUserSid>`)) {
		t.Errorf("UserData not rendered as Windows does: %s", b)
	}
}
