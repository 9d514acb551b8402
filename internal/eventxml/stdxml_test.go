package eventxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/event"
)

// TestAgainstEncodingXML reads every UTF-8 fixture with both tokenizers.
func TestAgainstEncodingXML(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.xml")
	n := 0
	for _, f := range files {
		if strings.Contains(f, "utf16") {
			continue
		}
		doc := readFixture(t, strings.TrimPrefix(f, "testdata/"))
		ours := mustReadAll(t, doc)
		// encoding/xml refuses python-evtx's version="1.1" declaration.
		std, err := stdParse(bytes.Replace(doc, []byte(`version="1.1"`), []byte(`version="1.0"`), 1))
		if err != nil {
			t.Errorf("%s: encoding/xml: %v", f, err)
			continue
		}
		if len(std) != len(ours) {
			t.Errorf("%s: encoding/xml read %d events, we read %d", f, len(std), len(ours))
			continue
		}
		for i := range ours {
			if d := eventDiff(normalizeCR(ours[i]), normalizeCR(std[i])); d != "" {
				t.Errorf("%s: event %d:\n%s", f, i+1, d)
			}
			n++
		}
	}
	if n < 30 {
		t.Errorf("only %d events compared", n)
	}
}

// stdParse is the same mapping built on encoding/xml (Strict mode, no
// entities beyond the predefined ones). It exists for two reasons: it is the
// alternative the package doc measures against (BenchmarkStdXML), and it is
// an independent tokenizer to check ours against (TestAgainstEncodingXML,
// FuzzEventXML). It covers the well-formed dialect only: no limits, no
// recovery.
func stdParse(doc []byte) ([]*event.Event, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var out []*event.Event
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local == "Events" {
			continue
		}
		if se.Name.Local != "Event" {
			return out, fmt.Errorf("unexpected <%s>", se.Name.Local)
		}
		ev, err := stdEvent(d, doc)
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func stdEvent(d *xml.Decoder, doc []byte) (*event.Event, error) {
	ev := &event.Event{}
	hasSystem := false
	err := stdChildren(d, func(t xml.StartElement) error {
		switch t.Name.Local {
		case "System":
			hasSystem = true
			return stdSystem(d, ev, doc)
		case "EventData":
			if ev.Section == event.SectionNone {
				ev.Section = event.SectionEventData
			}
			return stdEventData(d, ev, doc)
		case "UserData":
			if ev.Section == event.SectionNone {
				ev.Section = event.SectionUserData
			}
			return stdUserData(d, ev, doc)
		case "RenderingInfo":
			return stdRendering(d, ev, t, doc)
		}
		return d.Skip()
	})
	if err != nil {
		return nil, err
	}
	if !hasSystem {
		return nil, errors.New("no System")
	}
	return ev, nil
}

// stdChildren calls child for each child element up to the end of the
// current element; child must consume the child element.
func stdChildren(d *xml.Decoder, child func(xml.StartElement) error) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := child(t); err != nil {
				return err
			}
		}
	}
}

func stdAttr(se xml.StartElement, name string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// stdText returns an element's text; with child elements, its raw inner XML.
func stdText(d *xml.Decoder, doc []byte) (string, error) {
	start := d.InputOffset()
	var sb strings.Builder
	depth := 0
	raw := false
	for {
		before := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb.Write(t)
		case xml.StartElement:
			raw = true
			depth++
		case xml.EndElement:
			if depth == 0 {
				if raw {
					return string(doc[start:before]), nil
				}
				return sb.String(), nil
			}
			depth--
		}
	}
}

func stdSystem(d *xml.Decoder, ev *event.Event, doc []byte) error {
	s := &ev.System
	return stdChildren(d, func(t xml.StartElement) error {
		num := func(bits int) (uint64, error) {
			txt, err := stdText(d, doc)
			if err != nil {
				return 0, err
			}
			return parseUint([]byte(txt), bits)
		}
		var (
			v   uint64
			err error
		)
		switch t.Name.Local {
		case "Provider":
			s.Provider, _ = stdAttr(t, "Name")
			s.ProviderGUID, _ = stdAttr(t, "Guid")
			s.EventSource, _ = stdAttr(t, "EventSourceName")
			err = d.Skip()
		case "EventID":
			if q, ok := stdAttr(t, "Qualifiers"); ok && strings.TrimSpace(q) != "" {
				v, err = parseUint([]byte(q), 16)
				s.Qualifiers, s.HasQualifiers = uint16(v), true
				if err != nil {
					return err
				}
			}
			v, err = num(32)
			s.EventID = uint16(v)
			if v>>16 != 0 && !s.HasQualifiers {
				s.Qualifiers, s.HasQualifiers = uint16(v>>16), true
			}
		case "Version":
			v, err = num(8)
			s.Version = uint8(v)
		case "Level":
			v, err = num(8)
			s.Level = uint8(v)
		case "Task":
			v, err = num(16)
			s.Task = uint16(v)
		case "Opcode":
			v, err = num(8)
			s.Opcode = uint8(v)
		case "Keywords":
			s.Keywords, err = num(64)
		case "EventRecordID":
			s.EventRecordID, err = num(64)
		case "TimeCreated":
			st, _ := stdAttr(t, "SystemTime")
			if s.TimeCreated, err = parseSystemTime([]byte(st)); err == nil {
				err = d.Skip()
			}
		case "Correlation":
			s.ActivityID, _ = stdAttr(t, "ActivityID")
			s.RelatedActivityID, _ = stdAttr(t, "RelatedActivityID")
			err = d.Skip()
		case "Execution":
			p, _ := stdAttr(t, "ProcessID")
			th, _ := stdAttr(t, "ThreadID")
			var pv, tv uint64
			if pv, err = parseUint([]byte(p), 32); err == nil {
				if tv, err = parseUint([]byte(th), 32); err == nil {
					err = d.Skip()
				}
			}
			s.ProcessID, s.ThreadID = uint32(pv), uint32(tv)
		case "Channel":
			s.Channel, err = stdText(d, doc)
		case "Computer":
			s.Computer, err = stdText(d, doc)
		case "Security":
			s.UserID, _ = stdAttr(t, "UserID")
			err = d.Skip()
		default:
			err = d.Skip()
		}
		return err
	})
}

