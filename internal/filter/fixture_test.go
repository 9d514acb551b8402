package filter

import (
	"compress/gzip"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

// xnode is a generic XML element, used to turn rendered event XML fixtures
// into event.Event values (and, in oracle_test.go, to give a reference
// XPath engine the same events as XML).
type xnode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []*xnode   `xml:",any"`
}

func (n *xnode) kid(name string) *xnode {
	for _, k := range n.Kids {
		if k.XMLName.Local == name {
			return k
		}
	}
	return nil
}

func (n *xnode) attr(name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *xnode) text() string {
	if n == nil {
		return ""
	}
	return n.Text
}

// fixture is one event both as XML and as the model.
type fixture struct {
	xml *xnode
	ev  event.Event
}

// readFixtures reads a stream of <Event> elements (optionally gzipped).
func readFixtures(tb testing.TB, name string) []fixture {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := gzipReader(f, name)
	if err != nil {
		tb.Fatal(err)
	}
	dec := xml.NewDecoder(r)
	var out []fixture
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Event" {
			continue
		}
		var n xnode
		if err := dec.DecodeElement(&n, &se); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		ev, err := toEvent(&n)
		if err != nil {
			tb.Fatalf("%s: event %d: %v", name, len(out)+1, err)
		}
		out = append(out, fixture{xml: &n, ev: ev})
	}
}

func gzipReader(f io.Reader, name string) (io.Reader, error) {
	if strings.HasSuffix(name, ".gz") {
		return gzip.NewReader(f)
	}
	return f, nil
}

func readEvents(tb testing.TB, names ...string) []event.Event {
	var evs []event.Event
	for _, n := range names {
		for _, f := range readFixtures(tb, n) {
			evs = append(evs, f.ev)
		}
	}
	return evs
}

func toEvent(n *xnode) (event.Event, error) {
	var e event.Event
	sys := n.kid("System")
	if sys == nil {
		return e, errors.New("no System")
	}
	s := &e.System
	p := sys.kid("Provider")
	s.Provider, s.ProviderGUID, s.EventSource = p.attr("Name"), p.attr("Guid"), p.attr("EventSourceName")
	u := func(name string, bits int) (uint64, error) {
		t := strings.TrimSpace(sys.kid(name).text())
		if t == "" {
			return 0, nil
		}
		if strings.HasPrefix(t, "0x") {
			return strconv.ParseUint(t[2:], 16, bits)
		}
		return strconv.ParseUint(t, 10, bits)
	}
	var err error
	var v uint64
	set := func(dst func(uint64), name string, bits int) {
		if err != nil {
			return
		}
		v, err = u(name, bits)
		dst(v)
	}
	set(func(v uint64) { s.EventID = uint16(v) }, "EventID", 16)
	set(func(v uint64) { s.Version = uint8(v) }, "Version", 8)
	set(func(v uint64) { s.Level = uint8(v) }, "Level", 8)
	set(func(v uint64) { s.Task = uint16(v) }, "Task", 16)
	set(func(v uint64) { s.Opcode = uint8(v) }, "Opcode", 8)
	set(func(v uint64) { s.Keywords = v }, "Keywords", 64)
	set(func(v uint64) { s.EventRecordID = v }, "EventRecordID", 64)
	if err != nil {
		return e, err
	}
	if q := sys.kid("EventID").attr("Qualifiers"); q != "" {
		v, err := strconv.ParseUint(q, 10, 16)
		if err != nil {
			return e, err
		}
		s.Qualifiers, s.HasQualifiers = uint16(v), true
	}
	if t := sys.kid("TimeCreated").attr("SystemTime"); t != "" {
		tm, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return e, err
		}
		s.TimeCreated = tm.UTC()
	}
	c := sys.kid("Correlation")
	s.ActivityID, s.RelatedActivityID = c.attr("ActivityID"), c.attr("RelatedActivityID")
	x := sys.kid("Execution")
	if pid := x.attr("ProcessID"); pid != "" {
		v, _ := strconv.ParseUint(pid, 10, 32)
		s.ProcessID = uint32(v)
	}
	if tid := x.attr("ThreadID"); tid != "" {
		v, _ := strconv.ParseUint(tid, 10, 32)
		s.ThreadID = uint32(v)
	}
	s.Channel, s.Computer = sys.kid("Channel").text(), sys.kid("Computer").text()
	s.UserID = sys.kid("Security").attr("UserID")
	if ed := n.kid("EventData"); ed != nil {
		e.Section = event.SectionEventData
		for _, d := range ed.Kids {
			switch d.XMLName.Local {
			case "Data":
				e.Data = append(e.Data, event.Field{Name: d.attr("Name"), Value: d.Text})
			case "Binary":
				e.Binary = d.Text
			}
		}
	}
	if ud := n.kid("UserData"); ud != nil && len(ud.Kids) > 0 {
		e.Section = event.SectionUserData
		w := ud.Kids[0]
		e.UserDataName, e.UserDataNS = w.XMLName.Local, w.XMLName.Space
		var walk func(prefix string, k *xnode)
		walk = func(prefix string, k *xnode) {
			name := prefix + k.XMLName.Local
			if len(k.Kids) == 0 {
				e.Data = append(e.Data, event.Field{Name: name, Value: k.Text})
				return
			}
			for _, kk := range k.Kids {
				walk(name+"/", kk)
			}
		}
		for _, k := range w.Kids {
			walk("", k)
		}
	}
	return e, nil
}

// byID returns the first event with the ID (and channel, if given).
func byID(tb testing.TB, evs []event.Event, id uint16) event.Event {
	tb.Helper()
	for _, e := range evs {
		if e.System.EventID == id {
			return e
		}
	}
	tb.Fatalf("no event %d in fixtures", id)
	return event.Event{}
}

// withChannel returns a copy of e on another channel.
func withChannel(e event.Event, ch string) event.Event {
	e.System.Channel = ch
	return e
}

// allFixtureEvents is the realistic mix: a real Security log, a real attack
// sample, and AppLocker events.
func allFixtureEvents(tb testing.TB) []event.Event {
	return readEvents(tb, "security-velocidex.xml.gz", "runas-mitre.xml", "applocker.xml")
}

func TestFixturesLoad(t *testing.T) {
	evs := allFixtureEvents(t)
	if got, want := len(evs), 739+9+6; got != want {
		t.Fatalf("loaded %d events, want %d", got, want)
	}
	e := byID(t, evs, 4625)
	if e.Value("Status") != "0xc000006d" || e.System.Keywords != 0x8010000000000000 || e.System.Channel != "Security" {
		t.Fatalf("4625 fixture wrong: %+v", e)
	}
	a := byID(t, evs, 8004)
	if a.Section != event.SectionUserData || a.UserDataName != "RuleAndFileData" || a.Value("PolicyName") != "EXE" {
		t.Fatalf("8004 fixture wrong: %+v", a)
	}
}
