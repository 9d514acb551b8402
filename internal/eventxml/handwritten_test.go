package eventxml

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"wsec/internal/event"
)

// The handwritten fixtures are the forms Windows itself prints, which no
// tool here can produce: wevtutil qe /f:RenderedXml (single-quoted
// attributes, one line per event, RenderingInfo with the message), the same
// inside <Events> as a Windows Event Forwarding collector exports it, and
// the back-to-back form of wevtutil qe /f:xml. Expected values are read off
// the fixture text by hand.

func TestRenderedXML4624(t *testing.T) {
	raw := readFixture(t, "handwritten/rendered_4624.xml")
	ev, err := ParseEvent(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := &event.Event{
		System: event.System{
			Provider:      "Microsoft-Windows-Security-Auditing",
			ProviderGUID:  "{54849625-5478-4994-a5ba-3e3b0328c30d}",
			EventID:       4624,
			Version:       2,
			Task:          12544,
			Keywords:      0x8020000000000000,
			TimeCreated:   utc("2015-11-12T00:24:35.079123Z"),
			EventRecordID: 211,
			ActivityID:    "{00d66690-1cdf-0000-ac66-d600df1cd101}",
			ProcessID:     716,
			ThreadID:      760,
			Channel:       "Security",
			Computer:      "WIN-GG82ULGC9GO.contoso.local",
		},
		Section: event.SectionEventData,
		Data: []event.Field{
			{Name: "SubjectUserSid", Value: `S-1-5-18`},
			{Name: "SubjectUserName", Value: `WIN-GG82ULGC9GO$`},
			{Name: "SubjectDomainName", Value: `CONTOSO`},
			{Name: "SubjectLogonId", Value: `0x3e7`},
			{Name: "TargetUserSid", Value: `S-1-5-21-1377283216-344919071-3415362939-500`},
			{Name: "TargetUserName", Value: `Administrator`},
			{Name: "TargetDomainName", Value: `CONTOSO`},
			{Name: "TargetLogonId", Value: `0x8dcdc`},
			{Name: "LogonType", Value: `2`},
			{Name: "LogonProcessName", Value: `User32 `},
			{Name: "AuthenticationPackageName", Value: `Negotiate`},
			{Name: "WorkstationName", Value: `WIN-GG82ULGC9GO`},
			{Name: "LogonGuid", Value: `{00000000-0000-0000-0000-000000000000}`},
			{Name: "TransmittedServices", Value: `-`},
			{Name: "LmPackageName", Value: `-`},
			{Name: "KeyLength", Value: `0`},
			{Name: "ProcessId", Value: `0x44c`},
			{Name: "ProcessName", Value: `C:\Windows\System32\svchost.exe`},
			{Name: "IpAddress", Value: `127.0.0.1`},
			{Name: "IpPort", Value: `0`},
			{Name: "ImpersonationLevel", Value: `%%1833`},
			{Name: "RestrictedAdminMode", Value: `-`},
			{Name: "TargetOutboundUserName", Value: `-`},
			{Name: "TargetOutboundDomainName", Value: `-`},
			{Name: "VirtualAccount", Value: `%%1843`},
			{Name: "TargetLinkedLogonId", Value: `0x0`},
			{Name: "ElevatedToken", Value: `%%1842`},
		},
		Rendering: &event.Rendering{
			Culture:  "en-US",
			Message:  ev.Rendering.Message, // checked below
			Level:    "Information",
			Task:     "Logon",
			Opcode:   "Info",
			Channel:  "Security",
			Provider: "Microsoft Windows security auditing.",
			Keywords: []string{"Audit Success"},
		},
	}
	if d := eventDiff(ev, want); d != "" {
		t.Error(d)
	}
	msg := ev.Rendering.Message
	if !strings.HasPrefix(msg, "An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tSYSTEM\r\n") ||
		!strings.HasSuffix(msg, "\r\n\tKey Length:\t\t0") {
		t.Errorf("Message = %q", msg)
	}
	if got, want := strings.Count(msg, "\r\n"), bytes.Count(raw, []byte("&#13;&#10;")); got != want {
		t.Errorf("Message has %d CR LF, fixture has %d", got, want)
	}
	if strings.ContainsAny(msg, "&;") {
		t.Errorf("Message has an unresolved reference: %q", msg)
	}
	if ev.System.TimeCreated.Nanosecond() != 79123000 {
		t.Errorf("TimeCreated ns = %d, want 79123000 (7 digits)", ev.System.TimeCreated.Nanosecond())
	}
}

func TestForwardedEvents(t *testing.T) {
	evs := mustReadAll(t, readFixture(t, "handwritten/forwarded_events.xml"))
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3", len(evs))
	}
	proc := evs[0]
	if got := proc.Value("CommandLine"); got != `cmd.exe /c "whoami /all & net group "Domain Admins" /domain > C:\Users\Public\o.txt"` {
		t.Errorf("CommandLine = %q", got)
	}
	if got := proc.Value("TargetUserName"); got != "-" {
		t.Errorf(`TargetUserName = %q, want "-" kept`, got)
	}
	if !strings.HasSuffix(proc.Rendering.Message, `Process Command Line:	cmd.exe /c "whoami /all & net group "Domain Admins" /domain > C:\Users\Public\o.txt"`) {
		t.Errorf("Message tail = %q", proc.Rendering.Message[len(proc.Rendering.Message)-80:])
	}
	if got := proc.System.TimeCreated.Format(event.TimeLayout); got != "2023-05-09T14:03:27.1234567Z" {
		t.Errorf("TimeCreated = %s", got)
	}

	clear := evs[1]
	want := &event.Event{
		System: event.System{
			Provider: "Microsoft-Windows-Eventlog", ProviderGUID: "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}",
			EventID: 1102, Level: 4, Task: 104, Keywords: 0x4020000000000000,
			TimeCreated: utc("2023-05-09T14:05:01.0000001Z"), EventRecordID: 1,
			ProcessID: 1044, ThreadID: 2208, Channel: "Security", Computer: "DC01.contoso.local",
		},
		Section:      event.SectionUserData,
		UserDataName: "LogFileCleared",
		UserDataNS:   "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
		Data: []event.Field{
			{Name: "SubjectUserSid", Value: "S-1-5-21-1004336348-1177238915-682003330-500"},
			{Name: "SubjectUserName", Value: "Administrator"},
			{Name: "SubjectDomainName", Value: "CONTOSO"},
			{Name: "SubjectLogonId", Value: "0x2c3a1"},
		},
		Rendering: &event.Rendering{
			Culture: "en-US",
			Message: "The audit log was cleared.\nSubject:\n\tSecurity ID:\tCONTOSO\\Administrator\n\tAccount Name:\tAdministrator\n" +
				"\tDomain Name:\tCONTOSO\n\tLogon ID:\t0x2C3A1",
			Level: "Information", Task: "Log clear", Opcode: "Info", Channel: "Security",
			Provider: "Microsoft-Windows-Eventlog", Keywords: []string{"Audit Success"},
		},
	}
	if d := eventDiff(clear, want); d != "" {
		t.Error(d)
	}

	svc := evs[2].System
	if !svc.HasQualifiers || svc.Qualifiers != 16384 || svc.EventID != 7045 || svc.EventSource != "Service Control Manager" {
		t.Errorf("7045 System = %+v", svc)
	}
	if got := svc.TimeCreated.Format(event.TimeLayout); got != "2023-05-09T14:06:12.5000000Z" {
		t.Errorf("TimeCreated with one digit = %s", got)
	}
	if r := evs[2].Rendering; r.Task != "" || r.Keywords[0] != "Classic" {
		t.Errorf("7045 Rendering = %+v", r)
	}
}