func stdEventData(d *xml.Decoder, ev *event.Event, doc []byte) error {
	return stdChildren(d, func(t xml.StartElement) error {
		switch t.Name.Local {
		case "Data":
			name, _ := stdAttr(t, "Name")
			v, err := stdText(d, doc)
			if err != nil {
				return err
			}
			ev.Data = append(ev.Data, event.Field{Name: name, Value: v})
			return nil
		case "Binary":
			var err error
			ev.Binary, err = stdText(d, doc)
			return err
		}
		return stdFlatten(d, ev, t, t.Name.Local)
	})
}

func stdUserData(d *xml.Decoder, ev *event.Event, doc []byte) error {
	first := true
	return stdChildren(d, func(t xml.StartElement) error {
		path := t.Name.Local
		if first {
			first = false
			ev.UserDataName, ev.UserDataNS, path = t.Name.Local, t.Name.Space, ""
		}
		return stdFlatten(d, ev, t, path)
	})
}

func stdFlatten(d *xml.Decoder, ev *event.Event, se xml.StartElement, path string) error {
	hasAttrs := false
	for _, a := range se.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		hasAttrs = true
		name := a.Name.Local
		if a.Name.Space != "" {
			// encoding/xml resolves prefixes; ours keeps them as written.
			name = stdPrefix(se, a.Name.Space) + ":" + name
		}
		if path != "" {
			name = path + "/@" + name
		} else {
			name = "@" + name
		}
		ev.Data = append(ev.Data, event.Field{Name: name, Value: a.Value})
	}
	var text strings.Builder
	hasChild := false
	flush := func(always bool) {
		if always || strings.Trim(text.String(), " \t\r\n") != "" {
			ev.Data = append(ev.Data, event.Field{Name: path, Value: text.String()})
		}
		text.Reset()
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			flush(false)
			hasChild = true
			child := t.Name.Local
			if path != "" {
				child = path + "/" + child
			}
			if err := stdFlatten(d, ev, t, child); err != nil {
				return err
			}
		case xml.EndElement:
			flush(!hasChild && !hasAttrs)
			return nil
		}
	}
}

// stdPrefix finds the prefix declared for a namespace URL on se.
func stdPrefix(se xml.StartElement, space string) string {
	for _, a := range se.Attr {
		if a.Name.Space == "xmlns" && a.Value == space {
			return a.Name.Local
		}
	}
	return space
}

func stdRendering(d *xml.Decoder, ev *event.Event, se xml.StartElement, doc []byte) error {
	r := &event.Rendering{}
	ev.Rendering = r
	r.Culture, _ = stdAttr(se, "Culture")
	return stdChildren(d, func(t xml.StartElement) error {
		var dst *string
		switch t.Name.Local {
		case "Message":
			dst = &r.Message
		case "Level":
			dst = &r.Level
		case "Task":
			dst = &r.Task
		case "Opcode":
			dst = &r.Opcode
		case "Channel":
			dst = &r.Channel
		case "Provider":
			dst = &r.Provider
		case "Keywords":
			return stdKeywords(d, r, doc)
		default:
			return d.Skip()
		}
		var err error
		*dst, err = stdText(d, doc)
		return err
	})
}

func stdKeywords(d *xml.Decoder, r *event.Rendering, doc []byte) error {
	return stdChildren(d, func(t xml.StartElement) error {
		if t.Name.Local != "Keyword" {
			return d.Skip()
		}
		k, err := stdText(d, doc)
		if err != nil {
			return err
		}
		r.Keywords = append(r.Keywords, k)
		return nil
	})
}