func TestConcatenated(t *testing.T) {
	evs := mustReadAll(t, readFixture(t, "handwritten/concatenated.xml"))
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3", len(evs))
	}
	if evs[0].Value("TargetDomainName") != "" || evs[1].Value("TargetDomainName") != "" {
		t.Error("empty <Data></Data> and <Data/> must both be empty values")
	}
	if _, ok := evs[1].Get("TargetDomainName"); !ok {
		t.Error("<Data Name=\"TargetDomainName\"/> must still be a field")
	}
	if got := evs[1].System.TimeCreated.Format(event.TimeLayout); got != "2023-05-09T14:10:00.2500000Z" {
		t.Errorf("TimeCreated = %s", got)
	}
	classic := evs[2]
	if got := classic.System.TimeCreated.Format(event.TimeLayout); got != "2021-02-03T15:18:22.2602859Z" {
		t.Errorf("Z-less TimeCreated = %s", got)
	}
	wantData := []event.Field{{Name: "", Value: `-s "RADAR"`}, {Name: "", Value: "-m"}, {Name: "", Value: ""}}
	if d := eventDiff(classic, &event.Event{System: classic.System, Section: event.SectionEventData,
		Data: wantData, Binary: "DB4200000A0000000E000000"}); d != "" {
		t.Error(d)
	}
	if classic.System.Keywords != 0x80000000000000 || classic.System.Version != 0 || classic.System.ProcessID != 0 {
		t.Errorf("classic System = %+v", classic.System)
	}
}

// TestEncodings feeds the same event in every encoding Windows tools write.
func TestEncodings(t *testing.T) {
	utf8Doc := readFixture(t, "handwritten/rendered_4624.xml")
	want, err := ParseEvent(utf8Doc)
	if err != nil {
		t.Fatal(err)
	}
	u16 := utf16.Encode([]rune(string(utf8Doc)))
	le := func(bom bool) []byte {
		var b []byte
		if bom {
			b = []byte{0xFF, 0xFE}
		}
		for _, c := range u16 {
			b = append(b, byte(c), byte(c>>8))
		}
		return b
	}
	be := func(bom bool) []byte {
		var b []byte
		if bom {
			b = []byte{0xFE, 0xFF}
		}
		for _, c := range u16 {
			b = append(b, byte(c>>8), byte(c))
		}
		return b
	}
	for _, tc := range []struct {
		name string
		doc  []byte
	}{
		{"utf8-bom", append([]byte{0xEF, 0xBB, 0xBF}, utf8Doc...)},
		{"utf16le-bom-file", readFixture(t, "handwritten/rendered_4624_utf16le.xml")},
		{"utf16le-bom", le(true)},
		{"utf16le-nobom", le(false)},
		{"utf16be-bom", be(true)},
		{"utf16be-nobom", be(false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEvent(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			if d := eventDiff(got, want); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestUTF16NonBMP checks surrogate pairs across read boundaries and the
// replacement of broken ones.
func TestUTF16NonBMP(t *testing.T) {
	doc := `<Event><System><EventID>1</EventID></System><EventData><Data Name="n">a😀b</Data></EventData></Event>`
	u := utf16.Encode([]rune(doc))
	var b []byte
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	for _, chunk := range []int{1, 2, 3, 5, 64} {
		r := NewReader(&chunkReader{b: b, n: chunk}, Options{})
		ev, err := r.Next()
		if err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if got := ev.Value("n"); got != "a😀b" {
			t.Errorf("chunk %d: value %q", chunk, got)
		}
	}
	// A lone high surrogate becomes U+FFFD.
	bad := bytes.Replace(b, []byte{0x3D, 0xD8, 0x00, 0xDE}, []byte{0x3D, 0xD8}, 1)
	ev, err := ParseEvent(bad)
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Value("n"); got != "a\uFFFDb" {
		t.Errorf("lone surrogate: value %q", got)
	}
}

// chunkReader returns at most n bytes per Read, like a pipe.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.b))
	copy(p, c.b[:k])
	c.b = c.b[k:]
	return k, nil
}
